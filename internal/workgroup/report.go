package workgroup

import (
	"context"
	"fmt"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/calendar"
	"github.com/drentse-aanpak/ambitiebot/internal/report"
)

// postChart queues the chart of mx, in lang, as a bot post in the channel
// where the overview was asked. The run key is unique per request, so a
// retried delivery posts it once and a second request posts it again.
func (app *App) postChart(ctx context.Context, mx *ambitiebot.Matrix, lang string, req Request) error {
	now := app.now()
	png, err := app.chart(mx, lang, now)
	if err != nil {
		return err
	}
	date := app.tr.LongDate(lang, now.In(app.location))
	_, err = app.enqueue(ctx, ambitiebot.Delivery{
		RunKey:  fmt.Sprintf("chart:%s:%d", req.UserID, now.UnixNano()),
		Target:  ambitiebot.ChannelTarget(req.ChannelID),
		Kind:    "chart",
		Message: app.tr.T(lang, "InsightChartCaption", map[string]any{"Date": date}),
		Files:   []ambitiebot.File{{Name: app.fileName(lang, now) + ".png", Data: png}},
	})
	return err
}

// reportRequest is /ambitie rapport [sinds DATE], for project leaders: the
// Markdown summary, the workbook and the chart arrive in a direct message
// to the requester; the reply only says they are on their way.
func (app *App) reportRequest(ctx context.Context, m Member, lang string, cmd Command) (Response, error) {
	if !m.ProjectLeader {
		return Response{}, ambitiebot.Errorf(ambitiebot.EFORBIDDEN, "ErrLeadersOnly", nil)
	}
	now := app.now()
	since, err := app.Since(cmd.Since, now)
	if err != nil {
		return Response{}, err
	}
	in, err := app.Input(ctx, lang, since, true)
	if err != nil {
		return Response{}, err
	}
	files, err := app.files(in)
	if err != nil {
		return Response{}, err
	}
	_, err = app.enqueue(ctx, ambitiebot.Delivery{
		RunKey:  fmt.Sprintf("report-request:%s:%d", m.User.ID, now.UnixNano()),
		Target:  ambitiebot.UserTarget(m.User.ID),
		Kind:    "report",
		Message: app.neutralize(report.Markdown(in)),
		Files:   files,
	})
	if err != nil {
		return Response{}, err
	}
	return Response{Texts: []string{app.tr.T(lang, "InsightReportQueued", map[string]any{"Period": app.period(lang, in.Since)})}}, nil
}

// period names the start of a report's period in a reply.
func (app *App) period(lang string, since time.Time) string {
	if since.IsZero() {
		return app.tr.T(lang, "InsightPeriodAll", nil)
	}
	return app.tr.T(lang, "InsightPeriodSince", map[string]any{"Date": app.tr.LongDate(lang, since.In(app.location))})
}

// BoardReportFiles are the files of the half-yearly board report at at, in
// lang: the chart and the workbook, whose history runs from the previous
// board report (the whole history before the first).
func (app *App) BoardReportFiles(ctx context.Context, lang string, at time.Time) ([]ambitiebot.File, error) {
	runs, err := app.store.FindJobRuns(ctx, string(calendar.KindReport), 0)
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
	in, err := app.Input(ctx, lang, since, true)
	if err != nil {
		return nil, err
	}
	return app.files(in)
}
