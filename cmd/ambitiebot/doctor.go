package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"

	_ "github.com/mattn/go-sqlite3" // the driver the bot's database is written with

	"github.com/drentse-aanpak/ambitiebot/internal/config"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost"
)

func runDoctor(ctx context.Context, con *console, args []string, std stdio, getenv env) error {
	fset := newFlagSet(con, "doctor", "", std)
	cfgFile := fset.String("config", "", con.t("CLIFlagConfig", nil))
	verbose := fset.Bool("v", false, con.t("SetupFlagVerbose", nil))
	if err := fset.Parse(args); err != nil {
		return err
	}
	if err := con.noArguments("doctor", fset.Args()); err != nil {
		return err
	}
	d := &doctor{con: con}
	cfg, err := loadConfig(*cfgFile, getenv, false)
	if err != nil {
		d.problem("CLIConfigInvalid", map[string]any{"Reason": con.sentence(err)})
		return d.finish()
	}
	d.cfg = cfg
	file := cfg.File
	if file == "" {
		file = con.t("SetupDoctorNoFile", nil)
	}
	d.ok("SetupDoctorConfigOK", map[string]any{"File": file})
	if *verbose {
		con.say("DoctorConfigListing", nil)
		fmt.Fprintln(con.out, cfg.Redacted())
	}
	d.checkSettings()
	d.checkDatabase(ctx)
	d.checkMattermost(ctx)
	return d.finish()
}

// doctor checks a configuration without changing anything, one line per
// finding.
type doctor struct {
	con      *console
	cfg      *config.Config
	problems int
}

func (d *doctor) line(label, id string, data map[string]any) {
	fmt.Fprintf(d.con.out, "%s: %s\n", d.con.t(label, nil), d.con.t(id, data))
}

func (d *doctor) ok(id string, data map[string]any) { d.line("SetupLabelOK", id, data) }

func (d *doctor) problem(id string, data map[string]any) {
	d.problems++
	d.line("SetupLabelProblem", id, data)
}

func (d *doctor) notChecked(id string, data map[string]any) {
	d.line("SetupLabelNotChecked", id, data)
}

// finish says all is well, or returns the number of problems as the
// error, so that the exit status is 1.
func (d *doctor) finish() error {
	if d.problems > 0 {
		return errors.New(d.con.tr.N(d.con.lang, "SetupDoctorProblems", d.problems, nil))
	}
	d.con.say("SetupDoctorAllOK", nil)
	return nil
}

// checkSettings checks the settings that need no server: the public URL,
// the command tokens and the organisations' webhooks, whose URLs are
// secrets and never shown.
func (d *doctor) checkSettings() {
	if d.cfg.PublicURL == "" {
		d.problem("SetupNeedPublicURL", nil)
	} else {
		d.ok("SetupDoctorPublicURLOK", map[string]any{"URL": d.cfg.PublicURL})
	}
	if n := len(d.cfg.CommandTokens); n == 0 {
		d.problem("SetupDoctorNoCommandTokens", nil)
	} else {
		d.okN("SetupDoctorCommandTokens", n)
	}
	valid := 0
	for _, o := range d.cfg.Organisations.All() {
		if o.Webhook == "" {
			continue
		}
		u, err := url.Parse(o.Webhook)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			d.problem("SetupDoctorWebhookInvalid", map[string]any{"Org": o.Name})
			continue
		}
		valid++
	}
	if valid > 0 {
		d.okN("SetupDoctorWebhooksOK", valid)
	}
}

func (d *doctor) okN(id string, n int) {
	fmt.Fprintf(d.con.out, "%s: %s\n", d.con.t("SetupLabelOK", nil), d.con.tr.N(d.con.lang, id, n, nil))
}

// checkDatabase opens the database read-only, so that the check neither
// creates nor migrates it, and runs SQLite's quick_check.
func (d *doctor) checkDatabase(ctx context.Context) {
	path := d.cfg.DBPath
	data := map[string]any{"Path": path}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		dir := filepath.Dir(path)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			d.problem("SetupDoctorDBDirMissing", map[string]any{"Dir": dir})
			return
		}
		d.ok("SetupDoctorDBAbsent", data)
		return
	}
	db, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		d.problem("SetupDoctorDBUnreadable", map[string]any{"Path": path, "Detail": err.Error()})
		return
	}
	defer db.Close()
	var result string
	if err := db.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&result); err != nil {
		d.problem("SetupDoctorDBUnreadable", map[string]any{"Path": path, "Detail": err.Error()})
		return
	}
	if result != "ok" {
		d.problem("SetupDoctorDBCorrupt", map[string]any{"Path": path, "Detail": result})
		return
	}
	var version int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		d.problem("SetupDoctorDBUnreadable", map[string]any{"Path": path, "Detail": err.Error()})
		return
	}
	d.ok("SetupDoctorDBOK", data)
}

