package cli

import (
	"os"
	"regexp"
	"testing"
)

// `ambitiebot config` shows every organisation's target and where each
// value came from, with secrets and webhook URLs hidden (the fixture's
// cli fails the test if a secret is printed), and reads no database.
func TestConfigShowsEffectiveValuesAndOrigins(t *testing.T) {
	f := newCLIFixture(t)
	f.env["AMBITIEBOT_TIMEZONE"] = "Europe/Amsterdam"
	out, err := f.cli("config")
	if err != nil {
		t.Fatalf("config: %v\n%s", err, out)
	}
	mustContain(t, out, f.nl("CLIConfigFile", map[string]any{"Path": f.env["AMBITIEBOT_CONFIG"]}))
	file, env, builtIn := f.nl("SettingsOriginFile", nil), f.nl("SettingsOriginEnvironment", nil), f.nl("SettingsOriginBuiltIn", nil)
	for _, want := range []struct{ name, value, origin string }{
		{"organisations.assen.channel", `"drenthe/assen"`, file},
		{"organisations.rud.webhook", `"…/hooks/••••"`, file},
		{"AMBITIEBOT_BOT_TOKEN", `"***"`, env},
		{"timezone", `"Europe/Amsterdam"`, env},
		{"meeting.week", "3", builtIn},
	} {
		row := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(want.name) + `\s+` + regexp.QuoteMeta(want.value) + `\s+` + regexp.QuoteMeta(want.origin))
		if !row.MatchString(out) {
			t.Errorf("no row %s = %s (%s) in:\n%s", want.name, want.value, want.origin, out)
		}
	}
	if _, err := os.Stat(f.env["AMBITIEBOT_DB"]); !os.IsNotExist(err) {
		t.Errorf("config touched the database: %v", err)
	}
}

// Without a file the listing says so and every organisation keeps its
// built-in channel.
func TestConfigWithoutFile(t *testing.T) {
	out, err := runCLI("en", "config")
	if err != nil {
		t.Fatalf("config: %v\n%s", err, out)
	}
	tr := newTranslator(t)
	mustContain(t, out, tr.T("en", "CLIConfigNoFile", nil))
	channels := regexp.MustCompile(`(?m)^organisations\.([a-z-]+)\.channel\s+"([a-z-]+)/town-square"`).FindAllStringSubmatch(out, -1)
	same := 0
	for _, m := range channels {
		if m[1] == m[2] {
			same++
		}
	}
	if n := same; n != 17 {
		t.Errorf("%d organisations on <key>/town-square, want all 17:\n%s", n, out)
	}
}
