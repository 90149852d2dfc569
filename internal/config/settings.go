package config

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Source is where a setting's value came from.
type Source int

// The sources, from the weakest to the strongest.
const (
	SourceBuiltIn     Source = iota // the embedded defaults, or a value derived from them
	SourceFile                      // the configuration file
	SourceEnvironment               // an AMBITIEBOT_* variable
)

// Origin says where a setting's value came from and, when another key or
// variable gave it (working_group.organisation_channel for an
// organisation's channel, AMBITIEBOT_BOT_TOKEN_FILE for the bot token),
// which.
type Origin struct {
	Source Source
	Via    string
}

// Origin returns where the setting named as in Settings came from.
func (c *Config) Origin(setting string) Origin {
	if o, ok := c.origins[setting]; ok {
		return o
	}
	if c.fileKeys[setting] {
		return Origin{Source: SourceFile}
	}
	return Origin{Source: SourceBuiltIn}
}

func (c *Config) setOrigin(setting string, o Origin) {
	if c.origins == nil {
		c.origins = map[string]Origin{}
	}
	c.origins[setting] = o
}

// Setting is one value of the effective configuration.
type Setting struct {
	Name   string // the file's key (meeting.week, organisations.emmen.channel) or the environment variable
	Value  string // written as in TOML; a secret as "***", a webhook URL as "…/hooks/••••"
	Origin Origin
}

// webhookShown stands for an organisation's webhook URL, a secret.
const webhookShown = "…/hooks/••••"

// Settings lists the effective configuration: the environment's settings,
// then the file's keys section by section, the size of the catalogue, and
// every organisation's values, each with where it came from. No secret is
// in it.
func (c *Config) Settings() []Setting {
	var out []Setting
	add := func(name string, value any) {
		out = append(out, Setting{Name: name, Value: tomlValue(value), Origin: c.Origin(name)})
	}
	add(EnvMattermostURL, c.MattermostURL)
	add(EnvBotToken, hide(c.BotToken))
	tokens := make([]string, len(c.CommandTokens))
	for i := range tokens {
		tokens[i] = redacted
	}
	add(EnvCommandToken, strings.Join(tokens, ","))
	add(EnvListen, c.Listen)
	add(EnvDB, c.DBPath)
	add(EnvPublicURL, c.PublicURL)
	add(EnvActionSecret, hide(c.ActionSecret))
	add(EnvMetricsToken, hide(c.MetricsToken))
	if c.Location != nil {
		add("timezone", c.Location.String())
	}
	if c.Catalogue != nil {
		add("themes", len(c.Catalogue.Themes()))
		add("ambitions", len(c.Catalogue.Ambitions()))
	}

	add("working_group.channel", c.WorkingGroup.Channel)
	add("working_group.project_leaders", c.WorkingGroup.ProjectLeaders)
	add("working_group.project_leaders_domains", c.WorkingGroup.ProjectLeadersDomains)
	add("working_group.trust_unverified_email", c.WorkingGroup.TrustUnverifiedEmail)
	add("working_group.activity_feed", c.WorkingGroup.ActivityFeed)
	add("working_group.organisation_channel", c.WorkingGroup.OrganisationChannel)

	add("agreement.signed_on", dateString(c.Agreement.SignedOn))
	add("agreement.deadline", dateString(c.Agreement.Deadline))

	m := c.Meeting
	if m.Week < 0 {
		add("meeting.week", "last")
	} else {
		add("meeting.week", m.Week)
	}
	add("meeting.weekday", strings.ToLower(m.Weekday.String()))
	add("meeting.time", clockString(m.Hour, m.Minute))
	add("meeting.skip_months", monthNumbers(m.SkipMonths))
	cancelled := make([]string, len(m.Cancelled))
	for i, d := range m.Cancelled {
		cancelled[i] = d.String()
	}
	add("meeting.cancelled", cancelled)
	reminders := make([]string, len(m.Reminders))
	for i, r := range m.Reminders {
		reminders[i] = fmt.Sprintf("{ days_before = %d, at = %q }", r.DaysBefore, clockString(r.Hour, r.Minute))
	}
	add("meeting.reminders", raw("["+strings.Join(reminders, ", ")+"]"))
	add("meeting.summary_at", clockString(m.SummaryHour, m.SummaryMinute))
	add("meeting.report_months", monthNumbers(m.ReportMonths))
	add("meeting.thank_you", m.ThankYou)
	add("meeting.grace", m.Grace.String())

	add("report.recipients", c.Report.Recipients)
	dates := make([]string, len(m.ReportDates))
	for i, d := range m.ReportDates {
		dates[i] = d.String()
	}
	add("report.dates", dates)

	add("awareness.schedule", c.Awareness.Schedule)
	add("awareness.dir", c.Awareness.Dir)

	add("limits.commands_per_minute", c.Limits.CommandsPerMinute)
	add("limits.max_note", c.Limits.MaxNote)

	if c.Organisations != nil {
		for _, o := range c.Organisations.Recipients() {
			add(orgSetting(o.Key, "name"), o.Name)
			add(orgSetting(o.Key, "kind"), string(o.Kind))
			add(orgSetting(o.Key, "domains"), o.Domains)
			add(orgSetting(o.Key, "channel"), o.Channel)
			webhook := ""
			if o.Webhook != "" {
				webhook = webhookShown
			}
			add(orgSetting(o.Key, "webhook"), webhook)
			// Shown only when given, as most organisations have none.
			if len(o.Representatives) > 0 {
				add(orgSetting(o.Key, "representatives"), o.Representatives)
			}
			if len(o.Contacts) > 0 {
				add(orgSetting(o.Key, "contacts"), o.Contacts)
			}
		}
	}
	return out
}

