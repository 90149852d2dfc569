package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/awareness"
	"github.com/drentse-aanpak/ambitiebot/internal/fsutil"
)

// runAwarenessExport writes an awareness message ready to paste into an
// intranet or a newsletter: the generic version (or one organisation's)
// to standard output, or with --out one file per organisation, its name
// in the footer, in a folder. It reads the database for the message of
// the current period and talks to no Mattermost.
func runAwarenessExport(ctx context.Context, con *console, args []string, std stdio, getenv env) error {
	fs := newFlagSet(con, "awareness export", "", std)
	cfgFile := fs.String("config", "", con.t("CLIFlagConfig", nil))
	id := fs.String("id", "", con.t("CLIFlagExportID", nil))
	formatName := fs.String("format", "md", con.t("CLIFlagExportFormat", nil))
	orgKey := fs.String("org", "", con.t("CLIFlagExportOrg", nil))
	out := fs.String("out", "", con.t("CLIFlagExportOut", nil))
	force := fs.Bool("force", false, con.t("CLIFlagExportForce", nil))
	lang := fs.String("lang", "nl", con.t("CLIFlagExportLang", nil))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := con.noArguments("awareness export", fs.Args()); err != nil {
		return err
	}
	format, ok := awareness.ParseFormat(*formatName)
	if !ok {
		return usageError{con.t("CLIUsageExportFormat", map[string]any{"Value": *formatName})}
	}
	if *lang != "nl" && *lang != "en" {
		return usageError{con.t("CLIUsageReportLang", map[string]any{"Value": *lang})}
	}
	if *out != "" {
		if err := exportDir(*out); err != nil {
			return err
		}
	}
	c, err := newCLI(con, *cfgFile, getenv)
	if err != nil {
		return err
	}
	m, err := c.wire(false, std)
	if err != nil {
		return err
	}
	defer m.Close()
	msgID, files, err := m.App.ExportAwareness(ctx, *id, *orgKey, *lang, format, *out != "")
	if err != nil {
		return err
	}
	if *out == "" {
		_, err := std.out.Write(files[0].Data)
		return err
	}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = filepath.Join(*out, msgID+"-"+f.Org.Key+"."+string(format))
		// Refuse before writing anything, so that a refused run leaves
		// no mix of old and new files.
		fi, err := os.Lstat(paths[i])
		switch {
		case err != nil:
		case fi.Mode()&os.ModeSymlink != 0:
			return &ambitiebot.Error{Code: ambitiebot.EINVALID, MessageID: "FileErrSymlink", Data: map[string]any{"Path": paths[i]}}
		case !*force:
			return &ambitiebot.Error{Code: ambitiebot.ECONFLICT, MessageID: "FileErrExists", Data: map[string]any{"Path": paths[i]}}
		}
	}
	for i, f := range files {
		if err := fsutil.WriteFile(paths[i], f.Data, *force); err != nil {
			return err
		}
		c.say("CLIExportWritten", map[string]any{"Path": paths[i], "Org": c.orgName(f.Org)})
	}
	c.sayN("CLIExportDone", len(files), map[string]any{"ID": msgID})
	return nil
}

// exportDir checks that dir is an existing folder and not a symbolic
// link, which could send the files somewhere else.
func exportDir(dir string) error {
	fi, err := os.Lstat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return &ambitiebot.Error{Code: ambitiebot.EINVALID, MessageID: "CLIExportNoDirectory", Data: map[string]any{"Path": dir}, Err: err}
	case err != nil:
		return &ambitiebot.Error{Code: ambitiebot.EINVALID, MessageID: "FileErrCannotCreate", Data: map[string]any{"Path": dir, "Cause": fsutil.Cause(err).Error()}, Err: err}
	case fi.Mode()&os.ModeSymlink != 0:
		return &ambitiebot.Error{Code: ambitiebot.EINVALID, MessageID: "FileErrSymlink", Data: map[string]any{"Path": dir}}
	case !fi.IsDir():
		return &ambitiebot.Error{Code: ambitiebot.EINVALID, MessageID: "CLIExportNotDirectory", Data: map[string]any{"Path": dir}}
	}
	return nil
}
