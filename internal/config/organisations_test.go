package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// builtIn returns the built-in organisations by key.
func builtIn(t *testing.T) map[string]ambitiebot.Organisation {
	t.Helper()
	out := map[string]ambitiebot.Organisation{}
	for _, o := range mustLoad(t, nil, "").Organisations.All() {
		out[o.Key] = o
	}
	return out
}

// sameExcept checks that c's organisations are the built-in ones, in the
// same order, except those in changed, which must equal their value
// there.
func sameExcept(t *testing.T, c *Config, changed map[string]ambitiebot.Organisation) {
	t.Helper()
	def := builtIn(t)
	if c.Organisations.Len() != len(def) {
		t.Fatalf("organisations = %d, want the %d built-in ones", c.Organisations.Len(), len(def))
	}
	for _, o := range c.Organisations.All() {
		want, ok := changed[o.Key]
		if !ok {
			want = def[o.Key]
		}
		if !reflect.DeepEqual(o, want) {
			t.Errorf("%s = %+v\nwant %+v", o.Key, o, want)
		}
	}
}

func TestOneLineChangesOneOrganisation(t *testing.T) {
	c := mustLoad(t, nil, `organisations.emmen.channel = "drenthe/gemeente-emmen"`)
	emmen := builtIn(t)["emmen"]
	emmen.Channel = "drenthe/gemeente-emmen"
	sameExcept(t, c, map[string]ambitiebot.Organisation{"emmen": emmen})

	for setting, want := range map[string]Origin{
		"organisations.emmen.channel": {Source: SourceFile},
		"organisations.emmen.name":    {Source: SourceBuiltIn},
		"organisations.emmen.domains": {Source: SourceBuiltIn},
		"organisations.assen.channel": {Source: SourceBuiltIn, Via: "working_group.organisation_channel"},
	} {
		if got := c.Origin(setting); got != want {
			t.Errorf("Origin(%s) = %+v, want %+v", setting, got, want)
		}
	}
}

func TestChangeByKey(t *testing.T) {
	const hook = "https://chat.emmen.example/hooks/abc"
	c := mustLoad(t, nil, `
[organisations.Emmen]
name = " Gemeente Emmen (Drenthe) "
domains = ["emmen.nl", "@Gemeente-Emmen.NL"]
webhook = "`+hook+`"

[organisations.hunze-en-aas]
kind = "provincie"
`)
	emmen := builtIn(t)["emmen"]
	emmen.Name, emmen.Domains, emmen.Webhook = "Gemeente Emmen (Drenthe)", []string{"emmen.nl", "gemeente-emmen.nl"}, hook
	// With a webhook the channel is not used, so the pattern gives none.
	emmen.Channel = ""
	hunze := builtIn(t)["hunze-en-aas"]
	hunze.Kind = ambitiebot.KindProvince
	sameExcept(t, c, map[string]ambitiebot.Organisation{"emmen": emmen, "hunze-en-aas": hunze})
	if o, ok := c.Organisations.ByEmail("x@gemeente-emmen.nl"); !ok || o.Key != "emmen" || o.Target() != ambitiebot.WebhookTarget("emmen") {
		t.Errorf("changed emmen = %+v", o)
	}
	if got := c.Origin("organisations.emmen.webhook"); got != (Origin{Source: SourceFile}) {
		t.Errorf("webhook origin = %+v", got)
	}
	if got := c.Origin("organisations.emmen.kind"); got != (Origin{Source: SourceBuiltIn}) {
		t.Errorf("kind origin = %+v", got)
	}
}

