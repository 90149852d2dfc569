package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drentse-aanpak/ambitiebot/internal/i18n"
	"github.com/drentse-aanpak/ambitiebot/locales"
)

// runCLI runs ambitiebot with args in lang ("" for the default) and
// returns its error and everything it printed, stdout and stderr.
func runCLI(lang string, args ...string) (string, error) {
	getenv := func(k string) (string, bool) {
		if k == "AMBITIEBOT_LANG" && lang != "" {
			return lang, true
		}
		return "", false
	}
	var out bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &out, &out, getenv)
	return out.String(), err
}

func newTranslator(t *testing.T) *i18n.Translator {
	t.Helper()
	tr, err := i18n.New(locales.FS)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// helpArgs are the arguments that ask sc for its usage.
func helpArgs(sc subcommand) []string {
	if sc.name == "awareness" {
		return []string{sc.name, "send", "-h"}
	}
	return []string{sc.name, "-h"}
}

// Every subcommand answers -h with its usage and exit status 0; unknown
// commands and no command are usage errors (exit status 2).
func TestEverySubcommandHasHelp(t *testing.T) {
	for _, sc := range subcommands() {
		if sc.run == nil { // help itself
			continue
		}
		out, err := runCLI("", helpArgs(sc)...)
		if !errors.Is(err, flag.ErrHelp) || exitCode(err) != 0 {
			t.Errorf("%s -h: %v (exit %d)", sc.name, err, exitCode(err))
		}
		if !strings.HasPrefix(out, "Gebruik: ambitiebot "+sc.name) {
			t.Errorf("%s -h printed no usage:\n%s", sc.name, out)
		}
	}
	// awareness -h, before list or send, shows both forms.
	if out, err := runCLI("", "awareness", "-h"); !errors.Is(err, flag.ErrHelp) || !strings.HasPrefix(out, "Gebruik: ambitiebot awareness list | send") {
		t.Errorf("awareness -h: %v\n%s", err, out)
	}
	if _, err := runCLI("", "awareness", "list", "--id", "x"); exitCode(err) != 2 {
		t.Errorf("awareness list --id: %v, want a usage error (list takes no message)", err)
	}
	if _, err := runCLI("", "frobnicate"); exitCode(err) != 2 {
		t.Errorf("unknown command: %v", err)
	}
	if _, err := runCLI(""); exitCode(err) != 2 {
		t.Errorf("no command: %v", err)
	}
	if out, err := runCLI("", "version"); err != nil || !strings.HasPrefix(out, "ambitiebot ") {
		t.Errorf("version: %v %q", err, out)
	}
}

// The top-level help speaks Dutch by default and English on request,
// down to every command's description.
func TestHelpIsLocalised(t *testing.T) {
	tr := newTranslator(t)
	for _, tc := range []struct{ lang, want, other string }{
		{"", "Opdrachten:", "Commands:"},
		{"en", "Commands:", "Opdrachten:"},
	} {
		out, err := runCLI(tc.lang, "help")
		if err != nil {
			t.Fatalf("help (%q): %v", tc.lang, err)
		}
		if !strings.Contains(out, "\n"+tc.want+"\n") || strings.Contains(out, tc.other) {
			t.Errorf("help (%q) has no %q, or has %q:\n%s", tc.lang, tc.want, tc.other, out)
		}
		lang, otherLang := "nl", "en"
		if tc.lang == "en" {
			lang, otherLang = "en", "nl"
		}
		for _, sc := range subcommands() {
			desc, otherDesc := tr.T(lang, sc.help, nil), tr.T(otherLang, sc.help, nil)
			if desc == otherDesc {
				t.Errorf("%s is described alike in nl and en: %q", sc.name, desc)
			}
			if !strings.Contains(out, "  "+sc.name+" ") || !strings.Contains(out, " "+desc+"\n") || strings.Contains(out, otherDesc) {
				t.Errorf("help (%s) does not describe %s as %q:\n%s", lang, sc.name, desc, out)
			}
		}
	}
}

func TestReportHelpIsLocalised(t *testing.T) {
	for _, tc := range []struct{ lang, usage, format, def string }{
		{"", "Gebruik: ambitiebot report [opties]\n", "xlsx (werkmap met grafiek)", "(standaard: xlsx)"},
		{"en", "Usage: ambitiebot report [options]\n", "xlsx (workbook with chart)", "(default: xlsx)"},
	} {
		out, err := runCLI(tc.lang, "report", "-h")
		if !errors.Is(err, flag.ErrHelp) || exitCode(err) != 0 {
			t.Errorf("report -h (%q): %v (exit %d)", tc.lang, err, exitCode(err))
		}
		for _, want := range []string{tc.usage, "  --format string\n", tc.format, tc.def, "  --since string\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("report -h (%q) lacks %q:\n%s", tc.lang, want, out)
			}
		}
	}
}

