package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/calendar"
	"github.com/drentse-aanpak/ambitiebot/internal/testkit"
	"github.com/drentse-aanpak/ambitiebot/locales"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustLoad(t *testing.T, vars map[string]string, toml string) *Config {
	t.Helper()
	file := ""
	if toml != "" {
		file = writeFile(t, "ambitiebot.toml", toml)
	}
	c, err := Load(env(vars), file)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func TestDefaults(t *testing.T) {
	c := mustLoad(t, nil, "")
	if err := c.Validate(false); err != nil {
		t.Fatalf("Validate(false): %v", err)
	}

	if n := c.Organisations.Len(); n != 17 {
		t.Errorf("organisations = %d, want 17", n)
	}
	kinds := map[ambitiebot.OrgKind]int{}
	for _, o := range c.Organisations.All() {
		kinds[o.Kind]++
		if o.Channel != o.Key+"/town-square" || o.Webhook != "" {
			t.Errorf("%s: channel %q webhook %q, want %s/town-square and none", o.Key, o.Channel, o.Webhook, o.Key)
		}
	}
	if kinds[ambitiebot.KindMunicipality] != 12 || kinds[ambitiebot.KindProvince] != 1 || kinds[ambitiebot.KindWaterBoard] != 4 {
		t.Errorf("kinds = %v, want 12 gemeenten, 1 provincie, 4 waterschappen", kinds)
	}
	for email, want := range map[string]string{
		"jan@gemeentenoordenveld.nl": "noordenveld",
		"griffie@noordenveld.nl":     "noordenveld",
		"a@Hunzeenaas.NL":            "hunze-en-aas",
		"b@drenthe.nl":               "provincie-drenthe",
		"c@borger-odoorn.nl":         "borger-odoorn",
	} {
		if o, ok := c.Organisations.ByEmail(email); !ok || o.Key != want {
			t.Errorf("ByEmail(%s) = %q, %v; want %s", email, o.Key, ok, want)
		}
	}
	if o, _ := c.Organisations.ByKey("hunze-en-aas"); o.Name != "Waterschap Hunze en Aa's" {
		t.Errorf("hunze-en-aas name = %q", o.Name)
	}

	cat := c.Catalogue
	if len(cat.Themes()) != 5 || len(cat.Ambitions()) != 28 {
		t.Fatalf("catalogue = %d themes, %d ambitions; want 5, 28", len(cat.Themes()), len(cat.Ambitions()))
	}
	if th, _ := cat.Theme(3); th.Name != "Wet- en regelgeving, beleid en handhaving" || th.NameEN == "" {
		t.Errorf("theme 3 = %+v", th)
	}
	for kind, want := range map[ambitiebot.OrgKind]int{
		ambitiebot.KindMunicipality: 27, ambitiebot.KindProvince: 19, ambitiebot.KindWaterBoard: 19,
	} {
		if got := len(cat.ForKind(kind)); got != want {
			t.Errorf("ForKind(%s) = %d ambitions, want %d", kind, got, want)
		}
	}
	municipalOnly := []string{"1.2", "1.3", "2.3", "2.4", "3.1", "3.3", "3.6", "3.7", "3.8"}
	for _, a := range cat.Ambitions() {
		var want []ambitiebot.OrgKind
		switch {
		case slices.Contains(municipalOnly, a.ID):
			want = []ambitiebot.OrgKind{ambitiebot.KindMunicipality}
		case a.ID == "3.4":
			want = []ambitiebot.OrgKind{ambitiebot.KindProvince, ambitiebot.KindWaterBoard}
		default:
			want = []ambitiebot.OrgKind{ambitiebot.KindMunicipality, ambitiebot.KindProvince, ambitiebot.KindWaterBoard}
		}
		if !slices.Equal(a.AppliesTo, want) {
			t.Errorf("%s applies to %v, want %v", a.ID, a.AppliesTo, want)
		}
		if a.TextEN == "" || strings.ContainsAny(a.Text, "¹²³⁴⁵⁶") {
			t.Errorf("%s: missing English text or a footnote mark in %q", a.ID, a.Text)
		}
		// The agreement's OCR spelt "ondermijning" as "ondernijning"/"ondernijming".
		if l := strings.ToLower(a.Text); strings.Contains(l, "ondernij") {
			t.Errorf("%s keeps the OCR misspelling: %q", a.ID, a.Text)
		}
	}
	if a, _ := cat.Ambition("3.4"); a.AppliesToKind(ambitiebot.KindMunicipality) {
		t.Error("3.4 applies to municipalities")
	}
	a31, _ := cat.Ambition("3.1")
	a310, ok := cat.Ambition("3.10")
	if !ok || a31.Text == a310.Text || !strings.HasPrefix(a310.Text, "Partijen werken") {
		t.Errorf("3.10 = %q, not distinct from 3.1 = %q", a310.Text, a31.Text)
	}
	if a, _ := cat.Ambition("1.3"); !strings.HasPrefix(a.Text, "Ondermijning is een vast onderdeel") {
		t.Errorf("1.3 = %q", a.Text)
	}

	amsterdam, _ := time.LoadLocation("Europe/Amsterdam")
	want := Config{
		Listen:       ":8080",
		DBPath:       "ambitiebot.db",
		WorkingGroup: WorkingGroup{Channel: "drenthe/werkgroep-ondermijning", ActivityFeed: true},
		Agreement: Agreement{
			SignedOn: time.Date(2024, 2, 2, 0, 0, 0, 0, amsterdam),
			Deadline: time.Date(2026, 2, 2, 0, 0, 0, 0, amsterdam),
		},
		Meeting: Meeting{
			MeetingConfig: calendar.MeetingConfig{
				Week: 3, Weekday: time.Tuesday, Hour: 10, Minute: 0,
				Reminders:   []calendar.Reminder{{DaysBefore: 7, Hour: 9}, {DaysBefore: 1, Hour: 9}},
				SummaryHour: 8, SummaryMinute: 30,
				ReportMonths: []time.Month{time.June, time.December},
			},
			ThankYou: true,
			Grace:    12 * time.Hour,
		},
		Awareness: Awareness{Schedule: "1 monday 09:30"},
		Limits:    Limits{CommandsPerMinute: 30, MaxNote: 500},
	}
	if c.Location.String() != "Europe/Amsterdam" {
		t.Errorf("Location = %s", c.Location)
	}
	if c.Listen != want.Listen || c.DBPath != want.DBPath || c.MattermostURL != "" || c.BotToken != "" || len(c.CommandTokens) != 0 {
		t.Errorf("server settings = %q %q %q", c.Listen, c.DBPath, c.MattermostURL)
	}
	if !slices.Equal(c.WorkingGroup.ProjectLeaders, nil) || c.WorkingGroup.Channel != want.WorkingGroup.Channel || !c.WorkingGroup.ActivityFeed {
		t.Errorf("WorkingGroup = %+v", c.WorkingGroup)
	}
	if !c.Agreement.SignedOn.Equal(want.Agreement.SignedOn) || !c.Agreement.Deadline.Equal(want.Agreement.Deadline) {
		t.Errorf("Agreement = %+v", c.Agreement)
	}
	checkMeeting(t, c.Meeting, want.Meeting)
	if c.Awareness != want.Awareness || c.Limits != want.Limits {
		t.Errorf("Awareness = %+v, Limits = %+v", c.Awareness, c.Limits)
	}
}

func checkMeeting(t *testing.T, got, want Meeting) {
	t.Helper()
	same := got.Week == want.Week && got.Weekday == want.Weekday && got.Hour == want.Hour &&
		got.Minute == want.Minute && slices.Equal(got.SkipMonths, want.SkipMonths) &&
		slices.Equal(got.Cancelled, want.Cancelled) &&
		slices.Equal(got.Reminders, want.Reminders) && got.SummaryHour == want.SummaryHour &&
		got.SummaryMinute == want.SummaryMinute && slices.Equal(got.ReportMonths, want.ReportMonths) &&
		got.ThankYou == want.ThankYou && got.Grace == want.Grace
	if !same {
		t.Errorf("Meeting = %+v\nwant      %+v", got, want)
	}
}

func TestFileSettings(t *testing.T) {
	c := mustLoad(t, nil, `
timezone = "Europe/London"

[working_group]
channel = "team-a/werkgroep"
project_leaders = ["@Jan.Smit", "piet", "jan.smit"]
activity_feed = false

[agreement]
signed_on = "2024-03-01"
deadline = 2026-06-30

[meeting]
week = "last"
weekday = "Donderdag"
time = "14:15"
skip_months = [7, "augustus", "July"]
cancelled = [2025-12-16, "2025-03-18"]
summary_at = "7:05"
report_months = ["juni", 12]
thank_you = false
grace = "90m"

[[meeting.reminders]]
days_before = 0
at = "09:00"

[awareness]
schedule = "30 9 * * 1"

[limits]
commands_per_minute = 5
max_note = 2000
`)
	london, _ := time.LoadLocation("Europe/London")
	if c.Location.String() != "Europe/London" {
		t.Errorf("Location = %s", c.Location)
	}
	if c.WorkingGroup.Channel != "team-a/werkgroep" || c.WorkingGroup.ActivityFeed ||
		!slices.Equal(c.WorkingGroup.ProjectLeaders, []string{"jan.smit", "piet"}) {
		t.Errorf("WorkingGroup = %+v", c.WorkingGroup)
	}
	if !c.Agreement.SignedOn.Equal(time.Date(2024, 3, 1, 0, 0, 0, 0, london)) ||
		!c.Agreement.Deadline.Equal(time.Date(2026, 6, 30, 0, 0, 0, 0, london)) {
		t.Errorf("Agreement = %+v", c.Agreement)
	}
	checkMeeting(t, c.Meeting, Meeting{
		MeetingConfig: calendar.MeetingConfig{
			Week: -1, Weekday: time.Thursday, Hour: 14, Minute: 15,
			SkipMonths:    []time.Month{time.July, time.August},
			Cancelled:     []calendar.Date{{Year: 2025, Month: time.March, Day: 18}, {Year: 2025, Month: time.December, Day: 16}},
			Reminders:     []calendar.Reminder{{DaysBefore: 0, Hour: 9}},
			SummaryHour:   7,
			SummaryMinute: 5,
			ReportMonths:  []time.Month{time.June, time.December},
		},
		Grace: 90 * time.Minute,
	})
	if c.Awareness.Schedule != "30 9 * * 1" || c.Limits != (Limits{CommandsPerMinute: 5, MaxNote: 2000}) {
		t.Errorf("Awareness = %+v, Limits = %+v", c.Awareness, c.Limits)
	}
	if c.Organisations.Len() != 17 || len(c.Catalogue.Ambitions()) != 28 {
		t.Error("a file without [[organisations]] or [[ambitions]] must keep the defaults")
	}
}

func TestFileListsReplaceDefaults(t *testing.T) {
	c := mustLoad(t, nil, "[meeting]\nreminders = []\nreport_months = []\n")
	if len(c.Meeting.Reminders) != 0 || len(c.Meeting.ReportMonths) != 0 {
		t.Errorf("empty lists kept defaults: %+v", c.Meeting)
	}
	// A single entry must not inherit fields of the first default entry.
	c = mustLoad(t, nil, "[[meeting.reminders]]\ndays_before = 3\nat = \"16:00\"\n")
	if !slices.Equal(c.Meeting.Reminders, []calendar.Reminder{{DaysBefore: 3, Hour: 16}}) {
		t.Errorf("Reminders = %+v", c.Meeting.Reminders)
	}
	if c.Meeting.Week != 3 || c.Meeting.SummaryHour != 8 {
		t.Errorf("settings the file leaves out lost their defaults: %+v", c.Meeting)
	}
}

func TestEnvironmentWinsOverFile(t *testing.T) {
	c := mustLoad(t, map[string]string{
		EnvTimezone:      "America/New_York",
		EnvMattermostURL: "https://chat.example.org/",
		EnvPublicURL:     " http://bot.internal:8080/ ",
		EnvListen:        "127.0.0.1:9000",
		EnvDB:            "/data/ambitiebot.db",
	}, `timezone = "Europe/London"`)
	if c.Location.String() != "America/New_York" {
		t.Errorf("Location = %s, want the environment's America/New_York", c.Location)
	}
	if c.Agreement.SignedOn.Location().String() != "America/New_York" {
		t.Errorf("dates are in %s, want the effective time zone", c.Agreement.SignedOn.Location())
	}
	if c.MattermostURL != "https://chat.example.org" || c.PublicURL != "http://bot.internal:8080" ||
		c.Listen != "127.0.0.1:9000" || c.DBPath != "/data/ambitiebot.db" {
		t.Errorf("environment settings = %q %q %q %q", c.MattermostURL, c.PublicURL, c.Listen, c.DBPath)
	}
	c = mustLoad(t, map[string]string{EnvTimezone: "  "}, `timezone = "Europe/London"`)
	if c.Location.String() != "Europe/London" {
		t.Errorf("a blank %s must not override the file, got %s", EnvTimezone, c.Location)
	}
}

func TestSecretsFromFiles(t *testing.T) {
	botFile := writeFile(t, "bot", "  bot-token-123\n")
	tokenFile := writeFile(t, "tokens", "tok-c\ntok-d,tok-a\n\n")
	secretFile := writeFile(t, "secret", strings.Repeat("s", 40)+"\n")
	metricsFile := writeFile(t, "metrics", "scrape-me\n")
	c := mustLoad(t, map[string]string{
		EnvBotTokenFile:     botFile,
		EnvCommandToken:     "tok-a, tok-b,",
		EnvCommandTokenFile: tokenFile,
		EnvActionSecretFile: secretFile,
		EnvMetricsTokenFile: metricsFile,
	}, "")
	if c.BotToken != "bot-token-123" {
		t.Errorf("BotToken = %q", c.BotToken)
	}
	if !slices.Equal(c.CommandTokens, []string{"tok-a", "tok-b", "tok-c", "tok-d"}) {
		t.Errorf("CommandTokens = %q", c.CommandTokens)
	}
	if c.ActionSecret != strings.Repeat("s", 40) {
		t.Errorf("ActionSecret not read from its file")
	}
	if c.MetricsToken != "scrape-me" {
		t.Errorf("MetricsToken = %q, want it read from its file", c.MetricsToken)
	}
	if e, _ := userError(t, c.Validate(true)); e.Data["Key"] != EnvMattermostURL {
		t.Errorf("Validate(true) without URL = %v", e)
	}
	c.MattermostURL = "https://chat.example.org"
	if err := c.Validate(true); err != nil {
		t.Errorf("Validate(true) = %v", err)
	}
}

func TestValidate(t *testing.T) {
	base := mustLoad(t, map[string]string{EnvMattermostURL: "https://chat.example.org", EnvBotToken: "b", EnvCommandToken: "c"}, "")
	if err := base.Validate(true); err != nil {
		t.Fatalf("complete config: %v", err)
	}
	cli := *base
	cli.MattermostURL, cli.BotToken, cli.CommandTokens = "", "", nil
	if err := cli.Validate(false); err != nil {
		t.Errorf("Validate(false) needs no server settings, got %v", err)
	}
}

// badCase is a configuration that must be refused: Load must fail, or,
// with edit, the loaded configuration edited must fail Validate(true).
type badCase struct {
	name string
	env  map[string]string
	file string
	edit func(*Config)
	id   string // the sentence
	key  string // the key it names
}

const badSecret = "s3cr3t-value"

func badCases() []badCase {
	serve := map[string]string{EnvMattermostURL: "https://chat.example.org", EnvBotToken: "b", EnvCommandToken: "c"}
	org := "[[organisations]]\nkey = \"a\"\nname = \"A\"\nkind = \"gemeente\"\n"
	return []badCase{
		{"week number", nil, "[meeting]\nweek = 7", nil, "ConfigWeek", "meeting.week"},
		{"week word", nil, "[meeting]\nweek = \"first\"", nil, "ConfigWeek", "meeting.week"},
		{"weekday", nil, "[meeting]\nweekday = \"dinsdagg\"", nil, "ConfigWeekday", "meeting.weekday"},
		{"time", nil, "[meeting]\ntime = \"25:00\"", nil, "ConfigClock", "meeting.time"},
		{"skip month", nil, "[meeting]\nskip_months = [13]", nil, "ConfigMonths", "meeting.skip_months"},
		{"skip every month", nil, "[meeting]\nskip_months = [1,2,3,4,5,6,7,8,9,10,11,12]", nil, "ConfigSkipsEveryMonth", "meeting.skip_months"},
		{"cancelled", nil, "[meeting]\ncancelled = [\"2025-13-01\"]", nil, "ConfigDate", "meeting.cancelled"},
		{"cancelled time", nil, "[meeting]\ncancelled = [10:00:00]", nil, "ConfigDate", "meeting.cancelled"},
		{"reminder days", nil, "[[meeting.reminders]]\ndays_before = -1\nat = \"09:00\"", nil, "ConfigRange", "meeting.reminders.days_before"},
		{"reminder at", nil, "[[meeting.reminders]]\ndays_before = 1\nat = \"9am\"", nil, "ConfigClock", "meeting.reminders.at"},
		{"reminder after meeting", nil, "[[meeting.reminders]]\ndays_before = 0\nat = \"11:00\"", nil, "ConfigReminderAfterMeeting", "meeting.reminders.at"},
		{"summary", nil, "[meeting]\nsummary_at = \"8.30\"", nil, "ConfigClock", "meeting.summary_at"},
		{"report month", nil, "[meeting]\nreport_months = [\"juny\"]", nil, "ConfigMonths", "meeting.report_months"},
		{"grace", nil, "[meeting]\ngrace = \"twelve hours\"", nil, "ConfigDuration", "meeting.grace"},
		{"negative grace", nil, "[meeting]\ngrace = \"-1h\"", nil, "ConfigDuration", "meeting.grace"},
		{"thank you type", nil, "[meeting]\nthank_you = \"ja\"", nil, "ConfigType", "meeting.thank_you"},
		{"reminders type", nil, "[meeting]\nreminders = [1]", nil, "ConfigType", "meeting.reminders"},
		{"signed on", nil, "[agreement]\nsigned_on = \"2-2-2024\"", nil, "ConfigDate", "agreement.signed_on"},
		{"deadline before", nil, "[agreement]\ndeadline = 2023-01-01", nil, "ConfigDeadline", "agreement.deadline"},
		{"timezone", nil, "timezone = \"Mars/Olympus\"", nil, "ConfigTimezone", "timezone"},
		{"timezone empty", nil, "timezone = \"\"", nil, "ConfigTimezone", "timezone"},
		{"channel", nil, "[working_group]\nchannel = \"werkgroep\"", nil, "ConfigChannel", "working_group.channel"},
		{"project leader", nil, "[working_group]\nproject_leaders = [\"jan smit\"]", nil, "ConfigUsername", "working_group.project_leaders"},
		{"report recipient", nil, "[report]\nrecipients = [\"burgemeester emmen\"]", nil, "ConfigUsername", "report.recipients"},
		{"report date", nil, "[report]\ndates = [\"06-31\"]", nil, "ConfigReportDate", "report.dates"},
		{"report date 29 February", nil, "[report]\ndates = [\"06-15\", \"02-29\"]", nil, "ConfigReportDate", "report.dates"},
		{"report date with year", nil, "[report]\ndates = [\"2026-06-15\"]", nil, "ConfigReportDate", "report.dates"},
		{"report dates type", nil, "[report]\ndates = [615]", nil, "ConfigType", "report.dates"},
		{"schedule", nil, "[awareness]\nschedule = \" \"", nil, "ConfigEmpty", "awareness.schedule"},
		{"schedule rule", nil, "[awareness]\nschedule = \"elke maandag\"", nil, "ConfigSchedule", "awareness.schedule"},
		{"schedule cron", nil, "[awareness]\nschedule = \"61 9 * * 1\"", nil, "ConfigSchedule", "awareness.schedule"},
		{"dir", nil, "[awareness]\ndir = \"/nonexistent/ambitiebot\"", nil, "ConfigNotDir", "awareness.dir"},
		{"rate", nil, "[limits]\ncommands_per_minute = 0", nil, "ConfigAtLeast", "limits.commands_per_minute"},
		{"note", nil, "[limits]\nmax_note = 2001", nil, "ConfigRange", "limits.max_note"},
		{"note type", nil, "[limits]\nmax_note = \"veel\"", nil, "ConfigType", "limits.max_note"},
		{"unknown key", nil, "[meeting]\nwek = 3", nil, "ConfigUnknownKey", "meeting.wek"},
		{"unknown keys", nil, "[meeting]\nwek = 3\ndag = 2", nil, "ConfigUnknownKeys", "meeting.wek, meeting.dag"},
		{"unknown top key", nil, "mattermost_url = \"x\"", nil, "ConfigUnknownKey", "mattermost_url"},
		{"unknown org key", nil, org + "email = \"x\"", nil, "ConfigUnknownKey", "organisations.email"},
		{"syntax", nil, "week = 3\n[meeting", nil, "ConfigTOML", ""},
		{"out of range", nil, "[limits]\nmax_note = 99999999999999999999", nil, "ConfigTOML", "limits.max_note"},
		{"webhook syntax", nil, org + "webhook = https://x.example/hooks/" + badSecret, nil, "ConfigTOML", "organisations.webhook"},
		{"themes empty", nil, "themes = []", nil, "ConfigListEmpty", "themes"},
		{"ambitions empty", nil, "ambitions = []", nil, "ConfigListEmpty", "ambitions"},
		{"theme number", nil, "[[themes]]\nnumber = 0\nname = \"x\"", nil, "ConfigAtLeast", "themes.number"},
		{"theme name", nil, "[[themes]]\nnumber = 1", nil, "ConfigMissing", "themes.name"},
		{"theme twice", nil, "[[themes]]\nnumber = 1\nname = \"x\"\n[[themes]]\nnumber = 1\nname = \"y\"", nil, "ConfigDuplicate", "themes.number"},
		{"dropped theme", nil, "[[themes]]\nnumber = 1\nname = \"Samenwerking\"", nil, "ConfigAmbitionTheme", "ambitions.id"},
		{"ambition id", nil, "[[ambitions]]\nid = \"3\"\ntext = \"x\"\napplies_to = [\"gemeente\"]", nil, "ConfigAmbitionID", "ambitions.id"},
		{"ambition id number", nil, "[[ambitions]]\nid = 3.10\ntext = \"x\"\napplies_to = [\"gemeente\"]", nil, "ConfigType", "ambitions.id"},
		{"ambition text", nil, "[[ambitions]]\nid = \"1.1\"\napplies_to = [\"gemeente\"]", nil, "ConfigMissing", "ambitions.text"},
		{"ambition nobody", nil, "[[ambitions]]\nid = \"1.1\"\ntext = \"x\"", nil, "ConfigMissing", "ambitions.applies_to"},
		{"ambition kind", nil, "[[ambitions]]\nid = \"1.1\"\ntext = \"x\"\napplies_to = [\"gemeentes\"]", nil, "ConfigKind", "ambitions.applies_to"},
		{"ambition twice", nil, "[[ambitions]]\nid = \"1.1\"\ntext = \"x\"\napplies_to = [\"gemeente\"]\n[[ambitions]]\nid = \"1.1\"\ntext = \"y\"\napplies_to = [\"gemeente\"]", nil, "ConfigDuplicate", "ambitions.id"},
		{"ambition theme", nil, "[[ambitions]]\nid = \"1.1\"\ntheme = 2\ntext = \"x\"\napplies_to = [\"gemeente\"]", nil, "ConfigAmbitionThemeMismatch", "ambitions.theme"},
		{"empty note", nil, "[ambitions.\"3.2\"]\nnotes = [\" \"]", nil, "ConfigNoteEmpty", "ambitions.notes"},
		{"notes count", nil, "[ambitions.\"3.2\"]\nnotes = [\"a\", \"b\"]\nnotes_en = [\"a\"]", nil, "ConfigNotesCount", "ambitions.notes_en"},
		{"added ambition without text", nil, "[ambitions.\"5.3\"]\napplies_to = [\"gemeente\"]", nil, "ConfigMissing", "ambitions.text"},
		{"added ambition of no theme", nil, "[ambitions.\"6.1\"]\ntext = \"x\"\napplies_to = [\"gemeente\"]", nil, "ConfigAmbitionTheme", "ambitions.id"},
		{"added ambition id", nil, "[ambitions.\"5.03\"]\ntext = \"x\"\napplies_to = [\"gemeente\"]", nil, "ConfigAmbitionID", "ambitions.5.03"},
		{"ambition key unquoted", nil, "[ambitions.5.3]\ntext = \"x\"", nil, "ConfigAmbitionKeyQuotes", "ambitions.5.3"},
		{"ambition change unknown key", nil, "[ambitions.\"3.2\"]\ntekst = \"x\"", nil, "ConfigUnknownKey", `ambitions."3.2".tekst`},
		{"theme key", nil, "[themes.zes]\nname = \"x\"", nil, "ConfigThemeKey", "themes.zes"},
		{"theme key zero", nil, "[themes.0]\nname = \"x\"", nil, "ConfigThemeKey", "themes.0"},
		{"theme key twice", nil, "[themes.6]\nname = \"x\"\n[themes.06]\nname = \"y\"", nil, "ConfigDuplicate", "themes"},
		{"added theme without name", nil, "[themes.6]\nname_en = \"x\"", nil, "ConfigMissing", "themes.name"},
		{"ambitions list then change", nil, "[[ambitions]]\nid = \"1.1\"\ntext = \"x\"\napplies_to = [\"gemeente\"]\n[ambitions.\"1.2\"]\ntext = \"y\"", nil, "ConfigListMixed", "ambitions"},
		{"themes change then list", nil, "[themes.6]\nname = \"x\"\n[[themes]]\nnumber = 1\nname = \"y\"", nil, "ConfigListMixed", "themes"},
		{"organisations empty", nil, "organisations = []", nil, "ConfigListEmpty", "organisations"},
		{"org key", nil, "[[organisations]]\nkey = \"a b\"\nname = \"A\"\nkind = \"gemeente\"", nil, "ConfigOrgKey", "organisations.key"},
		{"org twice", nil, org + org, nil, "ConfigDuplicate", "organisations.key"},
		{"org name", nil, "[[organisations]]\nkey = \"a\"\nkind = \"gemeente\"", nil, "ConfigMissing", "organisations.name"},
		{"org kind", nil, "[[organisations]]\nkey = \"a\"\nname = \"A\"\nkind = \"gemeentee\"", nil, "ConfigOrgKind", "organisations.kind"},
		{"only affiliated", nil, "[[organisations]]\nkey = \"riec\"\nname = \"RIEC\"\nkind = \"aangesloten\"", nil, "ConfigOrgNoParties", "organisations"},
		{"org channel", nil, org + "channel = \"a/b/c\"", nil, "ConfigChannel", "organisations.channel"},
		{"org webhook", nil, org + "webhook = \"ftp://" + badSecret + "\"", nil, "ConfigWebhook", "organisations.webhook"},
		{"org domain", nil, org + "domains = [\"a b.nl\"]", nil, "ConfigDomain", "organisations.domains"},
		{"org domain twice", nil, org + "domains = [\"a.nl\"]\n[[organisations]]\nkey = \"b\"\nname = \"B\"\nkind = \"gemeente\"\ndomains = [\"@A.nl\"]", nil, "ConfigDomainTwice", "organisations.domains"},
		{"organisations type", nil, "organisations = 3", nil, "ConfigType", "organisations"},
		{"change of no organisation", nil, "[organisations.emen]\nchannel = \"drenthe/emmen\"", nil, "ConfigOrgUnknown", "organisations.emen"},
		{"representative org", nil, "[[representatives]]\nusername = \"sanne\"\norganisations = [\"hunze-en-aaz\"]", nil, "ConfigOrgUnknown", "representatives.organisations"},
		{"representative no orgs", nil, "[[representatives]]\nusername = \"sanne\"", nil, "ConfigRepresentativeNoOrgs", "representatives.organisations"},
		{"representative name", nil, "[[representatives]]\nusername = \"San ne\"\norganisations = [\"wdodelta\"]", nil, "ConfigUsername", "representatives.username"},
		{"org representative name", nil, "[organisations.emmen]\nrepresentatives = [\"9x\"]", nil, "ConfigUsername", "organisations.emmen.representatives"},
		{"org contact name", nil, "[organisations.emmen]\ncontacts = [\"a b\"]", nil, "ConfigUsername", "organisations.emmen.contacts"},
		{"affiliated representatives", nil, "[organisations.riec]\nname = \"RIEC\"\nkind = \"aangesloten\"\nrepresentatives = [\"bram\"]", nil, "ConfigAffiliatedPeople", "organisations.riec.representatives"},
		{"affiliated contacts", nil, "[organisations.riec]\nname = \"RIEC\"\nkind = \"Aangesloten\"\ncontacts = [\"bram\"]", nil, "ConfigAffiliatedPeople", "organisations.riec.contacts"},
		{"affiliated in a list", nil, org + "[[organisations]]\nkey = \"rud\"\nname = \"RUD\"\nkind = \"aangesloten\"\ncontacts = [\"bram\"]", nil, "ConfigAffiliatedPeople", "organisations.rud.contacts"},
		{"party made affiliated", nil, "[organisations.emmen]\nkind = \"aangesloten\"\nrepresentatives = [\"jan\"]", nil, "ConfigAffiliatedPeople", "organisations.emmen.representatives"},
		{"representative of affiliated", nil, "[organisations.riec]\nname = \"RIEC\"\nkind = \"aangesloten\"\n[[representatives]]\nusername = \"sanne\"\norganisations = [\"wdodelta\", \"riec\"]", nil, "ConfigAffiliatedPeople", "representatives.organisations"},
		{"change twice", nil, "[organisations.emmen]\nchannel = \"a/b\"\n[organisations.Emmen]\nchannel = \"a/c\"", nil, "ConfigDuplicate", "organisations"},
		{"change type", nil, "[organisations]\nemmen = 3", nil, "ConfigType", "organisations.emmen"},
		{"change key", nil, "[organisations.emmen]\nkey = \"gemeente-emmen\"", nil, "ConfigUnknownKey", "organisations.emmen.key"},
		{"change unknown key", nil, "[organisations.emmen]\nchanel = \"drenthe/emmen\"", nil, "ConfigUnknownKey", "organisations.emmen.chanel"},
		{"change channel", nil, "[organisations.emmen]\nchannel = \"emmen\"", nil, "ConfigChannel", "organisations.channel"},
		{"change kind", nil, "[organisations.emmen]\nkind = \"stad\"", nil, "ConfigOrgKind", "organisations.kind"},
		{"change webhook", nil, "[organisations.emmen]\nwebhook = \"ftp://" + badSecret + "\"", nil, "ConfigWebhook", "organisations.webhook"},
		{"change webhook syntax", nil, "[organisations.emmen]\nwebhook = https://x.example/hooks/" + badSecret, nil, "ConfigTOML", "organisations.emmen.webhook"},
		{"change domain twice", nil, "[organisations.emmen]\ndomains = [\"assen.nl\"]", nil, "ConfigDomainTwice", "organisations.domains"},
		{"list then change", nil, org + "[organisations.emmen]\nchannel = \"drenthe/emmen\"", nil, "ConfigOrganisationsMixed", "organisations"},
		{"change then list", nil, "[organisations.emmen]\nchannel = \"drenthe/emmen\"\n" + org, nil, "ConfigOrganisationsMixed", "organisations"},
		{"inline list then change", nil, "organisations = []\n[organisations.emmen]\nchannel = \"drenthe/emmen\"", nil, "ConfigOrganisationsMixed", "organisations"},
		{"pattern without key", nil, "[working_group]\norganisation_channel = \"drenthe/ondermijning\"", nil, "ConfigChannelPattern", "working_group.organisation_channel"},
		{"pattern without team", nil, "[working_group]\norganisation_channel = \"{key}\"", nil, "ConfigChannelPattern", "working_group.organisation_channel"},
		{"pattern too deep", nil, "[working_group]\norganisation_channel = \"drenthe/{key}/x\"", nil, "ConfigChannelPattern", "working_group.organisation_channel"},
		{"pattern placeholder", nil, "[working_group]\norganisation_channel = \"drenthe/{name}-{key}\"", nil, "ConfigChannelPattern", "working_group.organisation_channel"},
		{"url", map[string]string{EnvMattermostURL: "ftp://chat"}, "", nil, "ConfigURL", EnvMattermostURL},
		{"url credentials", map[string]string{EnvMattermostURL: "https://admin:" + badSecret + "@chat"}, "", nil, "ConfigURL", EnvMattermostURL},
		{"public url", map[string]string{EnvPublicURL: "bot.example.org"}, "", nil, "ConfigURL", EnvPublicURL},
		{"listen", map[string]string{EnvListen: "8080"}, "", nil, "ConfigListen", EnvListen},
		{"listen port", map[string]string{EnvListen: ":99999"}, "", nil, "ConfigListen", EnvListen},
		{"env timezone", map[string]string{EnvTimezone: "Nowhere/City"}, "", nil, "ConfigTimezone", EnvTimezone},
		{"short action secret", map[string]string{EnvActionSecret: badSecret}, "", nil, "ConfigSecretTooShort", EnvActionSecret},
		{"token with space", map[string]string{EnvCommandToken: "abc " + badSecret}, "", nil, "ConfigTokenSpace", EnvCommandToken},
		{"token twice", map[string]string{EnvBotToken: badSecret, EnvBotTokenFile: "/x"}, "", nil, "ConfigBothSet", EnvBotToken},
		{"token file", map[string]string{EnvBotTokenFile: "/nonexistent/bot-token"}, "", nil, "ConfigFileNotFound", EnvBotTokenFile},
		{"token file unreadable", map[string]string{EnvBotTokenFile: "/"}, "", nil, "ConfigFileUnreadable", EnvBotTokenFile},
		{"command token file", map[string]string{EnvCommandTokenFile: "/nonexistent/tokens"}, "", nil, "ConfigFileNotFound", EnvCommandTokenFile},
		{"empty token file", map[string]string{EnvBotTokenFile: "/dev/null"}, "", nil, "ConfigFileEmpty", EnvBotTokenFile},
		{"secret file", map[string]string{EnvActionSecretFile: "/nonexistent/secret"}, "", nil, "ConfigFileNotFound", EnvActionSecretFile},
		{"no url", serve, "", func(c *Config) { c.MattermostURL = "" }, "ConfigRequiredToServe", EnvMattermostURL},
		{"no bot token", serve, "", func(c *Config) { c.BotToken = "" }, "ConfigRequiredToServeOr", EnvBotToken},
		{"no command token", serve, "", func(c *Config) { c.CommandTokens = nil }, "ConfigRequiredToServeOr", EnvCommandToken},
		{"no location", serve, "", func(c *Config) { c.Location = nil }, "ConfigNotSet", "timezone"},
		{"no catalogue", serve, "", func(c *Config) { c.Catalogue = nil }, "ConfigNotSet", "ambitions"},
		{"no organisations", serve, "", func(c *Config) { c.Organisations = nil }, "ConfigNotSet", "organisations"},
	}
}

func TestBadValues(t *testing.T) {
	for _, tc := range badCases() {
		t.Run(tc.name, func(t *testing.T) {
			file := ""
			if tc.file != "" {
				file = writeFile(t, "bad.toml", tc.file)
			}
			c, err := Load(env(tc.env), file)
			if tc.edit != nil {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				tc.edit(c)
				err = c.Validate(true)
			}
			if err == nil {
				t.Fatalf("accepted, want %s naming %s", tc.id, tc.key)
			}
			e, _ := userError(t, err, badSecret)
			if e.MessageID != tc.id || e.Data["Key"] != tc.key && tc.key != "" {
				t.Errorf("error = %s %v, want %s naming %s", e.MessageID, e.Data, tc.id, tc.key)
			}
		})
	}
}

// Every configuration sentence in locales/ is one that some bad value
// produces, so none is dead and each is checked by TestBadValues.
func TestEverySentenceProduced(t *testing.T) {
	ids, err := testkit.MessageIDs(locales.FS, "nl")
	if err != nil {
		t.Fatal(err)
	}
	produced := map[string]bool{}
	for _, tc := range badCases() {
		produced[tc.id] = true
	}
	for id := range ids {
		if strings.HasPrefix(id, "Config") && !produced[id] {
			t.Errorf("no case of TestBadValues produces %s", id)
		}
	}
}

// A TOML mistake keeps the file, the line and the key in the sentence,
// and a wrong type names both types in TOML's words.
func TestTOMLErrorsKeepTheirPlace(t *testing.T) {
	path := writeFile(t, "bad.toml", "[limits]\ncommands_per_minute = 30\nmax_note = \"veel\"\n")
	_, err := Load(env(nil), path)
	_, s := userError(t, err)
	if want := "limits.max_note must be of the TOML type integer, not string (" + path + ", line 3)."; s["en"] != want {
		t.Errorf("en = %q, want %q", s["en"], want)
	}
	_, err = Load(env(nil), writeFile(t, "syntax.toml", "week = 3\n[meeting"))
	if _, s := userError(t, err); !strings.Contains(s["nl"], "regel 2") || !strings.Contains(s["en"], "line 2") {
		t.Errorf("syntax error without its line: %v", s)
	}
}

func TestEmptySecretFile(t *testing.T) {
	for _, v := range []string{EnvBotTokenFile, EnvCommandTokenFile, EnvActionSecretFile, EnvMetricsTokenFile} {
		_, err := Load(env(map[string]string{v: writeFile(t, "empty", " \n")}), "")
		if err == nil {
			t.Fatalf("%s with an empty file loaded", v)
		}
		if e, _ := userError(t, err); e.MessageID != "ConfigFileEmpty" || e.Data["Key"] != v {
			t.Errorf("%s with an empty file: %s %v", v, e.MessageID, e.Data)
		}
	}
}

func TestMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.toml")
	_, err := Load(env(nil), path)
	if err == nil {
		t.Fatal("Load of a missing file succeeded")
	}
	e, s := userError(t, err)
	if e.MessageID != "ConfigFileNotFound" || !strings.Contains(s["nl"], path) || !strings.HasPrefix(s["nl"], "--config / AMBITIEBOT_CONFIG:") ||
		!errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing file = %s %q (cause %v)", e.MessageID, s["nl"], e.Err)
	}
}

