package cli

import (
	"context"
	"log/slog"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/config"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost"
)

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
	check := newStartupCheck(ctx, cfg, con.tr, logger)
	if check.bot() {
		return con.fail("CLIServeCannotStart", map[string]any{"Reason": con.t("SetupBotTokenInvalid", nil)})
	}
	if ctx.Err() != nil { // stopped while checking
		return nil
	}
	m := NewMain(cfg, logger, time.Now)
	if err := m.Open(); err != nil {
		_ = m.Close()
		return con.fail("CLIServeCannotStart", map[string]any{"Reason": con.sentence(err)})
	}
	checked := make(chan struct{})
	go func() {
		defer close(checked)
		check.teams()
	}()
	<-ctx.Done()
	<-checked // ends with ctx
	logger.Info("shutting down")
	if err := m.Close(); err != nil {
		return con.fail("CLIServeShutdown", map[string]any{"Reason": con.sentence(err)})
	}
	return nil
}

// startupCheckTimeout bounds the part of serve's start-up check that the
// bot waits for: a Mattermost that does not answer must not hold it up.
// startupTeamsTimeout bounds the part that runs while it serves.
const (
	startupCheckTimeout = 15 * time.Second
	startupTeamsTimeout = 2 * time.Minute
)

// startupCheck is serve's start-up check: what doctor checks, but the
// database, logged one line per problem, in English as the rest of the
// log. Its first part (bot), which the bot waits for, reaches Mattermost
// and checks the bot token: a refused token is the one problem serve does
// not start with; an unreachable Mattermost is only logged, deliveries
// retry later. The teams, channels and commands (teams) are checked while
// the bot serves: some 90 calls for 17 organisations, in which a
// restarting bot would otherwise answer nobody. They are paced gently
// (teamsRate), so that they leave most of Mattermost's rate limit, which
// counts the bot's address, to the bot's own work.
type startupCheck struct {
	ctx      context.Context // serve's: when it ends, so does the check, silently
	cfg      *config.Config
	admin    *mattermost.Admin // for bot, paced as doctor's
	settings mattermost.CheckSettings
	r        *logReporter
	botID    string
	reached  bool // the token is a user's: the teams can be checked
}

// The pace of the part of the start-up check that runs while the bot
// serves: a burst, then a few calls a second (Mattermost's default limit
// is 10 a second, bursts of 100).
const (
	teamsRate  = 5
	teamsBurst = 30
)

func newStartupCheck(ctx context.Context, cfg *config.Config, tr *i18n.Translator, logger *slog.Logger) *startupCheck {
	return &startupCheck{
		ctx: ctx, cfg: cfg,
		admin:    mattermost.NewAdmin(cfg.MattermostURL, cfg.BotToken, mattermostOptions()),
		settings: checkSettingsOf(cfg),
		r:        &logReporter{tr: tr, logger: logger, mattermostURL: cfg.MattermostURL, stopping: ctx},
	}
}

// bot runs the first part of the check and reports whether Mattermost
// refused the bot token.
func (c *startupCheck) bot() (tokenRefused bool) {
	ctx, cancel := context.WithTimeout(c.ctx, startupCheckTimeout)
	defer cancel()
	checkSettings(c.cfg, c.r)
	if c.cfg.MattermostURL == "" {
		c.r.Problem(mattermost.Finding{ID: "SetupNeedMattermostURL"})
		return false
	}
	c.botID, c.reached = mattermost.CheckBot(ctx, c.admin, c.settings, c.r)
	return c.r.tokenRefused
}

// teams runs the rest of the check, after bot, and logs how the whole
// check ended, unless serve stopped first.
func (c *startupCheck) teams() {
	if c.reached {
		ctx, cancel := context.WithTimeout(c.ctx, startupTeamsTimeout)
		defer cancel()
		// What fails once the time is up is no problem of its own.
		c.r.stopping = ctx
		opts := mattermostOptions()
		opts.Rate, opts.Burst = teamsRate, teamsBurst
		paced := mattermost.NewAdmin(c.cfg.MattermostURL, c.cfg.BotToken, opts)
		mattermost.CheckTeams(ctx, paced, c.botID, c.settings, c.r)
		if c.ctx.Err() == nil && ctx.Err() != nil {
			c.r.logger.Warn("start-up check did not finish in time; ambitiebot doctor checks it all",
				slog.Duration("after", startupTeamsTimeout), slog.Int("problems", c.r.problems))
			return
		}
	}
	switch {
	case c.ctx.Err() != nil:
	case c.r.problems == 0:
		c.r.logger.Info("start-up check found no problems")
	default:
		c.r.logger.Info("start-up check finished", slog.Int("problems", c.r.problems))
	}
}

// logReporter logs the problems the start-up check finds.
type logReporter struct {
	tr            *i18n.Translator
	logger        *slog.Logger
	mattermostURL string
	// stopping ends when serve stops, or the check's time is up: a call
	// cut short then is no problem.
	stopping     context.Context
	problems     int
	tokenRefused bool
}

func (r *logReporter) OK(mattermost.Finding) {}

// NotChecked says nothing, but for the edit time limit: it decides
// whether reminders are updated, and doctor is not run at every start.
func (r *logReporter) NotChecked(f mattermost.Finding) {
	if f.ID == "SetupDoctorEditTimeLimitNotChecked" && r.stopping.Err() == nil {
		r.logger.Warn("start-up check: "+findingText(r.tr, "en", f), slog.String("check", f.ID))
	}
}

func (r *logReporter) Problem(f mattermost.Finding) {
	if r.stopping.Err() != nil {
		return
	}
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
