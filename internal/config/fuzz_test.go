package config

import (
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary files to the loader: it must return a complete
// configuration or one configuration error an administrator can be shown
// in every language, never panic.
func FuzzLoad(f *testing.F) {
	f.Add(defaultsTOML)
	f.Add("[meeting]\nweek = \"last\"\nweekday = \"thursday\"\nskip_months = [7, \"augustus\"]\n")
	f.Add("[[organisations]]\nkey = \"a\"\nname = \"A\"\nkind = \"gemeente\"\nwebhook = \"https://x.example/hooks/1\"\n")
	f.Add("[working_group]\norganisation_channel = \"drenthe/{key}\"\n[organisations.emmen]\nwebhook = \"https://x.example/hooks/1\"\n")
	f.Add("organisations.assen.channel = \"drenthe/assen\"\n[[organisations]]\nkey = \"a\"\n")
	f.Fuzz(func(t *testing.T, data string) {
		c, err := load(nil, "fuzz.toml", []byte(data))
		if err != nil {
			if c != nil {
				t.Fatalf("load returned a configuration and %v", err)
			}
			userError(t, err)
			return
		}
		if err := c.Validate(false); err != nil {
			t.Fatalf("loaded config is incomplete: %v", err)
		}
		m := c.Meeting
		if (m.Week < 1 || m.Week > 5) && m.Week != -1 || m.Hour > 23 || m.Minute > 59 || m.Grace < 0 ||
			c.Limits.MaxNote < 1 || c.Limits.MaxNote > 2000 || !c.Agreement.Deadline.After(c.Agreement.SignedOn) {
			t.Fatalf("loaded config out of range: %+v", c)
		}
		for _, o := range c.Organisations.All() {
			if o.Webhook != "" && (strings.Contains(c.Redacted(), o.Webhook) || strings.Contains(RenderSettings(c.Settings(), fuzzLabels), o.Webhook)) {
				t.Fatalf("Redacted shows the webhook of %s", o.Key)
			}
		}
	})
}

// fuzzLabels stands in for a translation: the labels do not matter here.
func fuzzLabels(id string, _ map[string]any) string { return id }