func TestReplaceOrganisations(t *testing.T) {
	c := mustLoad(t, nil, `
[[organisations]]
key = "Emmen"
name = "Gemeente Emmen"
kind = "gemeente"
domains = ["emmen.nl", "@Gemeente-Emmen.NL"]

[[organisations]]
key = "rud"
name = "RUD Drenthe"
kind = "Provincie"
domains = ["rud-drenthe.nl"]
webhook = "https://elders.example.org/hooks/abc"
`)
	if c.Organisations.Len() != 2 {
		t.Fatalf("organisations = %d, want the file's 2", c.Organisations.Len())
	}
	emmen, _ := c.Organisations.ByKey("emmen")
	if emmen.Channel != "emmen/town-square" || emmen.Target() != ambitiebot.ChannelTarget("emmen/town-square") {
		t.Errorf("emmen = %+v", emmen)
	}
	if o, ok := c.Organisations.ByEmail("x@gemeente-emmen.nl"); !ok || o.Key != "emmen" {
		t.Errorf("domain with @ and capitals not normalised: %+v", o)
	}
	rud, _ := c.Organisations.ByKey("rud")
	if rud.Kind != ambitiebot.KindProvince || rud.Target() != ambitiebot.WebhookTarget("rud") {
		t.Errorf("rud = %+v", rud)
	}
	if len(c.Catalogue.Ambitions()) != 28 {
		t.Error("replacing organisations changed the catalogue")
	}
}