func TestChannelPattern(t *testing.T) {
	c := mustLoad(t, nil, `
[working_group]
organisation_channel = " drenthe/{key} "

[organisations.emmen]
channel = "emmen/town-square"
`)
	for _, o := range c.Organisations.All() {
		want := "drenthe/" + o.Key
		if o.Key == "emmen" {
			want = "emmen/town-square"
		}
		if o.Channel != want || o.Target() != ambitiebot.ChannelTarget(want) {
			t.Errorf("%s: channel %q, want %q", o.Key, o.Channel, want)
		}
	}
	pattern := Origin{Source: SourceFile, Via: "working_group.organisation_channel"}
	if got := c.Origin("organisations.assen.channel"); got != pattern {
		t.Errorf("assen channel origin = %+v, want %+v", got, pattern)
	}
	if got := c.Origin("organisations.emmen.channel"); got != (Origin{Source: SourceFile}) {
		t.Errorf("emmen channel origin = %+v, want the file itself", got)
	}

	// In a list of the file's own, an entry without a channel or webhook
	// gets the pattern; one with either keeps what it says.
	c = mustLoad(t, nil, `
[working_group]
organisation_channel = "drenthe/{key}"

[[organisations]]
key = "Emmen"
name = "Gemeente Emmen"
kind = "gemeente"

[[organisations]]
key = "assen"
name = "Gemeente Assen"
kind = "gemeente"
channel = "assen/ondermijning"

[[organisations]]
key = "rud"
name = "RUD Drenthe"
kind = "provincie"
webhook = "https://rud.example/hooks/x"
`)
	for key, want := range map[string]string{"emmen": "drenthe/emmen", "assen": "assen/ondermijning", "rud": ""} {
		if o, _ := c.Organisations.ByKey(key); o.Channel != want {
			t.Errorf("%s: channel %q, want %q", key, o.Channel, want)
		}
	}
	if got := c.Origin("organisations.assen.channel"); got != (Origin{Source: SourceFile}) {
		t.Errorf("assen channel origin = %+v", got)
	}
	if got := c.Origin("organisations.emmen.name"); got != (Origin{Source: SourceFile}) {
		t.Errorf("a listed organisation's name origin = %+v", got)
	}

	// Without a pattern an organisation falls back to <key>/town-square.
	c = mustLoad(t, nil, "[working_group]\norganisation_channel = \"\"\n")
	if o, _ := c.Organisations.ByKey("meppel"); o.Channel != "meppel/town-square" || c.Origin("organisations.meppel.channel").Source != SourceBuiltIn {
		t.Errorf("meppel without a pattern: %q %+v", o.Channel, c.Origin("organisations.meppel.channel"))
	}
}

// readmeExample finds the TOML examples of README.md marked with
// <!-- config-example: NAME -->.
var readmeExample = regexp.MustCompile("(?s)<!-- config-example: ([a-z-]+) -->\n```toml\n(.*?)```")

// The configuration layouts README.md shows load, and each reaches every
// organisation where its text says.
func TestREADMEExamples(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var builtInKeys []string
	for _, o := range mustLoad(t, nil, "").Organisations.All() {
		builtInKeys = append(builtInKeys, o.Key)
	}
	if len(builtInKeys) != 17 {
		t.Fatalf("%d built-in organisations, want the 17 signatories", len(builtInKeys))
	}
	channel := func(format string) func(string) ambitiebot.Target {
		return func(key string) ambitiebot.Target {
			return ambitiebot.ChannelTarget(strings.ReplaceAll(format, "KEY", key))
		}
	}
	want := map[string]struct {
		keys       []string                           // the organisations, in order
		exceptions map[string]ambitiebot.Target       // targets not of the rule
		rule       func(key string) ambitiebot.Target // every other target
	}{
		"reference":             {builtInKeys, nil, channel("KEY/town-square")},
		"team-per-organisation": {builtInKeys, nil, channel("KEY/town-square")},
		"one-team":              {builtInKeys, map[string]ambitiebot.Target{"provincie-drenthe": ambitiebot.ChannelTarget("drenthe/provincie")}, channel("drenthe/KEY")},
		"webhooks": {builtInKeys, map[string]ambitiebot.Target{
			"emmen": ambitiebot.WebhookTarget("emmen"), "hunze-en-aas": ambitiebot.WebhookTarget("hunze-en-aas"),
		}, channel("KEY/town-square")},
		"list":            {[]string{"emmen"}, nil, channel("KEY/town-square")},
		"catalogue":       {builtInKeys, nil, channel("KEY/town-square")},
		"representatives": {builtInKeys, nil, channel("KEY/town-square")},
		"affiliated":      {builtInKeys, nil, channel("KEY/town-square")},
	}
	found := map[string]bool{}
	for _, m := range readmeExample.FindAllStringSubmatch(string(readme), -1) {
		name, example := m[1], m[2]
		t.Run(name, func(t *testing.T) {
			if found[name] {
				t.Fatalf("two examples named %s", name)
			}
			found[name] = true
			w, ok := want[name]
			if !ok {
				t.Fatalf("no expected targets for the example %s", name)
			}
			c := mustLoad(t, nil, example)
			var keys []string
			for _, o := range c.Organisations.All() {
				keys = append(keys, o.Key)
				target, ok := w.exceptions[o.Key]
				if !ok {
					target = w.rule(o.Key)
				}
				if o.Target() != target {
					t.Errorf("%s reaches %s, want %s", o.Key, o.Target(), target)
				}
			}
			if !slices.Equal(keys, w.keys) {
				t.Errorf("organisations %v, want %v", keys, w.keys)
			}
			if name == "representatives" {
				o, _ := c.Organisations.ByKey("noorderzijlvest")
				if !slices.Equal(o.Representatives, []string{"sanne.degroot"}) || !slices.Equal(o.Contacts, []string{"bram.dijkstra"}) {
					t.Errorf("noorderzijlvest: representatives %q, contacts %q", o.Representatives, o.Contacts)
				}
			}
		})
	}
	for name := range want {
		if !found[name] {
			t.Errorf("README.md has no example %q", name)
		}
	}
}

