// Package insight brings the progress chart and the board report to
// people: the chart under /ambitie overzicht, the report by direct message
// on /ambitie rapport and with the half-yearly board report, and the
// exports that `ambitiebot report` writes. It reads the stored progress,
// renders with the chart and report packages and queues chat posts in the
// outbox, so that a Mattermost hiccup only delays them.
package insight

import (
	"bytes"
	"context"
	"strings"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/chart"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/internal/report"
)

// Meetings tells when the working group last met: the default start of a
// report's period.
type Meetings interface {
	// PreviousMeeting returns the last meeting strictly before before,
	// zero when there was none.
	PreviousMeeting(before time.Time) time.Time
}

// Service builds charts and reports. Catalogue, Organisations, Progress,
// Tr, Location and Now are always required; Deliveries for everything
// that posts, Jobs for BoardReportFiles. The rest is optional.
type Service struct {
	Catalogue     *ambitiebot.Catalogue
	Organisations *ambitiebot.Organisations
	Progress      ambitiebot.ProgressService
	Deliveries    ambitiebot.DeliveryService
	Jobs          ambitiebot.JobService
	Tr            *i18n.Translator
	Location      *time.Location
	Now           ambitiebot.Clock
	// Meetings gives the default period: since the previous meeting.
	// Without it a report covers the whole history.
	Meetings Meetings
	// Neutralize makes @channel-style mentions in posted text inert.
	Neutralize func(string) string
	// Notify wakes the delivery dispatcher after something was queued.
	Notify func()
}

// dateLayouts are the dates a user may type: ISO, and the day-first form
// the bot itself shows in chat.
var dateLayouts = []string{"2006-01-02", "02-01-2006"}

// Since turns the date a user typed into the start of a report's period:
// midnight of that day in the service's zone. An empty text means since
// the previous meeting (or since the beginning when there is none).
// Errors: EINVALID for a date that cannot be read or lies after now.
func (s *Service) Since(text string, now time.Time) (time.Time, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		if s.Meetings == nil {
			return time.Time{}, nil
		}
		return s.Meetings.PreviousMeeting(now), nil
	}
	for _, layout := range dateLayouts {
		if t, err := time.ParseInLocation(layout, text, s.Location); err == nil {
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
func (s *Service) Input(ctx context.Context, lang string, since time.Time, withChart bool) (report.Input, error) {
	now := s.Now().In(s.Location)
	rows, err := s.Progress.FindProgress(ctx, ambitiebot.ProgressFilter{})
	if err != nil {
		return report.Input{}, err
	}
	for i := range rows {
		rows[i].UpdatedAt = s.local(rows[i].UpdatedAt)
	}
	changes, err := s.Progress.FindChanges(ctx, ambitiebot.ChangeFilter{Since: since, Until: now})
	if err != nil {
		return report.Input{}, err
	}
	for i := range changes {
		changes[i].At = s.local(changes[i].At)
	}
	in := report.Input{
		Matrix:  ambitiebot.NewMatrix(s.Catalogue, s.Organisations, rows),
		Changes: changes, Since: s.local(since), Until: now, GeneratedAt: now,
		Lang: lang, Tr: s.Tr,
	}
	if withChart {
		if in.Chart, err = s.chart(in.Matrix, lang, now); err != nil {
			return report.Input{}, err
		}
	}
	return in, nil
}

func (s *Service) local(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(s.Location)
}

func (s *Service) chart(mx *ambitiebot.Matrix, lang string, asOf time.Time) ([]byte, error) {
	return chart.Render(mx, s.Tr, lang, chart.Options{AsOf: asOf.In(s.Location)})
}

// files are what a report in chat carries: the chart, for a glance in
// the chat window, and the workbook with the chart on its summary sheet.
func (s *Service) files(in report.Input) ([]ambitiebot.File, error) {
	var book bytes.Buffer
	if err := report.XLSX(&book, in); err != nil {
		return nil, err
	}
	base := s.fileName(in.Lang, in.GeneratedAt)
	return []ambitiebot.File{
		{Name: base + ".png", Data: in.Chart},
		{Name: base + ".xlsx", Data: book.Bytes()},
	}, nil
}

// fileName is the base name of a report's files: "voortgang-2025-06-17".
func (s *Service) fileName(lang string, at time.Time) string {
	return s.Tr.T(lang, "InsightFileName", map[string]any{"Date": at.In(s.Location).Format("2006-01-02")})
}

func (s *Service) neutralize(text string) string {
	if s.Neutralize == nil {
		return text
	}
	return s.Neutralize(text)
}

// enqueue queues d and wakes the dispatcher.
func (s *Service) enqueue(ctx context.Context, d ambitiebot.Delivery) error {
	n, err := s.Deliveries.EnqueueDeliveries(ctx, []ambitiebot.Delivery{d})
	if err == nil && n > 0 && s.Notify != nil {
		s.Notify()
	}
	return err
}
