package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drentse-aanpak/ambitiebot/internal/sqlite"
)

// setUp runs setup on the fixture and configures the command tokens it
// printed, as an administrator would.
func (f *cliFixture) setUp() {
	f.t.Helper()
	out, err := f.cli("setup")
	if err != nil {
		f.t.Fatalf("setup: %v\n%s", err, out)
	}
	f.env["AMBITIEBOT_COMMAND_TOKEN"] = strings.Join(tokenLine(out), ",")
}

// createDB makes the bot's database the way serve does.
func (f *cliFixture) createDB() {
	f.t.Helper()
	db, err := sqlite.Open(f.env["AMBITIEBOT_DB"])
	if err != nil {
		f.t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		f.t.Fatal(err)
	}
}

// line renders one line of doctor's report in Dutch.
func (f *cliFixture) line(label, id string, data map[string]any) string {
	return f.nl(label, nil) + ": " + f.nl(id, data)
}

func TestDoctorOnAGoodSetup(t *testing.T) {
	f := newCLIFixture(t)
	f.setUp()
	f.createDB()
	out, err := f.cli("doctor")
	if err != nil {
		t.Fatalf("doctor: %v\n%s", err, out)
	}
	for _, want := range []string{
		f.line("SetupLabelOK", "SetupDoctorConfigOK", map[string]any{"File": f.env["AMBITIEBOT_CONFIG"]}),
		f.line("SetupLabelOK", "SetupDoctorReachable", map[string]any{"URL": f.srv.URL()}),
		f.line("SetupLabelOK", "SetupDoctorBotOK", map[string]any{"User": "ambitiebot"}),
		f.line("SetupLabelOK", "SetupDoctorChannelOK", map[string]any{"Channel": "drenthe/assen"}),
		f.line("SetupLabelOK", "SetupDoctorChannelOK", map[string]any{"Channel": "emmen/town-square"}),
		f.line("SetupLabelOK", "SetupDoctorDBOK", map[string]any{"Path": f.env["AMBITIEBOT_DB"]}),
		f.line("SetupLabelOK", "SetupDoctorPublicURLOK", map[string]any{"URL": setupPublicURL}),
		f.nl("SetupLabelOK", nil) + ": " + f.tr.N("nl", "SetupDoctorWebhooksOK", 1, nil),
		// A bot without the right to list commands cannot check them.
		f.line("SetupLabelNotChecked", "SetupDoctorCommandsNotChecked", map[string]any{"Team": "drenthe"}),
		// Per organisation: where its awareness post goes.
		f.nl("SetupDoctorTargets", nil),
		f.line("SetupLabelOK", "SetupDoctorTargetChannel", map[string]any{"Org": "Gemeente Emmen", "Channel": "emmen/town-square"}),
		f.line("SetupLabelOK", "SetupDoctorTargetChannel", map[string]any{"Org": "Gemeente Assen", "Channel": "drenthe/assen"}),
		f.line("SetupLabelOK", "SetupDoctorTargetWebhook", map[string]any{"Org": "RUD Drenthe"}),
		f.nl("SetupDoctorAllOK", nil),
	} {
		mustContain(t, out, want)
	}
	if strings.Contains(out, f.nl("SetupLabelProblem", nil)+":") {
		t.Errorf("doctor reports a problem on a good setup:\n%s", out)
	}

	// A bot with the system admin role may list the commands.
	f.srv.SetSystemAdmin(f.bot.Id, true)
	out, err = f.cli("doctor")
	if err != nil {
		t.Fatalf("doctor: %v\n%s", err, out)
	}
	for _, team := range []string{"drenthe", "emmen"} {
		mustContain(t, out, f.line("SetupLabelOK", "SetupDoctorCommandOK", map[string]any{"Team": team, "URL": setupPublicURL + "/command"}))
	}
}

