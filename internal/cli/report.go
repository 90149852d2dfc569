package cli

import (
	"bytes"
	"context"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/fsutil"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
	"github.com/drentse-aanpak/ambitiebot/internal/workgroup"
)

// runReport writes the board report from the bot's database, without
// Mattermost. The workbook is binary: without --out it goes to standard
// output as is, for a redirect or a pipe.
func runReport(ctx context.Context, con *console, args []string, std stdio, getenv env) error {
	fs := newFlagSet(con, "report", "", std)
	cfgFile := fs.String("config", "", con.t("CLIFlagConfig", nil))
	formatName := fs.String("format", "xlsx", con.t("CLIFlagReportFormat", nil))
	sinceText := fs.String("since", "", con.t("CLIFlagReportSince", nil))
	out := fs.String("out", "", con.t("CLIFlagReportOut", nil))
	force := fs.Bool("force", false, con.t("CLIFlagReportForce", nil))
	lang := fs.String("lang", "nl", con.t("CLIFlagReportLang", nil))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := con.noArguments("report", fs.Args()); err != nil {
		return err
	}
	format, ok := workgroup.ParseFormat(*formatName)
	if !ok {
		return usageError{con.t("CLIUsageReportFormat", map[string]any{"Value": *formatName})}
	}
	if *lang != "nl" && *lang != "en" {
		return usageError{con.t("CLIUsageReportLang", map[string]any{"Value": *lang})}
	}
	cfg, err := loadConfig(*cfgFile, getenv, false)
	if err != nil {
		return err
	}
	cal, err := newCalendar(cfg)
	if err != nil {
		return err
	}
	// A mistyped path is said, not created and reported on empty.
	db, err := sqlite.OpenExisting(cfg.DBPath)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := workgroup.New(workgroup.Config{
		Catalogue: cfg.Catalogue, Organisations: cfg.Organisations, Store: db,
		Tr: con.tr, Now: time.Now, Location: cfg.Location, Calendar: cal,
		Deadline: cfg.Agreement.Deadline, SignedOn: cfg.Agreement.SignedOn,
	})
	since, err := svc.Since(*sinceText, time.Now())
	if err != nil {
		return usageError{con.t("CLIUsageReportSince", map[string]any{"Value": *sinceText})}
	}
	var buf bytes.Buffer
	if err := svc.Write(ctx, &buf, format, *lang, since); err != nil {
		return err
	}
	if *out == "" {
		_, err = std.out.Write(buf.Bytes())
		return err
	}
	// 0600, never through a symlink, and an existing file only with
	// --force: a report holds every organisation's toelichtingen.
	return fsutil.WriteFile(*out, buf.Bytes(), *force)
}
