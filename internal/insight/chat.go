package insight

import (
	"context"
	"fmt"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/calendar"
	"github.com/drentse-aanpak/ambitiebot/internal/command"
	"github.com/drentse-aanpak/ambitiebot/internal/members"
	"github.com/drentse-aanpak/ambitiebot/internal/report"
)

var _ command.Charts = (*Service)(nil)

// PostChart queues the chart of mx, in lang, as a bot post in the channel
// where the overview was asked. The run key is unique per request, so a
// retried delivery posts it once and a second request posts it again.
func (s *Service) PostChart(ctx context.Context, mx *ambitiebot.Matrix, lang string, req command.Request) error {
	now := s.Now()
	png, err := s.chart(mx, lang, now)
	if err != nil {
		return err
	}
	date := s.Tr.LongDate(lang, now.In(s.Location))
	return s.enqueue(ctx, ambitiebot.Delivery{
		RunKey:  fmt.Sprintf("chart:%s:%d", req.UserID, now.UnixNano()),
		Target:  ambitiebot.ChannelTarget(req.ChannelID),
		Kind:    "chart",
		Message: s.Tr.T(lang, "InsightChartCaption", map[string]any{"Date": date}),
		Files:   []ambitiebot.File{{Name: s.fileName(lang, now) + ".png", Data: png}},
	})
}

// HandleReport is /ambitie rapport [sinds DATE], for project leaders: the
// Markdown summary, the workbook and the chart arrive in a direct message
// to the requester; the reply only says they are on their way.
func (s *Service) HandleReport(ctx context.Context, m members.Member, lang string, cmd command.Command, _ command.Request) (command.Response, error) {
	if !m.ProjectLeader {
		return command.Response{}, ambitiebot.Errorf(ambitiebot.EFORBIDDEN, "ErrLeadersOnly", nil)
	}
	now := s.Now()
	since, err := s.Since(cmd.Since, now)
	if err != nil {
		return command.Response{}, err
	}
	in, err := s.Input(ctx, lang, since, true)
	if err != nil {
		return command.Response{}, err
	}
	files, err := s.files(in)
	if err != nil {
		return command.Response{}, err
	}
	err = s.enqueue(ctx, ambitiebot.Delivery{
		RunKey:  fmt.Sprintf("report-request:%s:%d", m.User.ID, now.UnixNano()),
		Target:  ambitiebot.UserTarget(m.User.ID),
		Kind:    "report",
		Message: s.neutralize(report.Markdown(in)),
		Files:   files,
	})
	if err != nil {
		return command.Response{}, err
	}
	return command.Response{Texts: []string{s.Tr.T(lang, "InsightReportQueued", map[string]any{"Period": s.period(lang, in.Since)})}}, nil
}

// period names the start of a report's period in a reply.
func (s *Service) period(lang string, since time.Time) string {
	if since.IsZero() {
		return s.Tr.T(lang, "InsightPeriodAll", nil)
	}
	return s.Tr.T(lang, "InsightPeriodSince", map[string]any{"Date": s.Tr.LongDate(lang, since.In(s.Location))})
}

// BoardReportFiles are the files of the half-yearly board report at at, in
// lang: the chart and the workbook, whose history runs from the previous
// board report (the whole history before the first).
func (s *Service) BoardReportFiles(ctx context.Context, lang string, at time.Time) ([]ambitiebot.File, error) {
	runs, err := s.Jobs.FindJobRuns(ctx, string(calendar.KindReport), 0)
	if err != nil {
		return nil, err
	}
	var since time.Time
	for _, r := range runs { // newest first
		if r.State == ambitiebot.JobDone && r.ScheduledAt.Before(at) {
			since = r.ScheduledAt
			break
		}
	}
	in, err := s.Input(ctx, lang, since, true)
	if err != nil {
		return nil, err
	}
	return s.files(in)
}
