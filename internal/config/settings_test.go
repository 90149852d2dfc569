package config

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// translate renders the Settings... labels in lang with the real bundle.
func translate(t testing.TB, lang string) func(string, map[string]any) string {
	t.Helper()
	tr, err := translator()
	if err != nil {
		t.Fatal(err)
	}
	return func(id string, data map[string]any) string { return tr.T(lang, id, data) }
}

func settingsByName(c *Config) map[string]Setting {
	out := map[string]Setting{}
	for _, s := range c.Settings() {
		out[s.Name] = s
	}
	return out
}

func TestOrigins(t *testing.T) {
	c := mustLoad(t, map[string]string{
		EnvTimezone:      "Europe/London",
		EnvMattermostURL: "https://chat.example.org",
		EnvBotTokenFile:  writeFile(t, "bot", "bot-token"),
		EnvCommandToken:  "a",
	}, `
[agreement]
signed_on = 2024-03-01

[meeting]
week = 2

[[meeting.reminders]]
days_before = 2
at = "09:00"

[organisations.emmen]
channel = "drenthe/emmen"
`)
	settings := settingsByName(c)
	for name, want := range map[string]Origin{
		EnvMattermostURL:                        {Source: SourceEnvironment},
		EnvBotToken:                             {Source: SourceEnvironment, Via: EnvBotTokenFile},
		EnvCommandToken:                         {Source: SourceEnvironment},
		EnvListen:                               {Source: SourceBuiltIn},
		EnvActionSecret:                         {Source: SourceBuiltIn},
		"timezone":                              {Source: SourceEnvironment, Via: EnvTimezone},
		"agreement.signed_on":                   {Source: SourceFile},
		"agreement.deadline":                    {Source: SourceFile, Via: "agreement.signed_on"},
		"meeting.week":                          {Source: SourceFile},
		"meeting.reminders":                     {Source: SourceFile},
		"meeting.time":                          {Source: SourceBuiltIn},
		"working_group.channel":                 {Source: SourceBuiltIn},
		"working_group.organisation_channel":    {Source: SourceBuiltIn},
		"themes":                                {Source: SourceBuiltIn},
		"organisations.emmen.channel":           {Source: SourceFile},
		"organisations.emmen.webhook":           {Source: SourceBuiltIn},
		"organisations.noorderzijlvest.channel": {Source: SourceBuiltIn, Via: "working_group.organisation_channel"},
	} {
		s, ok := settings[name]
		if !ok {
			t.Errorf("Settings has no %s", name)
			continue
		}
		if s.Origin != want {
			t.Errorf("%s = %s from %+v, want from %+v", name, s.Value, s.Origin, want)
		}
	}
	if s := settings[EnvBotToken]; s.Value != `"***"` {
		t.Errorf("%s shown as %s", EnvBotToken, s.Value)
	}
	if s := settings["organisations.emmen.channel"]; s.Value != `"drenthe/emmen"` {
		t.Errorf("emmen's channel shown as %s", s.Value)
	}
	if s := settings["agreement.deadline"]; s.Value != `"2026-03-01"` {
		t.Errorf("deadline shown as %s", s.Value)
	}
}

// Every setting Settings lists is named as the file names it: loading the
// built-in defaults as a file makes every one of them come from the file
// (except the environment's), and loading no file makes every one
// built in.
func TestSettingsNameTheFileKeys(t *testing.T) {
	c, err := load(nil, "defaults.toml", []byte(defaultsTOML))
	if err != nil {
		t.Fatal(err)
	}
	settings := c.Settings()
	if len(settings) != 8+3+6+2+10+2+2+2+17*5 { // report: 2
		t.Errorf("%d settings", len(settings))
	}
	for _, s := range settings {
		want := SourceFile
		if strings.HasPrefix(s.Name, "AMBITIEBOT_") {
			want = SourceBuiltIn
		}
		if s.Origin.Source != want {
			t.Errorf("%s from %+v, want source %d", s.Name, s.Origin, want)
		}
	}
	for _, s := range mustLoad(t, nil, "").Settings() {
		if s.Origin.Source != SourceBuiltIn {
			t.Errorf("without a file or environment, %s comes from %+v", s.Name, s.Origin)
		}
	}
}

func TestRenderSettings(t *testing.T) {
	const hook = "https://chat.emmen.example/hooks/HOOK-SECRET"
	c := mustLoad(t, map[string]string{EnvBotToken: "BOT-SECRET", EnvListen: ":9000"}, `
[working_group]
organisation_channel = "drenthe/{key}"

[organisations.emmen]
webhook = "`+hook+`"
`)
	for lang, want := range map[string][]string{
		"nl": {"Instelling", "Herkomst", "omgeving", "ingebouwd",
			`organisations.assen.channel`, `"drenthe/assen"`, "bestand (working_group.organisation_channel)",
			`"…/hooks/••••"`},
		"en": {"Setting", "Origin", "environment", "built-in", "file (working_group.organisation_channel)"},
	} {
		out := RenderSettings(c.Settings(), translate(t, lang))
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s lacks %q:\n%s", lang, w, out)
			}
		}
		for _, secret := range []string{"BOT-SECRET", "HOOK-SECRET", "chat.emmen.example"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s shows %q", lang, secret)
			}
		}
		// The columns line up: every row has its name, value and origin
		// at the header's columns, and sections are apart.
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		valueAt := utf8.RuneCountInString(lines[0][:strings.Index(lines[0], translate(t, lang)("SettingsColumnValue", nil))])
		originAt := utf8.RuneCountInString(lines[0][:strings.Index(lines[0], translate(t, lang)("SettingsColumnOrigin", nil))])
		settings, row, blank := c.Settings(), 0, 0
		for _, l := range lines[1:] {
			if l == "" {
				blank++
				continue
			}
			r := []rune(l)
			if row >= len(settings) || len(r) <= originAt {
				t.Fatalf("%s: line %q beyond the %d settings", lang, l, len(settings))
			}
			s := settings[row]
			row++
			if utf8.RuneCountInString(s.Value) > alignedValue {
				if !strings.HasPrefix(strings.TrimLeft(l[len(s.Name):], " "), s.Value+"  ") {
					t.Errorf("%s: %q is not %s = %s", lang, l, s.Name, s.Value)
				}
				continue
			}
			if strings.TrimRight(string(r[:valueAt]), " ") != s.Name || strings.TrimRight(string(r[valueAt:originAt]), " ") != s.Value ||
				r[originAt] == ' ' || r[originAt-1] != ' ' || r[valueAt-1] != ' ' {
				t.Errorf("%s: %q is not %s = %s in the columns at %d and %d", lang, l, s.Name, s.Value, valueAt, originAt)
			}
		}
		if row != len(settings) || blank < 6 {
			t.Errorf("%s: %d rows of %d settings, %d blank lines", lang, row, len(settings), blank)
		}
	}
}

// The two settings that decide who may update are listed with the rest.
func TestSettingsShowWhoMayUpdate(t *testing.T) {
	c := mustLoad(t, nil, "[working_group]\ntrust_unverified_email = true\nproject_leaders_domains = [\"Drenthe.nl\"]\n")
	got := map[string]Setting{}
	for _, s := range c.Settings() {
		got[s.Name] = s
	}
	if s := got["working_group.trust_unverified_email"]; s.Value != "true" || s.Origin.Source != SourceFile {
		t.Errorf("trust_unverified_email = %+v", s)
	}
	if s := got["working_group.project_leaders_domains"]; s.Value != `["drenthe.nl"]` || s.Origin.Source != SourceFile {
		t.Errorf("project_leaders_domains = %+v", s)
	}
}
