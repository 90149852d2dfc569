package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

const redacted = "***"

// Redacted renders the configuration in the layout of the configuration
// file: the values of Settings, so with every secret (tokens, the action
// secret) as "***", an unset secret as "" and a webhook URL as
// "…/hooks/••••". It is what `ambitiebot doctor -v` prints.
func (c Config) Redacted() string {
	var b strings.Builder
	// No prose here: the caller introduces the listing in the reader's
	// language; these lines are keys and values.
	fmt.Fprintf(&b, "# %s = %s\n", EnvConfig, strconv.Quote(c.File))
	last := ""
	for _, s := range c.Settings() {
		table, key := section(s.Name)
		if table != last {
			fmt.Fprintf(&b, "\n[%s]\n", table)
			last = table
		}
		if key == "themes" || key == "ambitions" {
			// The catalogue is too long to show; its size says which one it is.
			b.WriteString("# ")
		}
		fmt.Fprintf(&b, "%s = %s\n", key, s.Value)
	}
	return b.String()
}

// String is Redacted, so that printing a Config never shows a secret.
func (c Config) String() string { return c.Redacted() }

// GoString is Redacted too, for %#v.
func (c Config) GoString() string { return c.Redacted() }

func hide(secret string) string {
	if secret == "" {
		return ""
	}
	return redacted
}

func dateString(t time.Time) string { return t.Format(time.DateOnly) }

func clockString(hour, minute int) string { return fmt.Sprintf("%02d:%02d", hour, minute) }

// raw is a value already written as TOML.
type raw string

func monthNumbers(ms []time.Month) raw {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = strconv.Itoa(int(m))
	}
	return raw("[" + strings.Join(s, ", ") + "]")
}
