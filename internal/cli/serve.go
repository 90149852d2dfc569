package cli

import (
	"context"
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
// end-to-end tests, on ":0".
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
	if m.DB, err = sqlite.Open(cfg.DBPath); err != nil {
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
		Awareness: library, Neutralize: mattermost.Neutralize,
		Logger:  m.Logger.With(slog.String("component", "workgroup")),
		Observe: m.Metrics.Command,

		WorkingGroupChannel: cfg.WorkingGroup.Channel, ProjectLeaders: cfg.WorkingGroup.ProjectLeaders,
		ActivityFeed: cfg.WorkingGroup.ActivityFeed, ThankYou: cfg.Meeting.ThankYou, Deadline: cfg.Agreement.Deadline,
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
	mc := calendar.MeetingConfig{
		Week: cfg.Meeting.Week, Weekday: cfg.Meeting.Weekday, Hour: cfg.Meeting.Hour, Minute: cfg.Meeting.Minute,
		SkipMonths: cfg.Meeting.SkipMonths, SummaryHour: cfg.Meeting.SummaryHour,
		SummaryMinute: cfg.Meeting.SummaryMinute, ReportMonths: cfg.Meeting.ReportMonths, Location: cfg.Location,
	}
	for _, d := range cfg.Meeting.Cancelled {
		mc.Cancelled = append(mc.Cancelled, calendar.DateOf(d))
	}
	for _, r := range cfg.Meeting.Reminders {
		mc.Reminders = append(mc.Reminders, calendar.Reminder{DaysBefore: r.DaysBefore, Hour: r.Hour, Minute: r.Minute})
	}
	// Configuration checked the schedule and the meeting settings, so
	// these fail only on a rule the calendar adds; its errors are
	// sentences in locales/ like the configuration's.
	aw, err := calendar.ParseSchedule(cfg.Awareness.Schedule, cfg.Location)
	if err != nil {
		return nil, err
	}
	cal, err := calendar.New(mc, aw)
	if err != nil {
		return nil, err
	}
	return cal, nil
}

// Open wires the bot and starts serving: HTTP, then the dispatcher.
func (m *Main) Open() error {
	if err := m.Wire(); err != nil {
		return err
	}
	m.HTTP = httpserver.New(m.Config.Listen, m.DB, m.Logger.With(slog.String("component", "http")))
	m.HTTP.Mux.Handle("POST /command", &mmhttp.CommandHandler{
		Tokens: m.Config.CommandTokens, Commands: m.App,
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
	m.wg.Add(1)
	go func() { defer m.wg.Done(); m.Dispatcher.Run(ctx) }()
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

// loadConfig reads the configuration the way every subcommand does.
func loadConfig(file string, getenv env, forServe bool) (*config.Config, error) {
	if file == "" {
		file, _ = getenv(config.EnvConfig)
	}
	cfg, err := config.Load(getenv, file)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(forServe); err != nil {
		return nil, err
	}
	return cfg, nil
}

func newLogger(std stdio) *slog.Logger {
	return slog.New(slog.NewJSONHandler(std.err, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func runServe(ctx context.Context, con *console, args []string, std stdio, getenv env) error {
	fs := newFlagSet(con, "serve", "", std)
	cfgFile := fs.String("config", "", con.t("CLIFlagConfig", nil))
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgFile, getenv, true)
	if err != nil {
		return err
	}
	logger := newLogger(std)
	if startupCheck(ctx, cfg, con.tr, logger) {
		return con.fail("CLIServeCannotStart", map[string]any{"Reason": con.t("SetupBotTokenInvalid", nil)})
	}
	m := NewMain(cfg, logger, time.Now)
	if err := m.Open(); err != nil {
		_ = m.Close()
		return con.fail("CLIServeCannotStart", map[string]any{"Reason": con.sentence(err)})
	}
	<-ctx.Done()
	logger.Info("shutting down")
	if err := m.Close(); err != nil {
		return con.fail("CLIServeShutdown", map[string]any{"Reason": con.sentence(err)})
	}
	return nil
}

// startupCheckTimeout bounds serve's start-up check: a Mattermost that
// does not answer must not hold the bot up.
const startupCheckTimeout = 15 * time.Second

// startupCheck checks what doctor checks, but the database, and logs one
// line per problem, in English as the rest of the log. It returns whether
// Mattermost refused the bot token, the one problem serve does not start
// with; an unreachable Mattermost is only logged, deliveries retry later.
func startupCheck(ctx context.Context, cfg *config.Config, tr *i18n.Translator, logger *slog.Logger) (tokenRefused bool) {
	ctx, cancel := context.WithTimeout(ctx, startupCheckTimeout)
	defer cancel()
	r := &logReporter{tr: tr, logger: logger, mattermostURL: cfg.MattermostURL}
	checkSettings(cfg, r)
	checkMattermost(ctx, cfg, r)
	if r.problems == 0 {
		logger.Info("start-up check found no problems")
	}
	return r.tokenRefused
}

// logReporter logs the problems the start-up check finds.
type logReporter struct {
	tr            *i18n.Translator
	logger        *slog.Logger
	mattermostURL string
	problems      int
	tokenRefused  bool
}

func (r *logReporter) OK(mattermost.Finding)         {}
func (r *logReporter) NotChecked(mattermost.Finding) {}

func (r *logReporter) Problem(f mattermost.Finding) {
	r.problems++
	if f.ID == "SetupBotTokenInvalid" {
		r.tokenRefused = true
	}
	attrs := []any{slog.String("check", f.ID)}
	if f.ID == "SetupUnreachable" {
		attrs = append(attrs, slog.String("then", "serving anyway; deliveries wait and are retried"))
	}
	r.logger.Warn("start-up check: "+findingText(r.tr, "en", f), attrs...)
}

func (r *logReporter) Failed(action mattermost.Finding, status int) {
	r.Problem(failedFinding(r.tr, "en", r.mattermostURL, action, status))
}
