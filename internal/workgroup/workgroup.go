// Package workgroup is the application layer: every use case of the
// provincial working group, built once by New from its ports. It parses
// and answers /ambitie (update a status, the views and the overview,
// links, the meeting date), serves the one-click status menus and dialog,
// runs the monthly rhythm (the reminders before each meeting, the summary
// on the meeting morning, the half-yearly board report, the awareness
// broadcasts) and brings the chart and the board report to people.
//
// It knows nothing of HTTP, SQLite or Mattermost's wire format: the store,
// the chat server, the clock, the translator, the calendar and the
// delivery dispatcher come in as ports, and the renderers (chart, report)
// are called as libraries. Everything it posts goes through the outbox
// (see enqueue), keyed by a run key, so that a rerun or a restart adds
// nothing that is already there; the dispatcher does the sending.
package workgroup

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/awareness"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
)

// Store is what the working group keeps: progress and its history, the
// links of users to organisations, the outbox and the job runs.
type Store interface {
	ambitiebot.ProgressService
	ambitiebot.CatalogueService
	ambitiebot.LinkService
	ambitiebot.DeliveryService
	ambitiebot.BroadcastService
	ambitiebot.JobService
	Settings
}

// Settings keeps small values and single-use tokens.
type Settings interface {
	// Setting returns the stored value of key and whether there is one.
	Setting(ctx context.Context, key string) (string, bool, error)
	// SetSettingIfAbsent stores value under key unless key has a value,
	// and returns the value stored now.
	SetSettingIfAbsent(ctx context.Context, key, value string) (string, error)
	// UseOnce records token as used until expires and reports whether
	// this was its first use.
	UseOnce(ctx context.Context, token string, expires time.Time) (bool, error)
}

// Calendar is what the use cases need to know about meetings.
type Calendar interface {
	NextMeeting(after time.Time) time.Time
	// PreviousMeeting returns the last meeting strictly before before,
	// zero when there was none.
	PreviousMeeting(before time.Time) time.Time
	// PreviousReport returns the last board report date strictly before
	// before, zero when there was none: where a report's period starts.
	PreviousReport(before time.Time) time.Time
}

// Schedule gives the times of a recurring job, such as the awareness
// broadcast (robfig/cron's Schedule has this shape).
type Schedule interface {
	// Next returns the first time after t.
	Next(t time.Time) time.Time
}

// Dispatcher is the delivery dispatcher running in this process.
type Dispatcher interface {
	// Notify wakes it after deliveries were queued.
	Notify()
	// Lease is how long a post handed off is stored leased to it.
	Lease() time.Duration
	// Handoff gives it posts queued leased and committed, which saves it
	// a transaction to claim them.
	Handoff(ds []ambitiebot.Delivery)
}

// Config is what an App is built from: its ports and its settings.
// Catalogue, Organisations, Store, Tr, Now and Location are required;
// the rest is optional, as said per field.
type Config struct {
	Catalogue     *ambitiebot.Catalogue
	Organisations *ambitiebot.Organisations
	Store         Store
	// Chat is the chat server; without it only what reads the store
	// works (the exports of `ambitiebot report`).
	Chat     ambitiebot.Chat
	Tr       *i18n.Translator
	Now      ambitiebot.Clock
	Location *time.Location
	// Calendar gives the meetings; without it /ambitie vergadering is not
	// available and a report covers the whole history.
	Calendar Calendar
	// Dispatcher is woken after posts were queued; without it they wait
	// for the next poll.
	Dispatcher Dispatcher
	// Awareness is the library of awareness messages; without it the
	// awareness commands and job are not available.
	Awareness *awareness.Library
	// AwarenessSchedule is when the awareness broadcast is due; a
	// broadcast's period lasts until the next one (without it, until the
	// next meeting), and within it /ambitie bericht verstuur says the
	// message was sent rather than sending another.
	AwarenessSchedule Schedule
	// Neutralize makes @channel-style mentions in echoed user text inert
	// (default: text as it is).
	Neutralize func(string) string
	Logger     *slog.Logger // default: discard
	// Observe is told every command's outcome and duration (for metrics).
	Observe func(outcome string, d time.Duration)

	WorkingGroupChannel string   // "team/channel"
	ProjectLeaders      []string // usernames, lower-case, without @
	// ReportRecipients get the half-yearly board report besides the
	// project leaders (usernames, lower-case, without @).
	ReportRecipients []string
	// ProjectLeadersDomains, when set, are the e-mail domains a project
	// leader's account must have (lower-case).
	ProjectLeadersDomains []string
	// TrustUnverifiedEmail lets an unverified address place a member in
	// an organisation (trust_unverified_email).
	TrustUnverifiedEmail bool
	ActivityFeed         bool // post every change in the working-group channel
	ThankYou             bool // thank members whose organisation is up to date
	Deadline             time.Time
	SignedOn             time.Time // the agreement's signing, stated with the deadline
	MaxNote              int       // limit on a toelichting in runes (0: DefaultMaxNote)
	CommandsPerMinute    int       // per user; below 1 means no limit
	AgendaURL            string
	// OneClick gives each open ambition in a reminder a status menu; it
	// needs the bot's public URL, where Mattermost sends the choices.
	OneClick bool
}

