package cli

import (
	"context"
	"os"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
)

// runBackup writes a consistent copy of the bot's database to FILE while
// the bot may go on serving: SQLite's VACUUM INTO reads one snapshot in WAL
// mode, so writers are not held up.
func runBackup(ctx context.Context, con *console, args []string, std stdio, getenv env) error {
	fs := newFlagSet(con, "backup", con.t("CLIUsageArgFile", nil), std)
	cfgFile := fs.String("config", "", con.t("CLIFlagConfig", nil))
	dest, err := con.fileArg(fs, args, "CLIUsageBackupNoFile", "CLIUsageBackupOneFile")
	if err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgFile, getenv, false)
	if err != nil {
		return err
	}
	// A mistyped path is said, not created and backed up empty.
	db, err := sqlite.OpenExisting(cfg.DBPath)
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

// runRestore puts a backup in the place of the bot's database, for a bot
// that is stopped. The restored outbox looks for every post before it
// makes it until the catch-up after the restart is over (grace plus an
// hour), so what went out after the backup is not posted twice.
func runRestore(ctx context.Context, con *console, args []string, std stdio, getenv env) error {
	fs := newFlagSet(con, "restore", con.t("CLIUsageArgFile", nil), std)
	cfgFile := fs.String("config", "", con.t("CLIFlagConfig", nil))
	backup, err := con.fileArg(fs, args, "CLIUsageRestoreNoFile", "CLIUsageRestoreOneFile")
	if err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgFile, getenv, false)
	if err != nil {
		return err
	}
	now := time.Now()
	until := now.Add(cfg.Meeting.Grace + time.Hour)
	aside, err := sqlite.Restore(ctx, cfg.DBPath, backup, now, until)
	if err != nil {
		return err
	}
	con.say("CLIRestoreDone", map[string]any{"Backup": backup, "DB": cfg.DBPath, "Aside": aside,
		"Until": until.In(cfg.Location).Format("2006-01-02 15:04")})
	return nil
}

// fileArg parses args for a command that takes exactly one FILE, before
// or after its flags (ambitiebot backup FILE --config X works too).
// noFile and tooMany name the sentences for a missing or extra argument.
func (c *console) fileArg(fs *flagSet, args []string, noFile, tooMany string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() == 0 {
		return "", usageError{c.t(noFile, nil)}
	}
	file := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", usageError{c.t(tooMany, map[string]any{"Arg": fs.Arg(0)})}
	}
	return file, nil
}