// No flag description may stay English in Dutch: every line of each
// command's -h except the flag names themselves differs between nl and en.
func TestEveryFlagIsDescribedInBothLanguages(t *testing.T) {
	for _, sc := range subcommands() {
		if sc.run == nil {
			continue
		}
		nl, _ := runCLI("", helpArgs(sc)...)
		en, _ := runCLI("en", helpArgs(sc)...)
		nlLines, enLines := strings.Split(nl, "\n"), strings.Split(en, "\n")
		if len(nlLines) != len(enLines) {
			t.Errorf("%s -h: %d lines in nl, %d in en:\n%s\n%s", sc.name, len(nlLines), len(enLines), nl, en)
			continue
		}
		for i, line := range nlLines {
			switch {
			case line == "":
			case strings.HasPrefix(line, "  -"):
				if line != enLines[i] {
					t.Errorf("%s -h: flag %q is %q in en", sc.name, line, enLines[i])
				}
			case line == enLines[i]:
				t.Errorf("%s -h: %q is the same in nl and en", sc.name, line)
			}
		}
	}
}

// A mistake on the command line is one sentence in the operator's
// language and exit status 2, never the flag package's English.
func TestCommandLineMistakesAreLocalised(t *testing.T) {
	tr := newTranslator(t)
	seeHelp := func(command string) string {
		return " " + tr.T("nl", "CLIUsageSeeHelp", map[string]any{"Command": command})
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "--frobnicate"}, tr.T("nl", "CLIUsageUnknownFlag", map[string]any{"Flag": "--frobnicate"}) + seeHelp("report")},
		{[]string{"awareness", "send", "-x"}, tr.T("nl", "CLIUsageUnknownFlag", map[string]any{"Flag": "-x"}) + seeHelp("awareness send")},
		{[]string{"schedule", "--count", "abc"}, tr.T("nl", "CLIUsageFlagBadValue", map[string]any{"Flag": "--count", "Value": "abc"}) + seeHelp("schedule")},
		{[]string{"schedule", "--count", `1"2`}, tr.T("nl", "CLIUsageFlagBadValue", map[string]any{"Flag": "--count", "Value": `1"2`}) + seeHelp("schedule")},
		{[]string{"remind", "--dry-run=misschien"}, tr.T("nl", "CLIUsageFlagBadValue", map[string]any{"Flag": "--dry-run", "Value": "misschien"}) + seeHelp("remind")},
		{[]string{"schedule", "--from"}, tr.T("nl", "CLIUsageFlagNeedsValue", map[string]any{"Flag": "--from"}) + seeHelp("schedule")},
		{[]string{"status", "---config"}, tr.T("nl", "CLIUsageBadFlags", nil) + seeHelp("status")},
		{[]string{"frobnicate"}, tr.T("nl", "CLIUsageUnknownCommand", map[string]any{"Command": "frobnicate"})},
		{nil, tr.T("nl", "CLIUsageNoCommand", nil)},
		{[]string{"awareness"}, tr.T("nl", "CLIUsageAwarenessAction", nil)},
		{[]string{"schedule", "--count", "0"}, tr.T("nl", "CLIUsageScheduleCount", map[string]any{"Value": 0})},
	} {
		out, err := runCLI("", tc.args...)
		if exitCode(err) != 2 || err.Error() != tc.want {
			t.Errorf("%v: %v (exit %d), want %q", tc.args, err, exitCode(err), tc.want)
		}
		for _, english := range []string{"flag provided", "invalid value", "invalid boolean", "flag needs", "bad flag syntax", "Usage"} {
			if strings.Contains(out, english) {
				t.Errorf("%v printed the flag package's English %q:\n%s", tc.args, english, out)
			}
		}
	}
	const want = "Unknown option --frobnicate. Type `ambitiebot report -h` for the options."
	if _, err := runCLI("en", "report", "--frobnicate"); exitCode(err) != 2 || err.Error() != want {
		t.Errorf("English: %v, want %q", err, want)
	}
}

