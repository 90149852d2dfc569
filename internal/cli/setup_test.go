package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost"
	"github.com/drentse-aanpak/ambitiebot/internal/mattermost/mmsim"
	"github.com/drentse-aanpak/ambitiebot/locales"
)

const setupPublicURL = "https://ambitiebot.example.org"

// setupConfig names two channels in team drenthe and one in team emmen;
// RUD Drenthe is reached by webhook, so its channel needs no bot.
const setupConfig = `
[working_group]
channel = "drenthe/werkgroep-ondermijning"
project_leaders = ["beheerder"]

[[organisations]]
key = "emmen"
name = "Gemeente Emmen"
kind = "gemeente"
domains = ["emmen.nl"]
channel = "emmen/town-square"
contacts = ["beheerder"]

[[organisations]]
key = "assen"
name = "Gemeente Assen"
kind = "gemeente"
domains = ["assen.nl"]
channel = "drenthe/assen"
contacts = ["beheerder"]

[[organisations]]
key = "rud"
name = "RUD Drenthe"
kind = "provincie"
domains = ["rud-drenthe.nl"]
webhook = "%WEBHOOK%"
contacts = ["beheerder"]
`

// cliFixture is a Mattermost on which the bot's teams and channels exist
// but the bot has not been set up: it is in no team, and no command is
// registered. The CLI runs against it as main runs it, with env as its
// environment.
type cliFixture struct {
	t          *testing.T
	srv        *mmsim.Server
	tr         *i18n.Translator
	bot        *model.User
	botToken   string
	adminToken string
	webhook    string
	teams      map[string]*model.Team    // by name
	channels   map[string]*model.Channel // by "team/channel"
	env        map[string]string
	dir        string
}

func newCLIFixture(t *testing.T) *cliFixture {
	t.Helper()
	tr, err := i18n.New(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	f := &cliFixture{t: t, srv: mmsim.New(), tr: tr, dir: t.TempDir(),
		teams: map[string]*model.Team{}, channels: map[string]*model.Channel{}}
	t.Cleanup(f.srv.Close)
	for _, ref := range []string{"drenthe/werkgroep-ondermijning", "drenthe/assen", "emmen/town-square", "rud/town-square"} {
		team, name, _ := strings.Cut(ref, "/")
		if f.teams[team] == nil {
			f.teams[team] = f.srv.AddTeam(team)
		}
		f.channels[ref] = f.srv.AddChannel(f.teams[team], name)
	}
	f.bot, f.botToken = f.srv.AddBot("ambitiebot")
	_, f.adminToken = f.srv.AddAdmin("beheerder")
	f.webhook = f.srv.AddWebhook(f.channels["rud/town-square"].Id)
	f.writeConfig(strings.ReplaceAll(setupConfig, "%WEBHOOK%", f.webhook))
	f.env = map[string]string{
		"AMBITIEBOT_MATTERMOST_URL": f.srv.URL(),
		"AMBITIEBOT_PUBLIC_URL":     setupPublicURL,
		"AMBITIEBOT_BOT_TOKEN":      f.botToken,
		"AMBITIEBOT_ADMIN_TOKEN":    f.adminToken,
		"AMBITIEBOT_DB":             filepath.Join(f.dir, "ambitiebot.db"),
		"AMBITIEBOT_CONFIG":         filepath.Join(f.dir, "ambitiebot.toml"),
		"LANG":                      "nl_NL.UTF-8",
	}
	return f
}

func (f *cliFixture) writeConfig(toml string) {
	f.t.Helper()
	if err := os.WriteFile(filepath.Join(f.dir, "ambitiebot.toml"), []byte(toml), 0o600); err != nil {
		f.t.Fatal(err)
	}
}

func (f *cliFixture) getenv(k string) (string, bool) { v, ok := f.env[k]; return v, ok }

// cli runs ambitiebot with args and returns what it printed and its error.
func (f *cliFixture) cli(args ...string) (string, error) {
	f.t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &out, &errOut, f.getenv)
	printed := out.String() + errOut.String()
	if err != nil {
		printed += err.Error()
	}
	for _, secret := range []string{f.adminToken, f.botToken, f.webhook} {
		if strings.Contains(printed, secret) {
			f.t.Fatalf("ambitiebot %s printed a secret:\n%s", strings.Join(args, " "), printed)
		}
	}
	return out.String(), err
}

// nl renders a sentence in Dutch, the language of the fixture's LANG.
func (f *cliFixture) nl(id string, data map[string]any) string { return f.tr.T("nl", id, data) }

func (f *cliFixture) admin() *mattermost.Admin {
	return mattermost.NewAdmin(f.srv.URL(), f.adminToken, mattermost.Options{})
}

