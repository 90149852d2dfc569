package main

import (
	"context"
	"os"

	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
)

// runBackup writes a consistent copy of the bot's database to FILE while
// the bot may go on serving: SQLite's VACUUM INTO reads one snapshot in WAL
// mode, so writers are not held up.
func runBackup(ctx context.Context, con *console, args []string, std stdio, getenv env) error {
	fs := newFlagSet(con, "backup", con.t("CLIUsageArgFile", nil), std)
	cfgFile := fs.String("config", "", con.t("CLIFlagConfig", nil))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{con.t("CLIUsageBackupNoFile", nil)}
	}
	// FILE may come before the flags: ambitiebot backup FILE --config X.
	dest := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{con.t("CLIUsageBackupOneFile", map[string]any{"Arg": fs.Arg(0)})}
	}
	cfg, err := loadConfig(*cfgFile, getenv, false)
	if err != nil {
		return err
	}
	// Opening would create an empty database, and back that up.
	if _, err := os.Stat(cfg.DBPath); err != nil {
		return con.fail("LimitsBackupNoDatabase", map[string]any{"Path": cfg.DBPath})
	}
	db, err := sqlite.Open(cfg.DBPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, dest); err != nil {
		return err
	}
	fi, err := os.Stat(dest)
	if err != nil {
		return err
	}
	con.say("LimitsBackupDone", map[string]any{"Path": dest, "Size": fi.Size(), "DB": cfg.DBPath})
	return nil
}