func TestReplaceCatalogue(t *testing.T) {
	c := mustLoad(t, nil, `
[[ambitions]]
id = "1.7"
text = "Partijen delen jaarlijks hun ervaringen."
applies_to = ["gemeente", "waterschap"]

[[ambitions]]
id = "1.1"
text = "Partijen besteden aandacht aan weerbaarheid."
text_en = "Parties pay attention to resilience."
applies_to = ["provincie"]
`)
	as := c.Catalogue.Ambitions()
	if len(as) != 2 || as[0].ID != "1.1" || as[1].ID != "1.7" || len(c.Catalogue.Themes()) != 5 {
		t.Fatalf("catalogue = %+v", as)
	}
	if as[0].Localized("en") != "Parties pay attention to resilience." || as[1].Localized("en") != as[1].Text {
		t.Errorf("texts = %+v", as)
	}
	c = mustLoad(t, nil, `
[[themes]]
number = 1
name = "Samenwerking"

[[ambitions]]
id = "1.1"
text = "Partijen werken samen."
applies_to = ["gemeente"]
`)
	if len(c.Catalogue.Themes()) != 1 || len(c.Catalogue.Ambitions()) != 1 {
		t.Errorf("themes and ambitions not replaced: %+v", c.Catalogue.Themes())
	}
	_, err := Load(env(nil), writeFile(t, "c.toml", "[[themes]]\nnumber = 1\nname = \"Samenwerking\"\n"))
	if err == nil {
		t.Fatal("default ambitions of a dropped theme loaded")
	}
	if e, _ := userError(t, err); e.MessageID != "ConfigAmbitionTheme" || e.Data["Theme"] != 2 {
		t.Errorf("default ambitions of a dropped theme: %s %v", e.MessageID, e.Data)
	}
}

