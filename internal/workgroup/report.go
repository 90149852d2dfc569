// The board report and the progress chart for people: the half-yearly
// board report by direct message to the project leaders and the other
// configured recipients, the report on
// /ambitie rapport, the chart under /ambitie overzicht and the inputs the
// exports of `ambitiebot report` (export.go) share.

package workgroup

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/chart"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/internal/report"
)

// Report is the half-yearly job: each project leader and each other
// configured recipient (report.recipients, such as the bestuurlijk
// portefeuillehouder) gets the board report in a direct message, ready to
// forward to the board.
func (app *App) Report(ctx context.Context, scheduledAt time.Time) error {
	ds, err := app.ReportDeliveries(ctx, runKey("report", scheduledAt), scheduledAt)
	if err != nil {
		return err
	}
	if len(ds) == 0 {
		// doctor and serve's start-up check warn about this in advance.
		app.logger.Warn("report: the board report went to nobody: no project leader or report recipient could be found")
	}
	_, err = app.enqueue(ctx, ds...)
	return err
}

// ReportDeliveries builds the board report at at for every project leader
// and every other recipient, once per person, in their language: the
// summary (period, deadline, tables, what changed per theme) with the
// chart and the workbook.
func (app *App) ReportDeliveries(ctx context.Context, key string, at time.Time) ([]ambitiebot.Delivery, error) {
	type board struct {
		message string
		files   []ambitiebot.File
	}
	byLang := map[string]board{}
	var ds []ambitiebot.Delivery
	for _, id := range app.boardReaders(ctx) {
		// The account is only asked for its language: a Mattermost that
		// does not answer now must not cost the board its report, which
		// then goes out in the default language (the dispatcher retries
		// the delivery itself). Only an account that is gone is left out.
		lang := i18n.Languages[0]
		switch u, err := app.chat.User(ctx, id); {
		case err == nil:
			lang = i18n.Lang(u.Locale)
		case ambitiebot.ErrorCode(err) == ambitiebot.ENOTFOUND:
			app.logger.Warn("report: recipient's account is gone", slog.String("user_id", id), slog.Any("error", err))
			continue
		default:
			app.logger.Warn("report: recipient's language unknown, sending in the default language", slog.String("user_id", id), slog.Any("error", err))
		}
		b, ok := byLang[lang]
		if !ok {
			in, err := app.BoardInput(ctx, lang, at)
			if err != nil {
				return nil, err
			}
			if b.files, err = app.files(in); err != nil {
				return nil, err
			}
			b.message = app.neutralize(report.Markdown(in))
			byLang[lang] = b
		}
		ds = append(ds, ambitiebot.Delivery{RunKey: key, Target: ambitiebot.UserTarget(id), Kind: "report", Message: b.message, Files: b.files})
	}
	return ds, nil
}

// BoardReaders is how many people the board report would reach now: the
// project leaders and other recipients that were found.
func (app *App) BoardReaders(ctx context.Context) int { return len(app.boardReaders(ctx)) }

