package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

const redacted = "***"

// Redacted renders the configuration in the layout of the configuration
// file, with every secret (tokens, the action secret, webhook URLs)
// replaced by "***" and an unset secret shown as "". It is what
// `ambitiebot doctor` prints.
func (c Config) Redacted() string {
	var b strings.Builder
	line := func(key string, value any) {
		var v string
		switch x := value.(type) {
		case raw:
			v = string(x)
		case string:
			v = strconv.Quote(x)
		case []string:
			q := make([]string, len(x))
			for i, s := range x {
				q[i] = strconv.Quote(s)
			}
			v = "[" + strings.Join(q, ", ") + "]"
		default:
			v = fmt.Sprint(x)
		}
		fmt.Fprintf(&b, "%s = %s\n", key, v)
	}
	// No prose here: the caller introduces the listing in the reader's
	// language; these lines are keys and values.
	line("# "+EnvConfig, c.File)
	line(EnvMattermostURL, c.MattermostURL)
	line(EnvBotToken, hide(c.BotToken))
	tokens := make([]string, len(c.CommandTokens))
	for i := range tokens {
		tokens[i] = redacted
	}
	line(EnvCommandToken, strings.Join(tokens, ","))
	line(EnvListen, c.Listen)
	line(EnvDB, c.DBPath)
	line(EnvPublicURL, c.PublicURL)
	line(EnvActionSecret, hide(c.ActionSecret))
	line(EnvMetricsToken, hide(c.MetricsToken))
	if c.Location != nil {
		line("timezone", c.Location.String())
	}

	b.WriteString("\n[working_group]\n")
	line("channel", c.WorkingGroup.Channel)
	line("project_leaders", c.WorkingGroup.ProjectLeaders)
	line("activity_feed", c.WorkingGroup.ActivityFeed)

	b.WriteString("\n[agreement]\n")
	line("signed_on", dateString(c.Agreement.SignedOn))
	line("deadline", dateString(c.Agreement.Deadline))

	m := c.Meeting
	b.WriteString("\n[meeting]\n")
	if m.Week < 0 {
		line("week", "last")
	} else {
		line("week", m.Week)
	}
	line("weekday", strings.ToLower(m.Weekday.String()))
	line("time", clockString(m.Hour, m.Minute))
	line("skip_months", monthNumbers(m.SkipMonths))
	cancelled := make([]string, len(m.Cancelled))
	for i, d := range m.Cancelled {
		cancelled[i] = d.String()
	}
	line("cancelled", cancelled)
	reminders := make([]string, len(m.Reminders))
	for i, r := range m.Reminders {
		reminders[i] = fmt.Sprintf("{ days_before = %d, at = %q }", r.DaysBefore, clockString(r.Hour, r.Minute))
	}
	line("reminders", raw("["+strings.Join(reminders, ", ")+"]"))
	line("summary_at", clockString(m.SummaryHour, m.SummaryMinute))
	line("report_months", monthNumbers(m.ReportMonths))
	line("thank_you", m.ThankYou)
	line("grace", m.Grace.String())

	b.WriteString("\n[awareness]\n")
	line("schedule", c.Awareness.Schedule)
	line("dir", c.Awareness.Dir)

	b.WriteString("\n[limits]\n")
	line("commands_per_minute", c.Limits.CommandsPerMinute)
	line("max_note", c.Limits.MaxNote)

	if c.Catalogue != nil {
		fmt.Fprintf(&b, "\n# themes = %d, ambitions = %d\n", len(c.Catalogue.Themes()), len(c.Catalogue.Ambitions()))
	}
	if c.Organisations != nil {
		for _, o := range c.Organisations.All() {
			b.WriteString("\n[[organisations]]\n")
			line("key", o.Key)
			line("name", o.Name)
			line("kind", string(o.Kind))
			line("domains", o.Domains)
			line("channel", o.Channel)
			line("webhook", hide(o.Webhook))
		}
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
