// The progress chart and the board report for people: the chart under
// /ambitie overzicht, the report by direct message on /ambitie rapport and
// with the half-yearly board report, and the exports of `ambitiebot
// report`.

package workgroup

import (
	"bytes"
	"context"
	"strings"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/chart"
	"github.com/drentse-aanpak/ambitiebot/internal/report"
)

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
		Lang: lang, Tr: app.tr,
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
