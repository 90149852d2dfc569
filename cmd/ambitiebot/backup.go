package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
	"github.com/drentse-aanpak/ambitiebot/locales"
)

// runBackup writes a consistent copy of the bot's database to FILE while
// the bot may go on serving: SQLite's VACUUM INTO reads one snapshot in WAL
// mode, so writers are not held up.
func runBackup(ctx context.Context, args []string, std stdio, getenv env) error {
	fs := newFlagSet("backup", "FILE", std)
	cfgFile := fs.String("config", "", "TOML configuration file (or AMBITIEBOT_CONFIG)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{"backup: name the file to write, e.g. ambitiebot backup /backup/ambitiebot-2027-01-11.db"}
	}
	// FILE may come before the flags: ambitiebot backup FILE --config X.
	dest := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{"backup: unexpected argument " + fs.Arg(0)}
	}
	cfg, err := loadConfig(*cfgFile, getenv, false)
	if err != nil {
		return err
	}
	tr, err := i18n.New(locales.FS)
	if err != nil {
		return err
	}
	lang := cliLang(getenv)
	// Opening would create an empty database, and back that up.
	if _, err := os.Stat(cfg.DBPath); err != nil {
		return errors.New(tr.T(lang, "LimitsBackupNoDatabase", map[string]any{"Path": cfg.DBPath}))
	}
	db, err := sqlite.Open(cfg.DBPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, dest); err != nil {
		if ambitiebot.ErrorCode(err) == ambitiebot.EINTERNAL {
			return err
		}
		return errors.New(tr.Error(lang, err))
	}
	fi, err := os.Stat(dest)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(std.out, tr.T(lang, "LimitsBackupDone", map[string]any{"Path": dest, "Size": fi.Size(), "DB": cfg.DBPath}))
	return err
}