// boardReaders are the user ids the board report goes to: the project
// leaders, then the other recipients, each once.
func (app *App) boardReaders(ctx context.Context) []string {
	ids := app.members.leaders.accepted(ctx)
	for _, id := range app.recipients.accepted(ctx) {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// postChart queues the chart of mx, in lang, as a bot post to target: the
// asker's direct channel, or the channel where the overview was shared.
// The run key is unique per request, so a retried delivery posts it once
// and a second request posts it again.
func (app *App) postChart(ctx context.Context, mx *ambitiebot.Matrix, lang, askerID string, target ambitiebot.Target) error {
	now := app.now()
	png, err := app.chart(mx, lang, now)
	if err != nil {
		return err
	}
	date := app.tr.LongDate(lang, now.In(app.location))
	_, err = app.enqueue(ctx, ambitiebot.Delivery{
		RunKey:  fmt.Sprintf("chart:%s:%d", askerID, now.UnixNano()),
		Target:  target,
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

// BoardInput is what the half-yearly board report at at reads, in lang:
// its period runs from the previous report date (the whole history when
// there is none) to at, and it carries the chart.
func (app *App) BoardInput(ctx context.Context, lang string, at time.Time) (report.Input, error) {
	var since time.Time
	if app.calendar != nil {
		since = app.calendar.PreviousReport(at)
	}
	in, err := app.Input(ctx, lang, since, true)
	if err != nil {
		return report.Input{}, err
	}
	in.Board = true
	return in, nil
}

// dateLayouts are the dates a user may type: ISO, and the day-first form
// the bot itself shows in chat.
var dateLayouts = []string{"2006-01-02", "02-01-2006"}

// Since turns the date a user typed into the start of a report's period:
// midnight of that day in the service's zone. An empty text means since
// the previous meeting (or since the beginning when there is none).
// Errors: EINVALID for a date that cannot be read or lies after now.
func (app *App) Since(text string, now time.Time) (time.Time, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		if app.calendar == nil {
			return time.Time{}, nil
		}
		return app.calendar.PreviousMeeting(now), nil
	}
	for _, layout := range dateLayouts {
		if t, err := time.ParseInLocation(layout, text, app.location); err == nil {
			if t.After(now) {
				return time.Time{}, ambitiebot.Errorf(ambitiebot.EINVALID, "InsightErrFutureDate", nil)
			}
			return t, nil
		}
	}
	return time.Time{}, ambitiebot.Errorf(ambitiebot.EINVALID, "InsightErrBadDate", nil)
}

// Input reads what every report needs: everyone's progress now, the
// history of [since, now) and, when withChart, the chart in lang. Times
// are shown in the service's zone, as in chat.
func (app *App) Input(ctx context.Context, lang string, since time.Time, withChart bool) (report.Input, error) {
	now := app.now().In(app.location)
	rows, err := app.store.FindProgress(ctx, ambitiebot.ProgressFilter{})
	if err != nil {
		return report.Input{}, err
	}
	for i := range rows {
		rows[i].UpdatedAt = app.local(rows[i].UpdatedAt)
	}
	changes, err := app.store.FindChanges(ctx, ambitiebot.ChangeFilter{Since: since, Until: now})
	if err != nil {
		return report.Input{}, err
	}
	for i := range changes {
		changes[i].At = app.local(changes[i].At)
	}
	in := report.Input{
		Matrix:  ambitiebot.NewMatrix(app.catalogue, app.organisations, rows),
		Changes: changes, Since: app.local(since), Until: now, GeneratedAt: now,
		Lang: lang, Tr: app.tr, SignedOn: app.local(app.signedOn), Deadline: app.local(app.deadline),
	}
	if withChart {
		if in.Chart, err = app.chart(in.Matrix, lang, now); err != nil {
			return report.Input{}, err
		}
	}
	return in, nil
}

func (app *App) local(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(app.location)
}

func (app *App) chart(mx *ambitiebot.Matrix, lang string, asOf time.Time) ([]byte, error) {
	return chart.Render(mx, app.tr, lang, chart.Options{AsOf: asOf.In(app.location)})
}

// files are what a report in chat carries: the chart, for a glance in
// the chat window, and the workbook with the chart on its summary sheet.
func (app *App) files(in report.Input) ([]ambitiebot.File, error) {
	var book bytes.Buffer
	if err := report.XLSX(&book, in); err != nil {
		return nil, err
	}
	base := app.fileName(in.Lang, in.GeneratedAt)
	return []ambitiebot.File{
		{Name: base + ".png", Data: in.Chart},
		{Name: base + ".xlsx", Data: book.Bytes()},
	}, nil
}

// fileName is the base name of a report's files: "voortgang-2025-06-17".
func (app *App) fileName(lang string, at time.Time) string {
	return app.tr.T(lang, "InsightFileName", map[string]any{"Date": at.In(app.location).Format("2006-01-02")})
}