// botIn reports whether the bot is in the team of ref and in ref itself.
func (f *cliFixture) botIn(ref string) (team, channel bool) {
	f.t.Helper()
	ctx := context.Background()
	c := f.channels[ref]
	team, err := f.admin().IsTeamMember(ctx, c.TeamId, f.bot.Id)
	if err != nil {
		f.t.Fatal(err)
	}
	channel, err = f.admin().IsChannelMember(ctx, c.Id, f.bot.Id)
	if err != nil {
		f.t.Fatal(err)
	}
	return team, channel
}

// assertUntouched checks that the bot joined nothing and no command exists.
func (f *cliFixture) assertUntouched() {
	f.t.Helper()
	if cmds := f.srv.Commands(); len(cmds) != 0 {
		f.t.Errorf("commands were registered: %+v", cmds)
	}
	for ref := range f.channels {
		if team, channel := f.botIn(ref); team || channel {
			f.t.Errorf("the bot joined %s (team %v, channel %v)", ref, team, channel)
		}
	}
}

func mustContain(t *testing.T, out, want string) {
	t.Helper()
	if !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
}

// tokenLine returns the tokens of the AMBITIEBOT_COMMAND_TOKEN= line.
func tokenLine(out string) []string {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "AMBITIEBOT_COMMAND_TOKEN="); ok {
			return strings.Split(v, ",")
		}
	}
	return nil
}

func TestSetupRegistersThenChangesNothing(t *testing.T) {
	f := newCLIFixture(t)
	out, err := f.cli("setup")
	if err != nil {
		t.Fatalf("setup: %v\n%s", err, out)
	}
	cmds := f.srv.Commands()
	if len(cmds) != 2 {
		t.Fatalf("%d commands registered, want one in drenthe and one in emmen: %+v", len(cmds), cmds)
	}
	var tokens []string
	for _, c := range cmds {
		if c.TeamId != f.teams["drenthe"].Id && c.TeamId != f.teams["emmen"].Id {
			t.Errorf("command in an unexpected team: %+v", c)
		}
		want := model.Command{
			Trigger: "ambitie", Method: model.CommandMethodPost, URL: setupPublicURL + "/command", Username: "ambitiebot",
			AutoComplete: true, AutoCompleteHint: "[ambitie] [status] [toelichting] | mijn | overzicht | help",
			AutoCompleteDesc: "Voortgang van de Drentse aanpak ondermijning bijwerken en bekijken",
			DisplayName:      f.nl("SetupCommandDisplayName", nil), Description: f.nl("SetupCommandDescription", nil),
		}
		if c.Trigger != want.Trigger || c.Method != want.Method || c.URL != want.URL || c.Username != want.Username ||
			c.AutoComplete != want.AutoComplete || c.AutoCompleteHint != want.AutoCompleteHint ||
			c.AutoCompleteDesc != want.AutoCompleteDesc || c.DisplayName != want.DisplayName || c.Description != want.Description {
			t.Errorf("command = %+v, want the settings of %+v", c, want)
		}
		tokens = append(tokens, c.Token)
	}
	for _, ref := range []string{"drenthe/werkgroep-ondermijning", "drenthe/assen", "emmen/town-square"} {
		if team, channel := f.botIn(ref); !team || !channel {
			t.Errorf("after setup the bot is in the team of %s: %v, in the channel: %v", ref, team, channel)
		}
	}
	if team, channel := f.botIn("rud/town-square"); team || channel {
		t.Error("the bot joined the channel of an organisation reached by webhook")
	}
	mustContain(t, out, f.nl("SetupCommandCreated", map[string]any{"Team": "emmen", "URL": setupPublicURL + "/command"}))
	mustContain(t, out, f.nl("SetupDoctorTargetChannel", map[string]any{"Org": "Gemeente Assen", "Channel": "drenthe/assen"}))
	mustContain(t, out, f.nl("SetupTargetWebhook", map[string]any{"Org": "RUD Drenthe"}))
	mustContain(t, out, f.nl("SetupAddedToChannel", map[string]any{"Bot": "ambitiebot", "Channel": "drenthe/assen"}))
	mustContain(t, out, f.tr.N("nl", "SetupChanges", 7, nil)) // 2 teams, 2 commands, 3 channels
	mustContain(t, out, f.nl("SetupTokensPrint", nil))
	printed := tokenLine(out)
	if !sameItems(printed, tokens) {
		t.Fatalf("printed tokens %v, want the commands' %v", printed, tokens)
	}

	again, err := f.cli("setup")
	if err != nil {
		t.Fatalf("second setup: %v\n%s", err, again)
	}
	mustContain(t, again, f.nl("SetupNothingToChange", nil))
	if got := f.srv.Commands(); !slices.EqualFunc(got, cmds, func(a, b *model.Command) bool { return *a == *b }) {
		t.Errorf("the second run changed the commands:\n%+v\n%+v", cmds, got)
	}
	if !sameItems(tokenLine(again), tokens) {
		t.Errorf("the second run, without tokens configured, printed %v", tokenLine(again))
	}

	f.env["AMBITIEBOT_COMMAND_TOKEN"] = strings.Join(printed, ",")
	third, err := f.cli("setup")
	if err != nil {
		t.Fatalf("third setup: %v\n%s", err, third)
	}
	mustContain(t, third, f.nl("SetupNothingToChange", nil))
	mustContain(t, third, f.nl("SetupTokensConfigured", nil))
	for _, tok := range tokens {
		if strings.Contains(third, tok) {
			t.Errorf("with the tokens configured, setup printed one again:\n%s", third)
		}
	}
}

