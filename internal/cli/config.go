package cli

import (
	"context"
	"fmt"

	"github.com/drentse-aanpak/ambitiebot/internal/config"
)

// runConfig prints the effective configuration: every setting and every
// organisation's target with where its value came from (built in, the
// file or the environment), secrets redacted. It reads no database and
// needs no server, so an operator can see what serve would do first.
func runConfig(_ context.Context, con *console, args []string, std stdio, getenv env) error {
	fs := newFlagSet(con, "config", "", std)
	cfgFile := fs.String("config", "", con.t("CLIFlagConfig", nil))
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgFile, getenv, false)
	if err != nil {
		return err
	}
	if cfg.File == "" {
		fmt.Fprintln(std.out, con.t("CLIConfigNoFile", nil))
	} else {
		fmt.Fprintln(std.out, con.t("CLIConfigFile", map[string]any{"Path": cfg.File}))
	}
	fmt.Fprintln(std.out)
	fmt.Fprint(std.out, config.RenderSettings(cfg.Settings(), con.t))
	return nil
}