// App runs the working group's use cases. It is safe for concurrent use.
type App struct {
	catalogue         *ambitiebot.Catalogue
	organisations     *ambitiebot.Organisations
	store             Store
	chat              ambitiebot.Chat
	tr                *i18n.Translator
	now               ambitiebot.Clock
	location          *time.Location
	calendar          Calendar
	dispatcher        Dispatcher
	library           *awareness.Library
	awarenessSchedule Schedule
	neutralize        func(string) string
	logger            *slog.Logger
	observe           func(outcome string, d time.Duration)
	members           *resolver
	recipients        *leaders // of the board report, besides the project leaders
	limiter           *RateLimiter

	workingGroup string
	activityFeed bool
	thankYou     bool
	deadline     time.Time
	signedOn     time.Time
	maxNote      int
	agendaURL    string
	oneClick     bool
}

// New builds the App from c.
func New(c Config) *App {
	app := &App{
		catalogue: c.Catalogue, organisations: c.Organisations, store: c.Store, chat: c.Chat,
		tr: c.Tr, now: c.Now, location: c.Location, calendar: c.Calendar, dispatcher: c.Dispatcher,
		library: c.Awareness, awarenessSchedule: c.AwarenessSchedule, neutralize: c.Neutralize, logger: c.Logger, observe: c.Observe,
		workingGroup: c.WorkingGroupChannel,
		activityFeed: c.ActivityFeed, thankYou: c.ThankYou, deadline: c.Deadline, signedOn: c.SignedOn,
		maxNote: c.MaxNote, agendaURL: c.AgendaURL, oneClick: c.OneClick,
		limiter: NewRateLimiter(c.CommandsPerMinute, c.Now),
	}
	if app.neutralize == nil {
		app.neutralize = func(s string) string { return s }
	}
	if app.logger == nil {
		app.logger = slog.New(slog.DiscardHandler)
	}
	app.members = &resolver{chat: c.Chat, links: c.Store, organisations: c.Organisations, trustUnverified: c.TrustUnverifiedEmail}
	app.members.leaders = &leaders{
		names: c.ProjectLeaders, prefix: leaderPrefix, role: "project leader",
		domains: c.ProjectLeadersDomains, chat: c.Chat, settings: c.Store,
		trusts: app.members.trustsEmail, logger: app.logger,
	}
	app.recipients = &leaders{
		names: c.ReportRecipients, prefix: recipientPrefix, role: "report recipient",
		chat: c.Chat, settings: c.Store, trusts: app.members.trustsEmail, logger: app.logger,
	}
	var people []string
	for _, org := range c.Organisations.All() {
		for _, name := range slices.Concat(org.Representatives, org.Contacts) {
			if !slices.Contains(people, name) {
				people = append(people, name)
			}
		}
	}
	app.members.people = &leaders{
		names: people, prefix: personPrefix, role: "representative or contact",
		chat: c.Chat, settings: c.Store, trusts: app.members.trustsEmail, logger: app.logger,
	}
	return app
}

func (app *App) matrix(ctx context.Context) (*ambitiebot.Matrix, error) {
	rows, err := app.store.FindProgress(ctx, ambitiebot.ProgressFilter{})
	if err != nil {
		return nil, err
	}
	return ambitiebot.NewMatrix(app.catalogue, app.organisations, rows), nil
}

// enqueue is the one way into the outbox: it queues ds, wakes the
// dispatcher when anything was new and returns how many were.
func (app *App) enqueue(ctx context.Context, ds ...ambitiebot.Delivery) (int, error) {
	n, err := app.store.EnqueueDeliveries(ctx, ds)
	if err == nil && n > 0 && app.dispatcher != nil {
		app.dispatcher.Notify()
	}
	return n, err
}

// handoff gives the dispatcher posts that a transaction queued leased to
// it (see lease).
func (app *App) handoff(ds []ambitiebot.Delivery) {
	if len(ds) > 0 && app.dispatcher != nil {
		app.dispatcher.Handoff(ds)
	}
}

// lease is how long a post queued for handoff is leased to the
// dispatcher; 0 without one.
func (app *App) lease() time.Duration {
	if app.dispatcher == nil {
		return 0
	}
	return app.dispatcher.Lease()
}

func (app *App) orgName(key string) string {
	if o, ok := app.organisations.ByKey(key); ok {
		return o.Name
	}
	return key
}

func (app *App) longDate(lang string, t time.Time) string {
	return app.tr.LongDate(lang, t.In(app.location))
}

// daysBetween counts calendar days from a to b in the service's zone.
func (app *App) daysBetween(a, b time.Time) int {
	a, b = a.In(app.location), b.In(app.location)
	da := time.Date(a.Year(), a.Month(), a.Day(), 12, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 12, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

// runKey names a job occurrence, as ambitiebot.JobRun does.
func runKey(job string, at time.Time) string {
	return ambitiebot.JobRun{Job: job, ScheduledAt: at}.RunKey()
}
