package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
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
			Week: 3, Weekday: time.Tuesday, Hour: 10, Minute: 0,
			Reminders:   []Reminder{{DaysBefore: 7, Hour: 9}, {DaysBefore: 1, Hour: 9}},
			SummaryHour: 8, SummaryMinute: 30,
			ReportMonths: []time.Month{time.June, time.December},
			ThankYou:     true,
			Grace:        12 * time.Hour,
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
		slices.EqualFunc(got.Cancelled, want.Cancelled, time.Time.Equal) &&
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
	if !c.WorkingGroup.IsProjectLeader("@JAN.SMIT") || c.WorkingGroup.IsProjectLeader("klaas") {
		t.Error("IsProjectLeader does not match configured usernames case-insensitively")
	}
	if !c.Agreement.SignedOn.Equal(time.Date(2024, 3, 1, 0, 0, 0, 0, london)) ||
		!c.Agreement.Deadline.Equal(time.Date(2026, 6, 30, 0, 0, 0, 0, london)) {
		t.Errorf("Agreement = %+v", c.Agreement)
	}
	checkMeeting(t, c.Meeting, Meeting{
		Week: -1, Weekday: time.Thursday, Hour: 14, Minute: 15,
		SkipMonths:    []time.Month{time.July, time.August},
		Cancelled:     []time.Time{time.Date(2025, 3, 18, 0, 0, 0, 0, london), time.Date(2025, 12, 16, 0, 0, 0, 0, london)},
		Reminders:     []Reminder{{DaysBefore: 0, Hour: 9}},
		SummaryHour:   7,
		SummaryMinute: 5,
		ReportMonths:  []time.Month{time.June, time.December},
		Grace:         90 * time.Minute,
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
	if !slices.Equal(c.Meeting.Reminders, []Reminder{{DaysBefore: 3, Hour: 16}}) {
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
	if err := c.Validate(true); err == nil || !strings.Contains(err.Error(), EnvMattermostURL) {
		t.Errorf("Validate(true) without URL = %v", err)
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
	for name, tc := range map[string]struct {
		edit func(*Config)
		want string
	}{
		"no url":           {func(c *Config) { c.MattermostURL = "" }, EnvMattermostURL},
		"no bot token":     {func(c *Config) { c.BotToken = "" }, EnvBotToken},
		"no command token": {func(c *Config) { c.CommandTokens = nil }, EnvCommandToken},
		"no location":      {func(c *Config) { c.Location = nil }, "timezone"},
		"no catalogue":     {func(c *Config) { c.Catalogue = nil }, "catalogue"},
		"no organisations": {func(c *Config) { c.Organisations = nil }, "organisations"},
		"empty token list": {func(c *Config) { c.CommandTokens = []string{} }, EnvCommandTokenFile},
	} {
		c := *base
		tc.edit(&c)
		err := c.Validate(true)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate(true) = %v, want an error naming %s", name, err, tc.want)
		}
	}
	cli := *base
	cli.MattermostURL, cli.BotToken, cli.CommandTokens = "", "", nil
	if err := cli.Validate(false); err != nil {
		t.Errorf("Validate(false) needs no server settings, got %v", err)
	}
}

func TestBadValues(t *testing.T) {
	const secret = "s3cr3t-value"
	cases := []struct {
		name string
		env  map[string]string
		file string
		want string // the key the error must name
	}{
		{"week number", nil, "[meeting]\nweek = 7", `meeting.week: must be 1–5 or "last", got 7`},
		{"week word", nil, "[meeting]\nweek = \"first\"", "meeting.week"},
		{"weekday", nil, "[meeting]\nweekday = \"dinsdagg\"", "meeting.weekday"},
		{"time", nil, "[meeting]\ntime = \"25:00\"", "meeting.time"},
		{"skip month", nil, "[meeting]\nskip_months = [13]", "meeting.skip_months"},
		{"skip every month", nil, "[meeting]\nskip_months = [1,2,3,4,5,6,7,8,9,10,11,12]", "meeting.skip_months"},
		{"cancelled", nil, "[meeting]\ncancelled = [\"2025-13-01\"]", "meeting.cancelled"},
		{"cancelled time", nil, "[meeting]\ncancelled = [10:00:00]", "meeting.cancelled"},
		{"reminder days", nil, "[[meeting.reminders]]\ndays_before = -1\nat = \"09:00\"", "meeting.reminders.days_before"},
		{"reminder at", nil, "[[meeting.reminders]]\ndays_before = 1\nat = \"9am\"", "meeting.reminders.at"},
		{"reminder after meeting", nil, "[[meeting.reminders]]\ndays_before = 0\nat = \"11:00\"", "meeting.reminders.at"},
		{"summary", nil, "[meeting]\nsummary_at = \"8.30\"", "meeting.summary_at"},
		{"report month", nil, "[meeting]\nreport_months = [\"juny\"]", "meeting.report_months"},
		{"grace", nil, "[meeting]\ngrace = \"twelve hours\"", "meeting.grace"},
		{"negative grace", nil, "[meeting]\ngrace = \"-1h\"", "meeting.grace"},
		{"thank you type", nil, "[meeting]\nthank_you = \"ja\"", "meeting.thank_you: must be true or false, not text"},
		{"signed on", nil, "[agreement]\nsigned_on = \"2-2-2024\"", "agreement.signed_on"},
		{"deadline before", nil, "[agreement]\ndeadline = 2023-01-01", "agreement.deadline"},
		{"timezone", nil, "timezone = \"Mars/Olympus\"", "timezone"},
		{"timezone empty", nil, "timezone = \"\"", "timezone"},
		{"channel", nil, "[working_group]\nchannel = \"werkgroep\"", "working_group.channel"},
		{"project leader", nil, "[working_group]\nproject_leaders = [\"jan smit\"]", "working_group.project_leaders"},
		{"schedule", nil, "[awareness]\nschedule = \" \"", "awareness.schedule"},
		{"dir", nil, "[awareness]\ndir = \"/nonexistent/ambitiebot\"", "awareness.dir"},
		{"rate", nil, "[limits]\ncommands_per_minute = 0", "limits.commands_per_minute"},
		{"note", nil, "[limits]\nmax_note = 2001", "limits.max_note"},
		{"note type", nil, "[limits]\nmax_note = \"veel\"", "limits.max_note: must be a whole number, not text"},
		{"unknown key", nil, "[meeting]\nwek = 3", "meeting.wek: unknown key in"},
		{"unknown top key", nil, "mattermost_url = \"x\"", "mattermost_url: unknown key"},
		{"unknown org key", nil, "[[organisations]]\nkey = \"a\"\nname = \"A\"\nkind = \"gemeente\"\nemail = \"x\"", "organisations.email: unknown key"},
		{"syntax", nil, "week = 3\n[meeting", "line 2: expected"},
		{"org kind", nil, "[[organisations]]\nkey = \"a\"\nname = \"A\"\nkind = \"gemeentee\"", "organisations: a: kind"},
		{"org webhook", nil, "[[organisations]]\nkey = \"a\"\nname = \"A\"\nkind = \"gemeente\"\nwebhook = \"ftp://" + secret + "\"", "organisations: a: webhook"},
		{"ambition id", nil, "[[ambitions]]\nid = \"3\"\ntext = \"x\"\napplies_to = [\"gemeente\"]", `ambition "3"`},
		{"ambition id number", nil, "[[ambitions]]\nid = 3.10\ntext = \"x\"\napplies_to = [\"gemeente\"]", "ambitions.id: must be text, not a number"},
		{"ambition kind", nil, "[[ambitions]]\nid = \"1.1\"\ntext = \"x\"\napplies_to = [\"gemeentes\"]", "ambition 1.1: unknown kind"},
		{"url", map[string]string{EnvMattermostURL: "ftp://chat"}, "", EnvMattermostURL},
		{"url credentials", map[string]string{EnvMattermostURL: "https://admin:" + secret + "@chat"}, "", EnvMattermostURL},
		{"public url", map[string]string{EnvPublicURL: "bot.example.org"}, "", EnvPublicURL},
		{"listen", map[string]string{EnvListen: "8080"}, "", EnvListen},
		{"listen port", map[string]string{EnvListen: ":99999"}, "", EnvListen},
		{"env timezone", map[string]string{EnvTimezone: "Nowhere/City"}, "", EnvTimezone},
		{"short action secret", map[string]string{EnvActionSecret: secret}, "", EnvActionSecret},
		{"token with space", map[string]string{EnvCommandToken: "abc " + secret}, "", EnvCommandToken},
		{"token twice", map[string]string{EnvBotToken: secret, EnvBotTokenFile: "/x"}, "", EnvBotTokenFile},
		{"token file", map[string]string{EnvBotTokenFile: "/nonexistent/bot-token"}, "", EnvBotTokenFile},
		{"command token file", map[string]string{EnvCommandTokenFile: "/nonexistent/tokens"}, "", EnvCommandTokenFile},
		{"secret file", map[string]string{EnvActionSecretFile: "/nonexistent/secret"}, "", EnvActionSecretFile},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := ""
			if tc.file != "" {
				file = writeFile(t, "bad.toml", tc.file)
			}
			_, err := Load(env(tc.env), file)
			if err == nil {
				t.Fatalf("Load succeeded, want an error naming %s", tc.want)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "config: ") || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not name %q", msg, tc.want)
			}
			if strings.Contains(msg, secret) || strings.Contains(msg, "\n") {
				t.Errorf("error %q shows a secret or spans lines", msg)
			}
		})
	}
}

