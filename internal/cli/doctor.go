package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // the driver the bot's database is written with

	"github.com/drentse-aanpak/ambitiebot/internal/config"
	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost"
	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
	"github.com/drentse-aanpak/ambitiebot/internal/workgroup"
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
	d := &doctor{con: con, channels: map[string]bool{}}
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
	checkSettings(cfg, doctorReporter{d})
	d.checkDatabase(ctx)
	checkMattermost(ctx, cfg, doctorReporter{d})
	d.checkMembers(ctx)
	d.sayTargets()
	return d.finish()
}

// doctor checks a configuration without changing anything, one line per
// finding.
type doctor struct {
	con      *console
	cfg      *config.Config
	problems int
	// channels records, per "team/channel", whether the Mattermost check
	// found the bot able to post there; a channel it never reached is
	// absent.
	channels map[string]bool
	// botOK says the Mattermost check found the bot token valid, so that
	// members and leaders can be looked up.
	botOK bool
}

// line prints a finding under label.
func (d *doctor) line(label string, f mattermost.Finding) {
	fmt.Fprintf(d.con.out, "%s: %s\n", d.con.t(label, nil), findingText(d.con.tr, d.con.lang, f))
}

func (d *doctor) ok(id string, data map[string]any) {
	doctorReporter{d}.OK(mattermost.Finding{ID: id, Data: data})
}

func (d *doctor) problem(id string, data map[string]any) {
	doctorReporter{d}.Problem(mattermost.Finding{ID: id, Data: data})
}

