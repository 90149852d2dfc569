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