func sameItems(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return len(a) > 0 && slices.Equal(a, b)
}

func TestSetupUpdatesACommandWithTheWrongURL(t *testing.T) {
	f := newCLIFixture(t)
	old, err := f.admin().CreateCommand(context.Background(), mattermost.SlashCommand{
		TeamID: f.teams["drenthe"].Id, Trigger: "ambitie", Method: "P", URL: "https://oud.example.org/command",
		AutoComplete: true, AutoCompleteHint: "[oud]",
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.cli("setup", "--config", filepath.Join(f.dir, "ambitiebot.toml"))
	if err != nil {
		t.Fatalf("setup: %v\n%s", err, out)
	}
	mustContain(t, out, f.nl("SetupCommandUpdated", map[string]any{"Team": "drenthe", "URL": setupPublicURL + "/command"}))
	var updated *model.Command
	for _, c := range f.srv.Commands() {
		if c.TeamId == f.teams["drenthe"].Id {
			updated = c
		}
	}
	if updated == nil || updated.Id != old.ID || updated.Token != old.Token {
		t.Fatalf("the command was replaced instead of updated: %+v (was %+v)", updated, old)
	}
	if updated.URL != setupPublicURL+"/command" || updated.AutoCompleteHint == "[oud]" {
		t.Errorf("the command was not updated: %+v", updated)
	}
	if !slices.Contains(tokenLine(out), old.Token) {
		t.Errorf("the kept token is not among those printed: %v", tokenLine(out))
	}
}

func TestSetupWithoutPermissionChangesNothing(t *testing.T) {
	f := newCLIFixture(t)
	user := f.srv.AddUser("jan", "jan@emmen.nl", "nl")
	f.srv.AddMember(f.channels["drenthe/werkgroep-ondermijning"].Id, user.Id)
	f.env["AMBITIEBOT_ADMIN_TOKEN"] = ""
	out, err := f.cli("setup", "--admin-token", f.srv.Token(user.Id))
	want := f.nl("SetupForbidden", map[string]any{"Action": f.nl("SetupActionCommands", map[string]any{"Team": "drenthe"})})
	if err == nil || err.Error() != want {
		t.Fatalf("setup with a user's token: %v, want %q\n%s", err, want, out)
	}
	f.assertUntouched()
}

func TestSetupReportsUnknownTeamsAndChannels(t *testing.T) {
	f := newCLIFixture(t)
	f.writeConfig(strings.ReplaceAll(strings.ReplaceAll(setupConfig, "%WEBHOOK%", f.webhook),
		`channel = "emmen/town-square"`, `channel = "nergens/town-square"`) +
		"\n[[organisations]]\nkey = \"tynaarlo\"\nname = \"Gemeente Tynaarlo\"\nkind = \"gemeente\"\ndomains = [\"tynaarlo.nl\"]\nchannel = \"drenthe/bestaat-niet\"\n")
	out, err := f.cli("setup")
	if err == nil || err.Error() != f.nl("SetupNothingChanged", nil) {
		t.Fatalf("setup: %v\n%s", err, out)
	}
	mustContain(t, out, f.nl("SetupUnknownTeam", map[string]any{"Team": "nergens", "Channels": "‘nergens/town-square’"}))
	mustContain(t, out, f.nl("SetupUnknownChannel", map[string]any{"Channel": "drenthe/bestaat-niet"}))
	f.assertUntouched()
}

func TestSetupExplainsWhatIsMissing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(f *cliFixture)
		want   string
		lang   string
	}{
		{"public URL", func(f *cliFixture) { delete(f.env, "AMBITIEBOT_PUBLIC_URL") }, "SetupNeedPublicURL", "nl"},
		{"Mattermost URL", func(f *cliFixture) { delete(f.env, "AMBITIEBOT_MATTERMOST_URL") }, "SetupNeedMattermostURL", "nl"},
		{"bot token", func(f *cliFixture) { delete(f.env, "AMBITIEBOT_BOT_TOKEN") }, "SetupNeedBotToken", "nl"},
		{"admin token", func(f *cliFixture) { delete(f.env, "AMBITIEBOT_ADMIN_TOKEN") }, "SetupNeedAdminToken", "nl"},
		{"bad admin token", func(f *cliFixture) { f.env["AMBITIEBOT_ADMIN_TOKEN"] = "not-a-token" }, "SetupAdminTokenInvalid", "nl"},
		{"bad bot token", func(f *cliFixture) { f.env["AMBITIEBOT_BOT_TOKEN"] = "not-a-token" }, "SetupBotTokenInvalid", "nl"},
		{"English", func(f *cliFixture) { f.env["LANG"] = "en_GB.UTF-8"; delete(f.env, "AMBITIEBOT_PUBLIC_URL") }, "SetupNeedPublicURL", "en"},
		{"AMBITIEBOT_LANG", func(f *cliFixture) { f.env["AMBITIEBOT_LANG"] = "en"; delete(f.env, "AMBITIEBOT_ADMIN_TOKEN") }, "SetupNeedAdminToken", "en"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newCLIFixture(t)
			tc.change(f)
			out, err := f.cli("setup")
			if want := f.tr.T(tc.lang, tc.want, nil); err == nil || err.Error() != want {
				t.Fatalf("setup: %v, want %q\n%s", err, want, out)
			}
			f.assertUntouched()
		})
	}

	t.Run("not a bot", func(t *testing.T) {
		f := newCLIFixture(t)
		user := f.srv.AddUser("jan", "jan@emmen.nl", "nl")
		f.env["AMBITIEBOT_BOT_TOKEN"] = f.srv.Token(user.Id)
		out, err := f.cli("setup")
		if want := f.nl("SetupNotABot", map[string]any{"User": "jan"}); err == nil || err.Error() != want {
			t.Fatalf("setup: %v, want %q\n%s", err, want, out)
		}
		f.assertUntouched()
	})

	t.Run("arguments", func(t *testing.T) {
		f := newCLIFixture(t)
		if _, err := f.cli("setup", "now"); exitCode(err) != 2 {
			t.Fatalf("setup with an argument: %v (exit %d)", err, exitCode(err))
		}
	})
}