// findingText is a finding's sentence in lang.
func findingText(tr *i18n.Translator, lang string, f mattermost.Finding) string {
	if n, ok := f.Data[countKey].(int); ok {
		return tr.N(lang, f.ID, n, f.Data)
	}
	return tr.T(lang, f.ID, f.Data)
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
// secrets and never shown. doctor and serve's start-up check both use it.
func checkSettings(cfg *config.Config, r mattermost.Reporter) {
	// The agreement's half-yearly report goes to the project leaders and
	// the other recipients; without any it would silently go to nobody.
	switch {
	case len(cfg.WorkingGroup.ProjectLeaders) == 0 && len(cfg.Report.Recipients) == 0:
		r.Problem(mattermost.Finding{ID: "SetupDoctorReportNobody"})
	case len(cfg.WorkingGroup.ProjectLeaders) == 0:
		r.Problem(mattermost.Finding{ID: "SetupDoctorNoLeaders"})
	}
	switch {
	case cfg.PublicURL == "":
		r.Problem(mattermost.Finding{ID: "SetupNeedPublicURL"})
	case mattermost.IsLoopback(cfg.PublicURL) && cfg.MattermostURL != "" && !mattermost.IsLoopback(cfg.MattermostURL):
		// Buttons and forms would call back to the machine Mattermost
		// runs on, not to the bot.
		r.Problem(mattermost.Finding{ID: "SetupDoctorPublicURLLoopback", Data: map[string]any{"URL": cfg.PublicURL}})
	default:
		r.OK(mattermost.Finding{ID: "SetupDoctorPublicURLOK", Data: map[string]any{"URL": cfg.PublicURL}})
	}
	if n := len(cfg.CommandTokens); n == 0 {
		r.Problem(mattermost.Finding{ID: "SetupDoctorNoCommandTokens"})
	} else {
		r.OK(mattermost.Finding{ID: "SetupDoctorCommandTokens", Data: map[string]any{countKey: n}})
	}
	valid := 0
	for _, o := range cfg.Organisations.Recipients() {
		if o.Webhook == "" {
			continue
		}
		if !validWebhook(o.Webhook) {
			r.Problem(mattermost.Finding{ID: "SetupDoctorWebhookInvalid", Data: map[string]any{"Org": o.Name}})
			continue
		}
		valid++
	}
	if valid > 0 {
		r.OK(mattermost.Finding{ID: "SetupDoctorWebhooksOK", Data: map[string]any{countKey: valid}})
	}
}

// validWebhook says whether an incoming webhook's URL can be posted to.
func validWebhook(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// countKey in a finding's data makes it a sentence with plural forms.
const countKey = "Count"

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

// checkMattermost checks the server with the bot's own token (see
// mattermost.Check).
func checkMattermost(ctx context.Context, cfg *config.Config, r mattermost.Reporter) {
	if cfg.MattermostURL == "" {
		r.Problem(mattermost.Finding{ID: "SetupNeedMattermostURL"})
		return
	}
	mattermost.Check(ctx, mattermost.NewAdmin(cfg.MattermostURL, cfg.BotToken, mattermostOptions()), checkSettingsOf(cfg), r)
}

// checkSettingsOf is what doctor and serve's start-up check compare
// Mattermost with.
func checkSettingsOf(cfg *config.Config) mattermost.CheckSettings {
	return mattermost.CheckSettings{
		URL: cfg.MattermostURL, BotToken: cfg.BotToken, PublicURL: cfg.PublicURL, CommandTokens: cfg.CommandTokens,
		Groups: mattermost.ByTeam(mattermost.BotChannels(cfg.WorkingGroup.Channel, cfg.Organisations)),
	}
}

// failedFinding is the finding for a call that failed for another reason
// than the ones each check expects.
func failedFinding(tr *i18n.Translator, lang, mattermostURL string, action mattermost.Finding, status int) mattermost.Finding {
	if status == 0 {
		return mattermost.Finding{ID: "SetupUnreachable", Data: map[string]any{"URL": mattermostURL}}
	}
	return mattermost.Finding{ID: "SetupServerError", Data: map[string]any{
		"Action": tr.T(lang, action.ID, action.Data), "Detail": mattermost.Detail(status)}}
}

// doctorReporter prints what the checks find.
type doctorReporter struct{ d *doctor }

func (r doctorReporter) OK(f mattermost.Finding) {
	if f.ID == "SetupDoctorBotOK" {
		r.d.botOK = true
	}
	r.channel(f, true)
	r.d.line("SetupLabelOK", f)
}

func (r doctorReporter) Problem(f mattermost.Finding) {
	r.channel(f, false)
	r.d.problems++
	r.d.line("SetupLabelProblem", f)
}

// channel remembers what a finding about one channel says, for the
// per-organisation summary.
func (r doctorReporter) channel(f mattermost.Finding, ok bool) {
	if ref, isChannel := f.Data["Channel"].(string); isChannel && r.d.channels != nil {
		r.d.channels[ref] = ok
	}
}
func (r doctorReporter) NotChecked(f mattermost.Finding) { r.d.line("SetupLabelNotChecked", f) }

func (r doctorReporter) Failed(action mattermost.Finding, status int) {
	r.Problem(failedFinding(r.d.con.tr, r.d.con.lang, r.d.cfg.MattermostURL, action, status))
}

func (d *doctor) notChecked(id string, data map[string]any) {
	doctorReporter{d}.NotChecked(mattermost.Finding{ID: id, Data: data})
}

// sayTargets says, for every organisation, where its awareness post goes
// and whether that works, from what the checks before found. A target's
// problem was counted where it was found, so it is not counted again.
func (d *doctor) sayTargets() {
	d.con.say("SetupDoctorTargets", nil)
	for _, o := range d.cfg.Organisations.Recipients() {
		f := mattermost.Finding{Data: map[string]any{"Org": d.con.orgName(o), "Channel": o.Channel}}
		var label string
		switch ok, checked := d.channels[o.Channel]; {
		case o.Webhook != "" && validWebhook(o.Webhook):
			label, f.ID = "SetupLabelOK", "SetupDoctorTargetWebhook"
		case o.Webhook != "":
			label, f.ID = "SetupLabelProblem", "SetupDoctorTargetWebhookBad"
		case !checked:
			label, f.ID = "SetupLabelNotChecked", "SetupDoctorTargetChannelUnchecked"
		case ok:
			label, f.ID = "SetupLabelOK", "SetupDoctorTargetChannel"
		default:
			label, f.ID = "SetupLabelProblem", "SetupDoctorTargetChannelBad"
		}
		d.line(label, f)
	}
}

// checkMembers says how many working-group members each rule of the trust
// model admits and who it leaves out, and whether each configured project
// leader is one, as the serving bot would decide. Links made with
// /ambitie koppel live in the bot's database; without one there are none,
// and a scratch database stands in, removed afterwards.
func (d *doctor) checkMembers(ctx context.Context) {
	cfg := d.cfg
	if !d.botOK {
		// Mattermost or the bot token failed its check, said above.
		return
	}
	path, open := cfg.DBPath, sqlite.OpenExisting
	if _, err := os.Stat(path); err != nil {
		dir, err := os.MkdirTemp("", "ambitiebot-doctor-")
		if err != nil {
			d.notChecked("SetupDoctorMembersNotChecked", nil)
			return
		}
		defer os.RemoveAll(dir)
		path, open = filepath.Join(dir, "doctor.db"), sqlite.Open
	}
	db, err := open(path)
	if err != nil {
		d.notChecked("SetupDoctorMembersNotChecked", nil)
		return
	}
	defer db.Close()
	// Right after setup the server's rate limiter may still be full:
	// doctor waits it out rather than report a leader as unreachable.
	opts := mattermostOptions()
	opts.ReadRateLimitRetries = 10
	app := workgroup.New(workgroup.Config{
		Catalogue: cfg.Catalogue, Organisations: cfg.Organisations, Store: db,
		Chat: mattermost.New(cfg.MattermostURL, cfg.BotToken, opts),
		Tr:   d.con.tr, Now: time.Now, Location: cfg.Location, Logger: slog.New(slog.DiscardHandler),
		WorkingGroupChannel: cfg.WorkingGroup.Channel, ProjectLeaders: cfg.WorkingGroup.ProjectLeaders,
		ReportRecipients:      cfg.Report.Recipients,
		ProjectLeadersDomains: cfg.WorkingGroup.ProjectLeadersDomains, TrustUnverifiedEmail: cfg.WorkingGroup.TrustUnverifiedEmail,
	})
	a, err := app.Admissions(ctx)
	if err != nil {
		d.notChecked("SetupDoctorMembersNotChecked", nil)
	} else {
		d.ok("SetupDoctorMembers", map[string]any{"Members": a.Members, "Link": a.Link, "Verified": a.Verified,
			"SSO": a.SSO, "Unverified": a.Unverified, "Guests": a.Guests, "NoOrg": a.NoOrg})
		if a.Config > 0 {
			d.ok("SetupDoctorMembersConfig", map[string]any{countKey: a.Config})
		}
		if a.Refused > 0 {
			names := make([]string, len(a.RefusedNames))
			for i, n := range a.RefusedNames {
				names[i] = "@" + n
			}
			d.problem("SetupDoctorMembersRefused", map[string]any{countKey: a.Refused, "Guests": a.Guests,
				"Unverified": a.Refused - a.Guests, "Users": strings.Join(names, ", ")})
		}
	}
	reached := 0
	for _, group := range []struct {
		prefix string
		states []workgroup.LeaderState
		report bool // they get the board report
	}{
		{"SetupDoctorLeader", app.Leaders(ctx), true},
		{"SetupDoctorRecipient", app.ReportRecipients(ctx), true},
		{"SetupDoctorPerson", app.People(ctx), false},
	} {
		for _, l := range group.states {
			data := map[string]any{"User": l.Username}
			if l.Problem == "" {
				if group.report {
					reached++
				}
				d.ok(group.prefix+"OK", data)
				continue
			}
			d.problem(group.prefix+"_"+l.Problem, data)
		}
	}
	// Names are configured but none was found: the report would go to
	// nobody. (None configured at all was said with the settings.)
	if reached == 0 && len(cfg.WorkingGroup.ProjectLeaders)+len(cfg.Report.Recipients) > 0 {
		d.problem("SetupDoctorReportNobodyFound", nil)
	}
	switch nobody, err := app.Unrepresented(ctx); {
	case err != nil:
		d.notChecked("SetupDoctorMembersNotChecked", nil)
	case len(nobody) > 0:
		names := make([]string, len(nobody))
		for i, o := range nobody {
			names[i] = o.Name
		}
		d.problem("SetupDoctorUnrepresented", map[string]any{"Orgs": strings.Join(names, ", ")})
	default:
		d.ok("SetupDoctorRepresented", nil)
	}
}
