package cli

import (
	"context"
	"log/slog"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/config"
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