// The built-in catalogue carries the agreement's footnotes as notes.
func TestDefaultNotes(t *testing.T) {
	c := mustLoad(t, nil, "")
	for id, want := range map[string]string{
		"3.1": "sluiting van voor het publiek toegankelijke gebouwen", "3.2": "2e tranche Wet Bibob en de Omgevingswet",
		"3.3": "€ 750.000 exclusief BTW", "4.5": "via inhuur of met een aanstelling voor bepaalde tijd",
	} {
		a, _ := c.Catalogue.Ambition(id)
		if !strings.Contains(strings.Join(a.Notes, " "), want) || len(a.NotesEN) != len(a.Notes) {
			t.Errorf("%s notes = %q / %q, want %q", id, a.Notes, a.NotesEN, want)
		}
	}
	if a, _ := c.Catalogue.Ambition("3.3"); len(a.Notes) != 2 || !strings.Contains(a.LocalizedNotes("en")[1], "public procurement") {
		t.Errorf("3.3 has footnotes 4 and 5: %q", a.NotesEN)
	}
	n := 0
	for _, a := range c.Catalogue.Ambitions() {
		n += len(a.Notes)
	}
	if n != 5 {
		t.Errorf("%d notes, want footnotes 2 to 6", n)
	}
}

// Tables by key change or add single themes and ambitions and keep the
// rest of the built-in catalogue: the agreement's groeimodel.
func TestGrowCatalogue(t *testing.T) {
	c := mustLoad(t, nil, `
[themes.6]
name = "Samenwerking met ketenpartners"
name_en = "Working with partners"

[themes.5]
name_en = "Communications"

[ambitions."6.1"]
text = "Partijen delen jaarlijks hun ervaringen met het RIEC."
text_en = "The parties share their experience with the RIEC every year."
applies_to = ["gemeente", "waterschap"]
notes = ["Ervaringen: ook die van de RUD."]
notes_en = ["Experience: the RUD's too."]

[ambitions."5.3"]
theme = 5
text = "Partijen evalueren hun communicatie."
applies_to = ["provincie"]

[ambitions."3.2"]
text = "De partijen beschikken over een actueel Bibob-beleid, ook voor subsidies."
`)
	cat := c.Catalogue
	if len(cat.Themes()) != 6 || len(cat.Ambitions()) != 30 {
		t.Fatalf("%d themes, %d ambitions; want 6 and 30", len(cat.Themes()), len(cat.Ambitions()))
	}
	if th, _ := cat.Theme(6); th.Name != "Samenwerking met ketenpartners" || th.Localized("en") != "Working with partners" {
		t.Errorf("theme 6 = %+v", th)
	}
	if th, _ := cat.Theme(5); th.Name != "Communicatie" || th.NameEN != "Communications" {
		t.Errorf("theme 5 = %+v, want its Dutch name kept", th)
	}
	a, ok := cat.Ambition("6.1")
	if !ok || a.Theme != 6 || !a.AppliesToKind(ambitiebot.KindWaterBoard) || a.AppliesToKind(ambitiebot.KindProvince) ||
		a.LocalizedNotes("nl")[0] != "Ervaringen: ook die van de RUD." || a.LocalizedNotes("en")[0] != "Experience: the RUD's too." {
		t.Errorf("6.1 = %+v", a)
	}
	if ids := cat.InTheme(5); len(ids) != 3 || ids[2].ID != "5.3" {
		t.Errorf("theme 5 = %+v", ids)
	}
	def := mustLoad(t, nil, "")
	old, _ := def.Catalogue.Ambition("3.2")
	changed, _ := cat.Ambition("3.2")
	if changed.Version() == old.Version() || len(changed.Notes) != 1 || !slices.Equal(changed.AppliesTo, old.AppliesTo) || !slices.Equal(changed.NotesEN, old.NotesEN) {
		t.Errorf("3.2 changed = %+v; want a new text and version, the rest kept", changed)
	}
	// The built-in English says what the old text asked: an English user
	// reads the new Dutch text until a translation is given.
	if changed.TextEN != "" || changed.Localized("en") != changed.Text {
		t.Errorf("3.2 in English = %q, want the new Dutch text, not the old translation", changed.Localized("en"))
	}
	if same, _ := cat.Ambition("3.1"); same.Version() != mustAmbition(t, def, "3.1").Version() {
		t.Error("an untouched ambition changed version")
	}
}