// Representatives come from [[representatives]] and from an
// organisation's own list, merged per organisation; contacts from the
// organisation. ambitiebot config shows both where they are given.
func TestRepresentativesAndContacts(t *testing.T) {
	c := mustLoad(t, nil, `
[organisations.wdodelta]
representatives = ["@Sanne", "kees"]
contacts = ["Bram"]

[[representatives]]
username = "sanne"
organisations = ["hunze-en-aas", "WDODelta", "vechtstromen", "noorderzijlvest"]
`)
	want := map[string][]string{
		"hunze-en-aas": {"sanne"}, "wdodelta": {"sanne", "kees"}, "vechtstromen": {"sanne"}, "noorderzijlvest": {"sanne"}, "emmen": nil,
	}
	for key, reps := range want {
		o, _ := c.Organisations.ByKey(key)
		if !slices.Equal(o.Representatives, reps) {
			t.Errorf("%s representatives = %q, want %q", key, o.Representatives, reps)
		}
	}
	if o, _ := c.Organisations.ByKey("wdodelta"); !slices.Equal(o.Contacts, []string{"bram"}) {
		t.Errorf("contacts = %q", o.Contacts)
	}
	if got := c.Origin("organisations.hunze-en-aas.representatives"); got != (Origin{Source: SourceFile, Via: "representatives"}) {
		t.Errorf("origin = %+v", got)
	}
	shown := map[string]string{}
	for _, s := range c.Settings() {
		shown[s.Name] = s.Value
	}
	if shown["organisations.wdodelta.representatives"] != `["sanne", "kees"]` || shown["organisations.wdodelta.contacts"] != `["bram"]` {
		t.Errorf("config shows %q and %q", shown["organisations.wdodelta.representatives"], shown["organisations.wdodelta.contacts"])
	}
	if _, ok := shown["organisations.emmen.representatives"]; ok {
		t.Error("an organisation without representatives shows an empty list")
	}
}

// A table for a new key with kind = "aangesloten" adds an affiliated
// organisation beside the 17 parties; without that kind a new key is
// still refused, so that a typo does not add an organisation.
func TestAddAffiliatedByKey(t *testing.T) {
	c := mustLoad(t, nil, `
[organisations.riec]
name = "RIEC Noord-Nederland"
kind = "aangesloten"
webhook = "https://chat.riec.example/hooks/zzzzzzzzzzzzzzzzzzzzzzzzzz"

[organisations.rud-drenthe]
name = "RUD Drenthe"
kind = "Aangesloten"
domains = ["rud-drenthe.nl"]
`)
	sameExcept(t, c, nil)
	aff := c.Organisations.Affiliated()
	if len(aff) != 2 || aff[0].Key != "riec" || aff[0].Target() != ambitiebot.WebhookTarget("riec") ||
		aff[1].Key != "rud-drenthe" || aff[1].Channel != "rud-drenthe/town-square" || aff[1].Kind != ambitiebot.KindAffiliated {
		t.Errorf("affiliated = %+v", aff)
	}
	if got := c.Origin("organisations.riec.kind"); got != (Origin{Source: SourceFile}) {
		t.Errorf("kind origin = %+v", got)
	}
	if got := c.Origin("organisations.rud-drenthe.channel"); got.Via != "working_group.organisation_channel" {
		t.Errorf("channel origin = %+v", got)
	}
	if len(c.Organisations.Recipients()) != 19 {
		t.Errorf("%d recipients, want 17 parties and 2 affiliated", len(c.Organisations.Recipients()))
	}
	for _, file := range []string{
		"[organisations.riec]\nname = \"RIEC\"\nkind = \"gemeente\"",
		"[organisations.riec]\nname = \"RIEC\"",
	} {
		if id := loadErrID(t, file); id != "ConfigOrgUnknown" {
			t.Errorf("%q: %s, want ConfigOrgUnknown", file, id)
		}
	}
	if id := loadErrID(t, "[organisations.riec]\nkind = \"aangesloten\""); id != "ConfigMissing" {
		t.Errorf("affiliated without a name: %s", id)
	}
}

// loadErrID loads a file and returns the message id of its error.
func loadErrID(t *testing.T, toml string) string {
	t.Helper()
	_, err := Load(env(nil), writeFile(t, "ambitiebot.toml", toml))
	var e *ambitiebot.Error
	if !errors.As(err, &e) {
		return fmt.Sprint(err)
	}
	return e.MessageID
}