// A bad schedule stops start-up with one sentence naming the key, not a
// message id meant for the chat.
func TestBadAwarenessScheduleNamesTheKey(t *testing.T) {
	h := prepareHarness(t, "[awareness]\nschedule = \"elke maandag\"\n")
	var out bytes.Buffer
	err := run(context.Background(), []string{"schedule"}, strings.NewReader(""), &out, &out, h.getenv)
	want := `awareness.schedule: "elke maandag" is geen regel zoals ‘1 maandag 09:30’ en geen cron-regel zoals ‘30 9 * * 1’.`
	if err == nil || err.Error() != want || exitCode(err) != 1 {
		t.Errorf("error = %v (exit %d), want %q", err, exitCode(err), want)
	}
}

// A bad configuration stops every command with one sentence in the
// operator's language naming the key, and exit status 1.
func TestBadConfigurationIsOneSentenceInTheOperatorsLanguage(t *testing.T) {
	tr := newTranslator(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("[meeting]\nweek = 9\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	week := map[string]any{"Key": "meeting.week", "Got": "9"}
	for _, lang := range []string{"nl", "en"} {
		for _, tc := range []struct {
			args []string
			env  map[string]string
			id   string
			data map[string]any
		}{
			{[]string{"serve"}, map[string]string{"AMBITIEBOT_CONFIG": bad}, "ConfigWeek", week},
			{[]string{"schedule", "--config", bad}, nil, "ConfigWeek", week},
			{[]string{"serve"}, map[string]string{"AMBITIEBOT_BOT_TOKEN": "bot-secret"}, "ConfigRequiredToServe",
				map[string]any{"Key": "AMBITIEBOT_MATTERMOST_URL"}},
			{[]string{"serve"}, map[string]string{"AMBITIEBOT_MATTERMOST_URL": "https://chat.example.org", "AMBITIEBOT_BOT_TOKEN": "bot-secret"},
				"ConfigRequiredToServeOr", map[string]any{"Key": "AMBITIEBOT_COMMAND_TOKEN", "Other": "AMBITIEBOT_COMMAND_TOKEN_FILE"}},
		} {
			vars := map[string]string{"AMBITIEBOT_LANG": lang, "AMBITIEBOT_DB": filepath.Join(dir, "never.db")}
			for k, v := range tc.env {
				vars[k] = v
			}
			var out bytes.Buffer
			err := run(context.Background(), tc.args, strings.NewReader(""), &out, &out,
				func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
			want := tr.T(lang, tc.id, tc.data)
			if err == nil || err.Error() != want || exitCode(err) != 1 {
				t.Errorf("%s %v: %v (exit %d), want %q", lang, tc.args, err, exitCode(err), want)
			}
			if !strings.Contains(want, tc.data["Key"].(string)) || strings.Contains(err.Error()+out.String(), "secret") {
				t.Errorf("%s %v: %q does not name the key or shows a secret", lang, tc.args, err)
			}
		}
		// serve never started, so it left no database behind.
		if _, err := os.Stat(filepath.Join(dir, "never.db")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a refused configuration still opened the database: %v", err)
		}
	}
}

// A bot that cannot start says so in the operator's language with the
// cause an administrator can act on.
func TestServeCannotStartIsLocalised(t *testing.T) {
	tr := newTranslator(t)
	vars := map[string]string{
		"AMBITIEBOT_MATTERMOST_URL": "https://chat.example.org", "AMBITIEBOT_BOT_TOKEN": "b",
		"AMBITIEBOT_COMMAND_TOKEN": "c", "AMBITIEBOT_DB": filepath.Join(t.TempDir(), "missing", "dir", "bot.db"),
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"serve"}, strings.NewReader(""), &out, &out,
		func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	prefix, _, _ := strings.Cut(tr.T("nl", "CLIServeCannotStart", map[string]any{"Reason": "|"}), "|")
	if err == nil || !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), "bot.db") || exitCode(err) != 1 {
		t.Errorf("serve with an unusable database: %v (exit %d), want %q and the path", err, exitCode(err), prefix)
	}
}