// Dutch changed without its translation drops the translation (theme
// names, ambition texts and notes alike); the same Dutch given again, or
// a translation given with it, keeps it.
func TestChangedDutchDropsItsTranslation(t *testing.T) {
	def := mustLoad(t, nil, "")
	old32 := mustAmbition(t, def, "3.2")
	old33 := mustAmbition(t, def, "3.3")
	c := mustLoad(t, nil, `
[themes.3]
name = "Regels, beleid en handhaving"

[themes.5]
name = "Communicatie"

[ambitions."3.2"]
text = "`+old32.Text+`"

[ambitions."3.3"]
notes = ["Een andere voetnoot."]

[ambitions."3.4"]
text = "Een nieuwe tekst."
text_en = "A new text."
`)
	if th, _ := c.Catalogue.Theme(3); th.NameEN != "" || th.Localized("en") != "Regels, beleid en handhaving" {
		t.Errorf("theme 3 = %+v, want the new Dutch name in English too", th)
	}
	if th, _ := c.Catalogue.Theme(5); th.NameEN != "Communication" {
		t.Errorf("theme 5 = %+v, want its translation kept for the same name", th)
	}
	if a := mustAmbition(t, c, "3.2"); a.TextEN != old32.TextEN || a.Version() != old32.Version() {
		t.Errorf("3.2 given its own text = %+v, want it unchanged", a)
	}
	a33 := mustAmbition(t, c, "3.3")
	if len(old33.NotesEN) == 0 || len(a33.NotesEN) != 0 || !slices.Equal(a33.LocalizedNotes("en"), []string{"Een andere voetnoot."}) || a33.TextEN != old33.TextEN {
		t.Errorf("3.3 with new notes = %+v, want the old English notes gone and the text's kept", a33)
	}
	if a := mustAmbition(t, c, "3.4"); a.Localized("en") != "A new text." {
		t.Errorf("3.4 = %+v, want the translation given with the text", a)
	}
}