// tomlValue writes a value as TOML does; a raw value is already TOML.
func tomlValue(value any) string {
	switch x := value.(type) {
	case raw:
		return string(x)
	case string:
		return strconv.Quote(x)
	case []string:
		q := make([]string, len(x))
		for i, s := range x {
			q[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	return fmt.Sprint(value)
}

// section is the table a setting belongs to: "meeting" for meeting.week,
// "organisations.emmen" for organisations.emmen.channel, "" for a
// variable or a top-level key. key is the rest.
func section(name string) (table, key string) {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[:i], name[i+1:]
	}
	return "", name
}

// alignedValue is the widest value the value column makes room for; a
// longer one (meeting.reminders) pushes its own origin along instead of
// every line's.
const alignedValue = 40

// RenderSettings writes settings as a table with a column for the name,
// the value and the origin, and a blank line between sections. t renders
// the labels (the Settings... sentences of locales/) in the reader's
// language; a command-line console's translate function fits.
func RenderSettings(settings []Setting, t func(id string, data map[string]any) string) string {
	header := [3]string{t("SettingsColumnName", nil), t("SettingsColumnValue", nil), t("SettingsColumnOrigin", nil)}
	sources := map[Source]string{
		SourceBuiltIn:     t("SettingsOriginBuiltIn", nil),
		SourceFile:        t("SettingsOriginFile", nil),
		SourceEnvironment: t("SettingsOriginEnvironment", nil),
	}
	rows := make([][3]string, len(settings))
	width := [2]int{utf8.RuneCountInString(header[0]), utf8.RuneCountInString(header[1])}
	for i, s := range settings {
		origin := sources[s.Origin.Source]
		if s.Origin.Via != "" {
			origin = t("SettingsOriginVia", map[string]any{"Origin": origin, "Via": s.Origin.Via})
		}
		rows[i] = [3]string{s.Name, s.Value, origin}
		width[0] = max(width[0], utf8.RuneCountInString(s.Name))
		if n := utf8.RuneCountInString(s.Value); n <= alignedValue {
			width[1] = max(width[1], n)
		}
	}
	var b strings.Builder
	line := func(r [3]string) {
		for j := range width {
			b.WriteString(r[j])
			b.WriteString(strings.Repeat(" ", max(width[j]-utf8.RuneCountInString(r[j]), 0)+2))
		}
		b.WriteString(r[2])
		b.WriteByte('\n')
	}
	line(header)
	last := ""
	for i, r := range rows {
		if table, _ := section(settings[i].Name); table != last {
			b.WriteByte('\n')
			last = table
		}
		line(r)
	}
	return b.String()
}