func TestDoctorListsProblems(t *testing.T) {
	f := newCLIFixture(t)
	// By hand, half done: the bot is in team drenthe and its working-group
	// channel, not in drenthe/assen; team emmen has no channel "kantine";
	// no command is registered; the database is not SQLite.
	f.srv.AddMember(f.channels["drenthe/werkgroep-ondermijning"].Id, f.bot.Id)
	f.srv.AddTeamMember(f.teams["emmen"].Id, f.bot.Id)
	f.srv.SetSystemAdmin(f.bot.Id, false)
	f.writeConfig(strings.ReplaceAll(strings.ReplaceAll(setupConfig, "%WEBHOOK%", f.webhook), "emmen/town-square", "emmen/kantine"))
	f.env["AMBITIEBOT_COMMAND_TOKEN"] = "some-token-of-another-setup-0123456789"
	if err := os.WriteFile(f.env["AMBITIEBOT_DB"], []byte("dit is geen database, maar wel lang genoeg om te lezen"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := f.cli("doctor")
	if err == nil {
		t.Fatalf("doctor found no problem:\n%s", out)
	}
	for _, want := range []string{
		f.line("SetupLabelOK", "SetupDoctorChannelOK", map[string]any{"Channel": "drenthe/werkgroep-ondermijning"}),
		f.line("SetupLabelProblem", "SetupDoctorNotInChannel", map[string]any{"Channel": "drenthe/assen"}),
		f.line("SetupLabelProblem", "SetupDoctorChannelMissing", map[string]any{"Channel": "emmen/kantine"}),
		f.line("SetupLabelProblem", "SetupDoctorTargetChannelBad", map[string]any{"Org": "Gemeente Assen", "Channel": "drenthe/assen"}),
		f.line("SetupLabelProblem", "SetupDoctorTargetChannelBad", map[string]any{"Org": "Gemeente Emmen", "Channel": "emmen/kantine"}),
		f.nl("SetupLabelProblem", nil) + ": " + strings.SplitN(f.nl("SetupDoctorDBUnreadable", map[string]any{"Path": f.env["AMBITIEBOT_DB"], "Detail": "\x00"}), "\x00", 2)[0],
	} {
		mustContain(t, out, want)
	}
	if want := f.tr.N("nl", "SetupDoctorProblems", 3, nil); err.Error() != want {
		t.Errorf("doctor ends with %q, want %q", err, want)
	}
	if exitCode(err) != 1 {
		t.Errorf("exit status %d, want 1", exitCode(err))
	}

	// With the right to list commands, the missing ones are problems too.
	f.srv.SetSystemAdmin(f.bot.Id, true)
	out, err = f.cli("doctor")
	for _, team := range []string{"drenthe", "emmen"} {
		mustContain(t, out, f.line("SetupLabelProblem", "SetupDoctorCommandMissing", map[string]any{"Team": team}))
	}
	if want := f.tr.N("nl", "SetupDoctorProblems", 5, nil); err == nil || err.Error() != want {
		t.Errorf("doctor ends with %v, want %q", err, want)
	}
}

func TestDoctorChecksCommandsAgainstTheConfiguration(t *testing.T) {
	f := newCLIFixture(t)
	f.setUp()
	f.srv.SetSystemAdmin(f.bot.Id, true)
	f.env["AMBITIEBOT_PUBLIC_URL"] = "https://elders.example.org"
	f.env["AMBITIEBOT_COMMAND_TOKEN"] = strings.SplitN(f.env["AMBITIEBOT_COMMAND_TOKEN"], ",", 2)[0]
	out, err := f.cli("doctor")
	if err == nil {
		t.Fatalf("doctor found no problem:\n%s", out)
	}
	mustContain(t, out, f.line("SetupLabelProblem", "SetupDoctorCommandWrongURL", map[string]any{
		"Team": "drenthe", "Got": setupPublicURL + "/command", "Want": "https://elders.example.org/command"}))

	f.env["AMBITIEBOT_PUBLIC_URL"] = setupPublicURL
	out, err = f.cli("doctor")
	if want := f.tr.N("nl", "SetupDoctorProblems", 1, nil); err == nil || err.Error() != want {
		t.Fatalf("doctor ends with %v, want %q\n%s", err, want, out)
	}
	mustContain(t, out, f.line("SetupLabelProblem", "SetupDoctorCommandTokenMissing", map[string]any{"Team": "emmen"}))
}

func TestDoctorWithABadBotToken(t *testing.T) {
	f := newCLIFixture(t)
	f.setUp()
	f.env["AMBITIEBOT_BOT_TOKEN"] = "revoked-token-0123456789abcdef"
	out, err := f.cli("doctor")
	if want := f.tr.N("nl", "SetupDoctorProblems", 1, nil); err == nil || err.Error() != want {
		t.Fatalf("doctor ends with %v, want %q\n%s", err, want, out)
	}
	mustContain(t, out, f.line("SetupLabelProblem", "SetupBotTokenInvalid", nil))
	if strings.Contains(out, "revoked-token") {
		t.Errorf("doctor printed the bot token:\n%s", out)
	}
}

func TestDoctorWithoutServerOrSettings(t *testing.T) {
	f := newCLIFixture(t)
	for _, k := range []string{"AMBITIEBOT_PUBLIC_URL", "AMBITIEBOT_COMMAND_TOKEN"} {
		delete(f.env, k)
	}
	f.env["AMBITIEBOT_MATTERMOST_URL"] = "http://127.0.0.1:1"
	f.env["AMBITIEBOT_DB"] = filepath.Join(f.dir, "ontbreekt", "ambitiebot.db")
	out, err := f.cli("doctor")
	if want := f.tr.N("nl", "SetupDoctorProblems", 4, nil); err == nil || err.Error() != want {
		t.Fatalf("doctor ends with %v, want %q\n%s", err, want, out)
	}
	for _, want := range []string{
		f.line("SetupLabelProblem", "SetupNeedPublicURL", nil),
		f.line("SetupLabelProblem", "SetupDoctorNoCommandTokens", nil),
		f.line("SetupLabelProblem", "SetupDoctorDBDirMissing", map[string]any{"Dir": filepath.Join(f.dir, "ontbreekt")}),
		f.line("SetupLabelProblem", "SetupUnreachable", map[string]any{"URL": "http://127.0.0.1:1"}),
	} {
		mustContain(t, out, want)
	}

	f.env["AMBITIEBOT_CONFIG"] = filepath.Join(f.dir, "bestaat-niet.toml")
	out, err = f.cli("doctor")
	if want := f.tr.N("nl", "SetupDoctorProblems", 1, nil); err == nil || err.Error() != want {
		t.Fatalf("doctor on a missing file: %v\n%s", err, out)
	}
}

// The doctor reads; a database that is not there yet stays absent.
func TestDoctorCreatesNoDatabase(t *testing.T) {
	f := newCLIFixture(t)
	f.setUp()
	out, err := f.cli("doctor")
	if err != nil {
		t.Fatalf("doctor: %v\n%s", err, out)
	}
	mustContain(t, out, f.line("SetupLabelOK", "SetupDoctorDBAbsent", map[string]any{"Path": f.env["AMBITIEBOT_DB"]}))
	if _, err := os.Stat(f.env["AMBITIEBOT_DB"]); !os.IsNotExist(err) {
		t.Errorf("doctor created the database: %v", err)
	}
}

func TestDoctorNeverPrintsSecrets(t *testing.T) {
	f := newCLIFixture(t)
	f.setUp()
	f.createDB()
	secret := "action-secret-that-must-stay-hidden-0123456789"
	f.env["AMBITIEBOT_ACTION_SECRET"] = secret
	f.env["AMBITIEBOT_LANG"] = "en"
	f.srv.SetSystemAdmin(f.bot.Id, true)
	out, err := f.cli("doctor", "-v")
	if err != nil {
		t.Fatalf("doctor: %v\n%s", err, out)
	}
	mustContain(t, out, "AMBITIEBOT_BOT_TOKEN = \"***\"")
	mustContain(t, out, f.tr.T("en", "SetupDoctorAllOK", nil))
	secrets := append(strings.Split(f.env["AMBITIEBOT_COMMAND_TOKEN"], ","), secret, f.botToken, f.adminToken, f.webhook)
	for _, s := range secrets {
		if s == "" || strings.Contains(out, s) {
			t.Errorf("doctor -v printed the secret %q (or it is empty):\n%s", s, out)
		}
	}
}

// doctor reports a bad configuration as one problem: the sentence naming
// the key, in the operator's language.
func TestDoctorReportsABadConfiguration(t *testing.T) {
	f := newCLIFixture(t)
	f.writeConfig("[meeting]\nweek = 9\n")
	out, err := f.cli("doctor")
	reason := f.nl("ConfigWeek", map[string]any{"Key": "meeting.week", "Got": "9"})
	if want := f.line("SetupLabelProblem", "CLIConfigInvalid", map[string]any{"Reason": reason}); !strings.Contains(out, want) || exitCode(err) != 1 {
		t.Errorf("doctor: %v (exit %d), want the line %q in:\n%s", err, exitCode(err), want, out)
	}
}

// The doctor says how many working-group members each rule admits, warns
// about members whose address does not count, and names a configured
// project leader without an account.
func TestDoctorCountsMembersAndLeaders(t *testing.T) {
	f := newCLIFixture(t)
	f.setUp()
	f.writeConfig(strings.Replace(strings.ReplaceAll(setupConfig, "%WEBHOOK%", f.webhook),
		`project_leaders = ["beheerder"]`, `project_leaders = ["pl.nieuw"]`, 1))
	wg := f.channels["drenthe/werkgroep-ondermijning"].Id
	jan := f.srv.AddUser("jan", "jan@emmen.nl", "nl")
	f.srv.AddMember(wg, jan.Id)
	out, err := f.cli("doctor")
	if err == nil {
		t.Fatalf("doctor found no problem:\n%s", out)
	}
	for _, want := range []string{
		f.line("SetupLabelOK", "SetupDoctorMembers", map[string]any{"Members": 1, "Link": 0, "Verified": 0,
			"SSO": 0, "Unverified": 1, "Guests": 0, "NoOrg": 0}),
		f.nl("SetupLabelProblem", nil) + ": 1 lid van het werkgroepkanaal (@jan) heeft het adres van een organisatie dat niet telt (gasten: 0, ongeverifieerd: 1): dat lid kan niets bijwerken.",
		f.line("SetupLabelProblem", "SetupDoctorLeader_not_found", map[string]any{"User": "pl.nieuw"}),
	} {
		mustContain(t, out, want)
	}
	if _, err := os.Stat(f.env["AMBITIEBOT_DB"]); !os.IsNotExist(err) {
		t.Errorf("doctor created the database: %v", err)
	}
}

// Without project leaders and other recipients the half-yearly report
// would go to nobody: doctor says so, and serve's start-up check shares
// the check. Recipients are looked up like project leaders: doctor names
// one it cannot find, and says so when nobody at all was found.
func TestDoctorWarnsWhenTheReportGoesToNobody(t *testing.T) {
	f := newCLIFixture(t)
	f.setUp()
	noLeaders := strings.Replace(strings.ReplaceAll(setupConfig, "%WEBHOOK%", f.webhook), `project_leaders = ["beheerder"]`, "", 1)
	f.writeConfig(noLeaders)
	out, err := f.cli("doctor")
	if err == nil {
		t.Fatalf("doctor found no problem:\n%s", out)
	}
	mustContain(t, out, f.line("SetupLabelProblem", "SetupDoctorReportNobody", nil))

	// A recipient that has no account: nobody would get the report.
	f.writeConfig(noLeaders + "\n[report]\nrecipients = [\"bp.onbekend\"]\n")
	out, err = f.cli("doctor")
	if err == nil {
		t.Fatalf("doctor found no problem:\n%s", out)
	}
	for _, want := range []string{
		f.line("SetupLabelProblem", "SetupDoctorNoLeaders", nil),
		f.line("SetupLabelProblem", "SetupDoctorRecipient_not_found", map[string]any{"User": "bp.onbekend"}),
		f.line("SetupLabelProblem", "SetupDoctorReportNobodyFound", nil),
	} {
		mustContain(t, out, want)
	}
	if strings.Contains(out, f.nl("SetupDoctorReportNobody", nil)) {
		t.Errorf("doctor says no recipient is configured:\n%s", out)
	}

	// The bestuurlijk portefeuillehouder has an account: the report
	// reaches someone, though nobody is project leader.
	f.srv.AddUser("burgemeester.emmen", "burgemeester@emmen.nl", "nl")
	f.writeConfig(noLeaders + "\n[report]\nrecipients = [\"@Burgemeester.Emmen\"]\n")
	out, _ = f.cli("doctor")
	mustContain(t, out, f.line("SetupLabelOK", "SetupDoctorRecipientOK", map[string]any{"User": "burgemeester.emmen"}))
	if strings.Contains(out, f.nl("SetupDoctorReportNobodyFound", nil)) {
		t.Errorf("doctor says nobody gets the report:\n%s", out)
	}
}

// The doctor names a configured representative or contact without an
// account, and the organisations that nobody represents: no member in
// the working-group channel and no contact.
func TestDoctorNamesOrganisationsNobodyRepresents(t *testing.T) {
	f := newCLIFixture(t)
	f.setUp()
	cfg := strings.ReplaceAll(setupConfig, "%WEBHOOK%", f.webhook)
	cfg = strings.Replace(cfg, `contacts = ["beheerder"]`, `contacts = ["niemand"]`, 1) // emmen
	cfg = strings.Replace(cfg, `contacts = ["beheerder"]`+"\n", "", 1)                  // assen: none
	cfg += "\n[[representatives]]\nusername = \"sanne\"\norganisations = [\"rud\", \"emmen\"]\n"
	f.writeConfig(cfg)
	wg := f.channels["drenthe/werkgroep-ondermijning"].Id
	sanne := f.srv.AddUser("sanne", "sanne@example.org", "nl")
	f.srv.AddMember(wg, sanne.Id)
	out, err := f.cli("doctor")
	if err == nil {
		t.Fatalf("doctor found no problem:\n%s", out)
	}
	for _, want := range []string{
		f.nl("SetupLabelOK", nil) + ": Werkgroepkanaal: 1 lid is toegelaten als vertegenwoordiger of contactpersoon uit de configuratie.",
		f.line("SetupLabelOK", "SetupDoctorPersonOK", map[string]any{"User": "sanne"}),
		f.line("SetupLabelProblem", "SetupDoctorPerson_not_found", map[string]any{"User": "niemand"}),
		// Sanne, in the channel, represents Emmen and the RUD; nobody Assen.
		f.line("SetupLabelProblem", "SetupDoctorUnrepresented", map[string]any{"Orgs": "Gemeente Assen"}),
	} {
		mustContain(t, out, want)
	}
}

// With an edit time limit Mattermost refuses the update a reminder click
// answers with, once the reminder is older than the limit, and the click
// fails in the user's client: doctor and serve's start-up check say so.
func TestDoctorWarnsAboutAnEditTimeLimit(t *testing.T) {
	f := newCLIFixture(t)
	f.setUp()
	f.createDB()
	warning := f.line("SetupLabelProblem", "SetupDoctorEditTimeLimit", map[string]any{"Seconds": 300})
	if out, err := f.cli("doctor"); err != nil || strings.Contains(out, warning) {
		t.Fatalf("doctor without a limit: %v\n%s", err, out)
	}
	f.srv.SetPostEditTimeLimit(300)
	out, err := f.cli("doctor")
	if err == nil {
		t.Fatalf("doctor found no problem:\n%s", out)
	}
	mustContain(t, out, warning)
	// 0 (or any value but -1 that is not positive) allows no change at all.
	f.srv.SetPostEditTimeLimit(0)
	out, _ = f.cli("doctor")
	mustContain(t, out, f.line("SetupLabelProblem", "SetupDoctorNoEdits", map[string]any{"Seconds": 0}))
}