func TestEmptySecretFile(t *testing.T) {
	for _, v := range []string{EnvBotTokenFile, EnvCommandTokenFile, EnvActionSecretFile, EnvMetricsTokenFile} {
		_, err := Load(env(map[string]string{v: writeFile(t, "empty", " \n")}), "")
		if err == nil || !strings.Contains(err.Error(), v) || !strings.Contains(err.Error(), "empty") {
			t.Errorf("%s with an empty file: %v", v, err)
		}
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Load(env(nil), filepath.Join(t.TempDir(), "nope.toml"))
	if err == nil || !strings.Contains(err.Error(), "nope.toml") {
		t.Errorf("Load of a missing file = %v", err)
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
	if err == nil || !strings.Contains(err.Error(), "theme 2 is not in the catalogue") {
		t.Errorf("default ambitions of a dropped theme: %v", err)
	}
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
		`webhook = "***"`,
		`AMBITIEBOT_MATTERMOST_URL = "https://chat.example.org"`,
		`timezone = "Europe/Amsterdam"`,
		`project_leaders = ["jan"]`,
		`week = "last"`,
		`skip_months = [7, 8]`,
		`cancelled = ["2025-12-16"]`,
		`reminders = [{ days_before = 7, at = "09:00" }, { days_before = 1, at = "09:00" }]`,
		`deadline = "2026-02-02"`,
		"# catalogue: 5 themes, 28 ambitions",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Redacted lacks %q:\n%s", want, out)
		}
	}
	unset := mustLoad(t, nil, "").Redacted()
	if !strings.Contains(unset, EnvBotToken+` = ""`) || !strings.Contains(unset, "# file: none") {
		t.Errorf("unset secrets must show as empty:\n%s", unset)
	}
}
