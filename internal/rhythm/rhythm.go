// Package rhythm is the working group's monthly rhythm: the reminders
// before each meeting, the summary on the meeting morning, the half-yearly
// board report and the awareness broadcasts. Every job only queues
// deliveries in the outbox, keyed by its run key, so that a rerun or a
// restart adds nothing that is already there; the delivery dispatcher does
// the sending.
package rhythm

import (
	"context"
	"log/slog"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/internal/members"
)

// Calendar is what the jobs need to know about meetings.
type Calendar interface {
	NextMeeting(after time.Time) time.Time
	PreviousMeeting(before time.Time) time.Time
}

// Service holds the jobs' dependencies. All fields are required unless
// said otherwise.
type Service struct {
	Catalogue     *ambitiebot.Catalogue
	Organisations *ambitiebot.Organisations
	Progress      ambitiebot.ProgressService
	Deliveries    ambitiebot.DeliveryService
	Chat          ambitiebot.Chat
	Members       *members.Resolver
	Calendar      Calendar
	Tr            *i18n.Translator
	Location      *time.Location
	Now           ambitiebot.Clock
	Logger        *slog.Logger

	WorkingGroupChannel string   // "team/channel"
	ProjectLeaders      []string // usernames
	ThankYou            bool     // thank members whose organisation is up to date
	Deadline            time.Time

	// OneClick gives each open ambition in a reminder a status menu; it
	// needs the bot's public URL, where Mattermost sends the choices.
	OneClick bool

	// Overview renders everyone's progress as chat tables; the command
	// handler's OverviewTables.
	Overview func(lang string, mx *ambitiebot.Matrix, theme int) []string
	// Neutralize makes @channel-style mentions in echoed user text inert.
	Neutralize func(string) string
	// Notify wakes the dispatcher; optional.
	Notify func()
	// Awareness broadcasts; optional (nil: no awareness job).
	Awareness *Awareness
	// ReportFiles are the files of the board report in lang (the chart
	// and the workbook), attached to its first part; optional.
	ReportFiles func(ctx context.Context, lang string, at time.Time) ([]ambitiebot.File, error)
}

func (s *Service) matrix(ctx context.Context) (*ambitiebot.Matrix, error) {
	rows, err := s.Progress.FindProgress(ctx, ambitiebot.ProgressFilter{})
	if err != nil {
		return nil, err
	}
	return ambitiebot.NewMatrix(s.Catalogue, s.Organisations, rows), nil
}

// enqueue queues ds and wakes the dispatcher when anything was new.
func (s *Service) enqueue(ctx context.Context, ds []ambitiebot.Delivery) (int, error) {
	n, err := s.Deliveries.EnqueueDeliveries(ctx, ds)
	if err == nil && n > 0 && s.Notify != nil {
		s.Notify()
	}
	return n, err
}

func (s *Service) orgName(key string) string {
	if o, ok := s.Organisations.ByKey(key); ok {
		return o.Name
	}
	return key
}

func (s *Service) longDate(lang string, t time.Time) string {
	return s.Tr.LongDate(lang, t.In(s.Location))
}

// daysBetween counts calendar days from a to b in the service's zone.
func (s *Service) daysBetween(a, b time.Time) int {
	a, b = a.In(s.Location), b.In(s.Location)
	da := time.Date(a.Year(), a.Month(), a.Day(), 12, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 12, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

// runKey names a job occurrence, as ambitiebot.JobRun does.
func runKey(job string, at time.Time) string {
	return ambitiebot.JobRun{Job: job, ScheduledAt: at}.RunKey()
}