func TestSetupNotesAnInternalPublicURL(t *testing.T) {
	f := newCLIFixture(t)
	f.env["AMBITIEBOT_PUBLIC_URL"] = "http://127.0.0.1:8080"
	out, err := f.cli("setup")
	if err != nil {
		t.Fatalf("setup: %v\n%s", err, out)
	}
	mustContain(t, out, f.nl("SetupInternalURL", map[string]any{"URL": "http://127.0.0.1:8080"}))
	if mattermost.IsInternal(setupPublicURL) || !mattermost.IsInternal("http://localhost/") || !mattermost.IsInternal("https://10.1.2.3") {
		t.Error("isInternal misjudges an address")
	}
}

// Mattermost's rate limiter is on by default on many servers: setup paces
// itself and waits out a 429, and finishes. The limit here is tighter
// than setup's own pace, so both the pacing and the waiting are needed.
func TestSetupUnderTheRateLimiter(t *testing.T) {
	f := newCLIFixture(t)
	f.srv.RateLimit(4, 5)
	out, err := f.cli("setup")
	if err != nil {
		t.Fatalf("setup under the rate limiter: %v\n%s", err, out)
	}
	if n := len(f.srv.Commands()); n != 2 {
		t.Errorf("%d commands registered, want 2", n)
	}
	out, err = f.cli("setup")
	if err != nil {
		t.Fatalf("second setup: %v\n%s", err, out)
	}
	mustContain(t, out, f.nl("SetupNothingToChange", nil))
}

// An organisation's channel archived in Mattermost is not found by name;
// setup and doctor say that it is archived, not that it does not exist
// (which would send the administrator to create a channel whose name
// Mattermost keeps for the archived one).
func TestSetupAndDoctorSayAChannelIsArchived(t *testing.T) {
	f := newCLIFixture(t)
	f.setUp()
	f.createDB()
	f.srv.ArchiveChannel(f.channels["drenthe/assen"].Id)
	want := f.nl("SetupChannelArchived", map[string]any{"Channel": "drenthe/assen"})
	if !strings.Contains(want, "is gearchiveerd") {
		t.Fatalf("sentence = %q", want)
	}
	out, err := f.cli("doctor")
	if err == nil {
		t.Fatalf("doctor found no problem:\n%s", out)
	}
	mustContain(t, out, f.nl("SetupLabelProblem", nil)+": "+want)
	out, _ = f.cli("setup")
	mustContain(t, out, want)
	if strings.Contains(out, f.nl("SetupUnknownChannel", map[string]any{"Channel": "drenthe/assen"})) {
		t.Errorf("setup says the archived channel does not exist:\n%s", out)
	}
}
