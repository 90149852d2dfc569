package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/awareness"
	"github.com/drentse-aanpak/ambitiebot/internal/calendar"
	"github.com/drentse-aanpak/ambitiebot/internal/config"
	"github.com/drentse-aanpak/ambitiebot/internal/delivery"
	"github.com/drentse-aanpak/ambitiebot/internal/httpserver"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost/mmhttp"
	"github.com/drentse-aanpak/ambitiebot/internal/metrics"
	"github.com/drentse-aanpak/ambitiebot/internal/scheduler"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
	"github.com/drentse-aanpak/ambitiebot/internal/workgroup"
	"github.com/drentse-aanpak/ambitiebot/locales"
	"github.com/drentse-aanpak/ambitiebot/messages"
)

// shutdownTimeout bounds a graceful stop; SIGTERM must end the process
// well within ten seconds.
const shutdownTimeout = 8 * time.Second

// Main is the running bot: `ambitiebot serve` starts it, and so do the
// end-to-end tests, on ":0". It is the composition root, the one place
// where the pieces are built and connected; each is built complete, so
// nothing is assigned to a piece after it was built.
type Main struct {
	Config *config.Config
	Logger *slog.Logger
	Now    ambitiebot.Clock

	DB         *sqlite.DB
	Chat       *mattermost.Client
	Tr         *i18n.Translator
	Dispatcher *delivery.Dispatcher
	Calendar   *calendar.Calendar
	App        *workgroup.App // every use case of the working group
	Scheduler  *scheduler.Scheduler
	HTTP       *httpserver.Server
	Metrics    *metrics.Metrics
	Signer     *mattermost.Signer // signs and checks menu contexts and dialog states

	serving   bool // Open: the database is created if missing and locked
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// NewMain returns a Main for cfg that logs to logger and reads the clock
// from now.
func NewMain(cfg *config.Config, logger *slog.Logger, now ambitiebot.Clock) *Main {
	return &Main{Config: cfg, Logger: logger, Now: now}
}

// Wire opens the database and builds every component without starting
// anything; the CLI commands that share the bot's database use it.
func (m *Main) Wire() error {
	cfg := m.Config
	tr, err := i18n.New(locales.FS)
	if err != nil {
		return err
	}
	m.Tr = tr
	// Only a serving bot creates its database and holds it locked; the
	// other commands use the one it made, and create nothing.
	open := sqlite.OpenExisting
	if m.serving {
		open = sqlite.OpenServing
	}
	if m.DB, err = open(cfg.DBPath); err != nil {
		return err
	}
	m.DB.Now = m.Now
	chatOpts, err := m.chatOptions()
	if err != nil {
		return err
	}
	m.Chat = mattermost.New(cfg.MattermostURL, cfg.BotToken, chatOpts)
	m.Metrics = metrics.New()
	m.Dispatcher = &delivery.Dispatcher{
		Store: m.DB, Chat: m.Chat, Organisations: cfg.Organisations, Tr: tr,
		Logger: m.Logger.With(slog.String("component", "delivery")), Now: m.Now, Busy: m.DB.Busy,
		WorkingGroupChannel: cfg.WorkingGroup.Channel, ProjectLeaders: cfg.WorkingGroup.ProjectLeaders,
		Observe: m.Metrics.Delivery,
	}
	if m.Calendar, err = newCalendar(cfg); err != nil {
		return err
	}
	library, err := awareness.Load(messages.FS, cfg.Awareness.Dir)
	if err != nil {
		return err
	}
	agendaURL := ""
	if cfg.PublicURL != "" {
		agendaURL = cfg.PublicURL + "/agenda.ics"
	}
	m.App = workgroup.New(workgroup.Config{
		Catalogue: cfg.Catalogue, Organisations: cfg.Organisations, Store: m.DB, Chat: m.Chat,
		Tr: tr, Now: m.Now, Location: cfg.Location, Calendar: m.Calendar, Dispatcher: m.Dispatcher,
		Awareness: library, AwarenessSchedule: m.Calendar.Schedule(calendar.KindAwareness), Neutralize: mattermost.Neutralize,
		Logger:  m.Logger.With(slog.String("component", "workgroup")),
		Observe: m.Metrics.Command,

		WorkingGroupChannel: cfg.WorkingGroup.Channel, ProjectLeaders: cfg.WorkingGroup.ProjectLeaders,
		ReportRecipients: cfg.Report.Recipients, ProjectLeadersDomains: cfg.WorkingGroup.ProjectLeadersDomains, TrustUnverifiedEmail: cfg.WorkingGroup.TrustUnverifiedEmail,
		ActivityFeed: cfg.WorkingGroup.ActivityFeed, ThankYou: cfg.Meeting.ThankYou, Deadline: cfg.Agreement.Deadline, SignedOn: cfg.Agreement.SignedOn,
		MaxNote: cfg.Limits.MaxNote, CommandsPerMinute: cfg.Limits.CommandsPerMinute, AgendaURL: agendaURL,
		// Without a public URL Mattermost cannot call back: reminders
		// stay plain text and /ambitie bijwerken is not available.
		OneClick: cfg.PublicURL != "",
	})
	m.Scheduler = &scheduler.Scheduler{
		Now: m.Now, Jobs: m.DB, Grace: cfg.Meeting.Grace,
		Logger:     m.Logger.With(slog.String("component", "scheduler")),
		ObserveRun: m.Metrics.JobRun, ObserveMissed: m.Metrics.JobMissed,
	}
	for _, j := range []struct {
		kind calendar.Kind
		run  func(context.Context, time.Time) error
	}{
		{calendar.KindReminder, m.App.Reminder},
		{calendar.KindSummary, m.App.Summary},
		{calendar.KindReport, m.App.Report},
		{calendar.KindAwareness, m.App.AwarenessJob},
	} {
		if sched := m.Calendar.Schedule(j.kind); sched != nil {
			m.Scheduler.Add(string(j.kind), sched, j.run)
		}
	}
	return nil
}

// newCalendar builds the meeting calendar from the configuration.
func newCalendar(cfg *config.Config) (*calendar.Calendar, error) {
	// Configuration checked the schedule and the meeting settings, so
	// these fail only on a rule the calendar adds; its errors are
	// sentences in locales/ like the configuration's.
	aw, err := calendar.ParseSchedule(cfg.Awareness.Schedule, cfg.Location)
	if err != nil {
		return nil, err
	}
	cal, err := calendar.New(cfg.Meeting.MeetingConfig, aw)
	if err != nil {
		return nil, err
	}
	return cal, nil
}

// readRateLimitRetries is how often the serving bot waits out a 429 on a
// call that changes nothing before it gives up.
const readRateLimitRetries = 3

// leaderRefresh is how often the project leaders' accounts are looked up
// again, so that a leader whose account appears later is accepted and one
// that became a guest or moved domain is not.
const leaderRefresh = 5 * time.Minute

// refreshLeaders resolves the configured project leaders and report
// recipients to user ids at start and then every leaderRefresh, until ctx
// ends. At start it warns, as the start-up check does, when the board
// report would go to nobody because none of them was found.
func (m *Main) refreshLeaders(ctx context.Context) {
	t := time.NewTicker(leaderRefresh)
	defer t.Stop()
	for first := true; ; first = false {
		err := m.App.RefreshLeaders(ctx)
		if err != nil && ctx.Err() == nil {
			m.Logger.Warn("project leaders could not be looked up; the last known ones stay", slog.Any("error", err))
		}
		wg := m.Config.WorkingGroup
		if first && err == nil && len(wg.ProjectLeaders)+len(m.Config.Report.Recipients) > 0 && m.App.BoardReaders(ctx) == 0 {
			m.Logger.Warn("start-up check: "+m.Tr.T("en", "SetupDoctorReportNobodyFound", nil),
				slog.String("check", "SetupDoctorReportNobodyFound"))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Open wires the bot and starts serving: HTTP, then the dispatcher.
func (m *Main) Open() error {
	m.serving = true
	if err := m.Wire(); err != nil {
		return err
	}
	// A bot that was killed left its deliveries leased; with no other
	// process delivering, they are sent now rather than when the lease
	// runs out (the post a killed attempt may have made is looked for
	// first).
	if n, err := m.DB.EndStaleLeases(context.Background(), m.Now(), m.Dispatcher.Lease()); err != nil {
		return err
	} else if n > 0 {
		m.Logger.Info("deliveries left leased by a process that ended are due again", slog.Int("deliveries", n))
	}
	// Before any command is answered, so that a status on a changed
	// ambition is shown as te herbevestigen from the first one.
	if err := m.App.SyncCatalogue(context.Background()); err != nil {
		return err
	}
	m.HTTP = httpserver.New(m.Config.Listen, m.DB, m.Logger.With(slog.String("component", "http")))
	m.HTTP.Mux.Handle("POST /command", &mmhttp.CommandHandler{
		Tokens: m.Config.CommandTokens, Commands: m.App, Render: m.Chat.ModelPost,
		Logger: m.Logger.With(slog.String("component", "command")),
	})
	m.HTTP.Mux.HandleFunc("GET /agenda.ics", m.serveAgenda)
	m.HTTP.Mux.Handle("GET /metrics", httpserver.RequireBearer(m.Config.MetricsToken, m.Metrics.Handler()))
	m.routeActions()
	if err := m.HTTP.Open(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.wg.Add(2)
	go func() { defer m.wg.Done(); m.Dispatcher.Run(ctx) }()
	go func() { defer m.wg.Done(); m.refreshLeaders(ctx) }()
	if err := m.Scheduler.Start(ctx); err != nil {
		return err
	}
	m.Logger.Info("ambitiebot is serving", slog.String("addr", m.HTTP.URL()), slog.String("version", version))
	return nil
}

// Close stops HTTP first (no new work), then the background loops, then
// the database, which commits what is queued.
// Calling it again does nothing.
func (m *Main) Close() error {
	var err error
	m.closeOnce.Do(func() { err = m.close() })
	return err
}

func (m *Main) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	var firstErr error
	keep := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if m.HTTP != nil {
		keep(m.HTTP.Close(ctx))
	}
	if m.Scheduler != nil {
		m.Scheduler.Close()
	}
	if m.cancel != nil {
		m.cancel()
	}
	m.wg.Wait()
	if m.DB != nil {
		keep(m.DB.Close())
	}
	return firstErr
}

// serveAgenda serves the meeting calendar for calendar apps: a year back
// (so that recent meetings stay visible) and two years ahead.
func (m *Main) serveAgenda(w http.ResponseWriter, r *http.Request) {
	from := m.Now().AddDate(-1, 0, 0)
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="werkgroep-ondermijning.ics"`)
	summary := m.Tr.T("nl", "CalendarICSSummary", nil)
	description := m.Tr.T("nl", "CalendarICSDescription", nil)
	if err := calendar.WriteICS(w, m.Calendar, from, 36, summary, description); err != nil {
		m.Logger.Error("agenda", slog.Any("error", err))
	}
}

// actionSecretSetting is where a generated action secret is kept, so that
// the signatures of reminders already sent stay valid across restarts.
const actionSecretSetting = "action_secret"

// chatOptions configures the Mattermost client, with the signer and URLs
// for menus and dialogs when the bot has a public URL for Mattermost to
// call back.
func (m *Main) chatOptions() (mattermost.Options, error) {
	// A lookup that the server's rate limiter refuses is waited out (a
	// second or so) rather than answered with an internal error; posts
	// are the dispatcher's, which pauses all sending on a 429 itself.
	opts := mattermost.Options{Now: m.Now, Logger: m.Logger, ReadRateLimitRetries: readRateLimitRetries}
	secret := m.Config.ActionSecret
	if secret == "" {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return opts, err
		}
		// The first process to store a secret wins; every later start
		// reads it back.
		stored, err := m.DB.SetSettingIfAbsent(context.Background(), actionSecretSetting, hex.EncodeToString(key))
		if err != nil {
			return opts, err
		}
		secret = stored
	}
	m.Signer = mattermost.NewSigner([]byte(secret), m.Now)
	if url := m.Config.PublicURL; url != "" {
		opts.ActionURL, opts.DialogURL, opts.Signer = url+"/action", url+"/dialog", m.Signer
	}
	return opts, nil
}

// routeActions serves the endpoints Mattermost calls for menus and dialogs.
func (m *Main) routeActions() {
	h := &mmhttp.ActionHandler{
		Signer: m.Signer, Actions: m.App, Render: m.Chat.ModelPost,
		Logger: m.Logger.With(slog.String("component", "actions")),
	}
	m.HTTP.Mux.HandleFunc("POST /action", h.ServeAction)
	m.HTTP.Mux.HandleFunc("POST /dialog", h.ServeDialog)
}