// checkMattermost checks, with the bot's own token, that the server
// answers, that the token is a bot's, that the bot is in every channel it
// posts in and that /ambitie calls this bot in each of their teams.
func (d *doctor) checkMattermost(ctx context.Context) {
	cfg := d.cfg
	if cfg.MattermostURL == "" {
		d.problem("SetupNeedMattermostURL", nil)
		return
	}
	bot := mattermost.NewAdmin(cfg.MattermostURL, cfg.BotToken, mattermostOptions())
	if err := bot.Ping(ctx); err != nil {
		d.problem("SetupUnreachable", map[string]any{"URL": cfg.MattermostURL})
		return
	}
	d.ok("SetupDoctorReachable", map[string]any{"URL": cfg.MattermostURL})
	if cfg.BotToken == "" {
		d.problem("SetupNeedBotToken", nil)
		return
	}
	me, err := bot.Me(ctx)
	switch {
	case chatStatus(err) == http.StatusUnauthorized:
		d.problem("SetupBotTokenInvalid", nil)
		return
	case err != nil:
		d.serverError(err, "SetupActionBot", nil)
		return
	case !me.IsBot:
		d.problem("SetupNotABot", map[string]any{"User": me.Username})
	default:
		d.ok("SetupDoctorBotOK", map[string]any{"User": me.Username})
	}
	for _, g := range byTeam(botChannels(cfg)) {
		d.checkTeam(ctx, bot, me.ID, g)
	}
}

func (d *doctor) checkTeam(ctx context.Context, bot *mattermost.Admin, botID string, g teamChannels) {
	teamData := map[string]any{"Team": g.team}
	team, err := bot.Team(ctx, g.team)
	if !d.found(err, "SetupDoctorTeamMissing", "SetupActionTeam", teamData) {
		return
	}
	in, err := bot.IsTeamMember(ctx, team.ID, botID)
	d.member(in, err, "SetupDoctorNotInTeam", "SetupActionTeamMember", teamData)
	for _, name := range g.channels {
		d.checkChannel(ctx, bot, botID, g.team, name, g.ref(name))
	}
	cmds, err := bot.Commands(ctx, team.ID)
	switch {
	case chatStatus(err) == http.StatusForbidden:
		d.notChecked("SetupDoctorCommandsNotChecked", teamData)
		return
	case err != nil:
		d.serverError(err, "SetupActionCommands", teamData)
		return
	}
	cmd, found := findCommand(cmds)
	want := d.cfg.PublicURL + commandPath
	switch {
	case !found:
		d.problem("SetupDoctorCommandMissing", teamData)
	case d.cfg.PublicURL != "" && cmd.URL != want:
		d.problem("SetupDoctorCommandWrongURL", map[string]any{"Team": g.team, "Got": cmd.URL, "Want": want})
	case !slices.Contains(d.cfg.CommandTokens, cmd.Token):
		d.problem("SetupDoctorCommandTokenMissing", teamData)
	default:
		d.ok("SetupDoctorCommandOK", map[string]any{"Team": g.team, "URL": cmd.URL})
	}
}

func (d *doctor) checkChannel(ctx context.Context, bot *mattermost.Admin, botID, team, name, ref string) {
	data := map[string]any{"Channel": ref}
	ch, err := bot.Channel(ctx, team, name)
	if !d.found(err, "SetupDoctorChannelMissing", "SetupActionChannel", data) {
		return
	}
	in, err := bot.IsChannelMember(ctx, ch.ID, botID)
	if d.member(in, err, "SetupDoctorNotInChannel", "SetupActionChannelMember", data) {
		d.ok("SetupDoctorChannelOK", data)
	}
}

// found reports whether a lookup with the bot token succeeded. Not found
// and not allowed both mean the bot cannot see the thing: missing.
func (d *doctor) found(err error, missing, action string, data map[string]any) bool {
	switch status := chatStatus(err); {
	case err == nil:
		return true
	case status == http.StatusNotFound || status == http.StatusForbidden:
		d.problem(missing, data)
	default:
		d.serverError(err, action, data)
	}
	return false
}

// member reports whether a membership check found the bot a member; a
// 403 means it is not one.
func (d *doctor) member(in bool, err error, notIn, action string, data map[string]any) bool {
	switch {
	case err != nil && chatStatus(err) != http.StatusForbidden:
		d.serverError(err, action, data)
	case !in:
		d.problem(notIn, data)
	default:
		return true
	}
	return false
}

// serverError reports a call that failed for another reason than the
// ones each check expects.
func (d *doctor) serverError(err error, action string, data map[string]any) {
	if chatStatus(err) == 0 {
		d.problem("SetupUnreachable", map[string]any{"URL": d.cfg.MattermostURL})
		return
	}
	d.problem("SetupServerError", map[string]any{"Action": d.con.t(action, data), "Detail": fmt.Sprintf("HTTP %d", chatStatus(err))})
}