func mustAmbition(t *testing.T, c *Config, id string) ambitiebot.Ambition {
	t.Helper()
	a, ok := c.Catalogue.Ambition(id)
	if !ok {
		t.Fatalf("no ambition %s", id)
	}
	return a
}

func TestRedacted(t *testing.T) {
	const (
		botToken = "bot-TOKEN-1"
		cmdA     = "cmd-TOKEN-a"
		cmdB     = "cmd-TOKEN-b"
		metrics  = "metrics-TOKEN"
		hook     = "https://elders.example.org/hooks/HOOK-SECRET"
	)
	actionSecret := strings.Repeat("A", 32) + "-ACTION"
	c := mustLoad(t, map[string]string{
		EnvMattermostURL: "https://chat.example.org",
		EnvBotToken:      botToken,
		EnvCommandToken:  cmdA + "," + cmdB,
		EnvActionSecret:  actionSecret,
		EnvMetricsToken:  metrics,
	}, `
[working_group]
project_leaders = ["jan"]

[meeting]
week = "last"
skip_months = [8, 7]
cancelled = [2025-12-16]

[[organisations]]
key = "rud"
name = "RUD Drenthe"
kind = "provincie"
webhook = "`+hook+`"
`)
	outputs := map[string]string{
		"Redacted": c.Redacted(),
		"%v":       fmt.Sprintf("%v", c),
		"%+v":      fmt.Sprintf("%+v", *c),
		"%#v":      fmt.Sprintf("%#v", *c),
		"%s":       fmt.Sprint(*c),
		"Settings": RenderSettings(c.Settings(), translate(t, "en")),
	}
	for name, out := range outputs {
		for _, s := range []string{botToken, cmdA, cmdB, actionSecret, metrics, hook, "HOOK-SECRET"} {
			if strings.Contains(out, s) {
				t.Errorf("%s shows the secret %q", name, s)
			}
		}
	}
	out := c.Redacted()
	for _, want := range []string{
		EnvBotToken + ` = "***"`,
		EnvCommandToken + ` = "***,***"`,
		EnvActionSecret + ` = "***"`,
		EnvMetricsToken + ` = "***"`,
		`webhook = "…/hooks/••••"`,
		`AMBITIEBOT_MATTERMOST_URL = "https://chat.example.org"`,
		`timezone = "Europe/Amsterdam"`,
		`project_leaders = ["jan"]`,
		`week = "last"`,
		`skip_months = [7, 8]`,
		`cancelled = ["2025-12-16"]`,
		`reminders = [{ days_before = 7, at = "09:00" }, { days_before = 1, at = "09:00" }]`,
		`deadline = "2026-02-02"`,
		"# themes = 5\n# ambitions = 28\n",
		`organisation_channel = "{key}/town-square"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Redacted lacks %q:\n%s", want, out)
		}
	}
	unset := mustLoad(t, nil, "").Redacted()
	if !strings.Contains(unset, EnvBotToken+` = ""`) || !strings.Contains(unset, "# "+EnvConfig+` = ""`) {
		t.Errorf("unset secrets must show as empty:\n%s", unset)
	}
}

func TestTrustSettings(t *testing.T) {
	c := mustLoad(t, nil, "[working_group]\nchannel = \"team-a/werkgroep\"\n")
	if c.WorkingGroup.TrustUnverifiedEmail || c.WorkingGroup.ProjectLeadersDomains != nil {
		t.Errorf("defaults: WorkingGroup = %+v, want unverified addresses distrusted and no leader domains", c.WorkingGroup)
	}
	c = mustLoad(t, nil, `
[working_group]
channel = "team-a/werkgroep"
trust_unverified_email = true
project_leaders_domains = [" Drenthe.nl "]
`)
	if !c.WorkingGroup.TrustUnverifiedEmail || !slices.Equal(c.WorkingGroup.ProjectLeadersDomains, []string{"drenthe.nl"}) {
		t.Errorf("WorkingGroup = %+v", c.WorkingGroup)
	}
}

// [report] names who gets the board report besides the project leaders
// and on which days; without it the report goes out on the meeting days
// of meeting.report_months, to the project leaders alone.
func TestReportSettings(t *testing.T) {
	def := mustLoad(t, nil, "")
	if len(def.Report.Recipients) != 0 || len(def.Meeting.ReportDates) != 0 {
		t.Errorf("defaults: recipients %v, dates %v", def.Report.Recipients, def.Meeting.ReportDates)
	}
	c := mustLoad(t, nil, "[report]\nrecipients = [\"@B.vanOosterhout\", \"b.vanoosterhout\", \"dijkgraaf\"]\ndates = [\"12-01\", \" 06-15\", \"12-01\"]\n")
	if got := strings.Join(c.Report.Recipients, ","); got != "b.vanoosterhout,dijkgraaf" {
		t.Errorf("recipients = %s", got)
	}
	want := []calendar.MonthDay{{Month: time.June, Day: 15}, {Month: time.December, Day: 1}}
	if !slices.Equal(c.Meeting.ReportDates, want) {
		t.Errorf("dates = %v, want %v", c.Meeting.ReportDates, want)
	}
	for _, s := range c.Settings() {
		if s.Name == "report.dates" && (s.Value != `["06-15", "12-01"]` || s.Origin.Source != SourceFile) {
			t.Errorf("report.dates shown as %s from %+v", s.Value, s.Origin)
		}
	}
}
