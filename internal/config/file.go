package config

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/calendar"
)

// defaultsTOML holds every default, the catalogue and the organisations,
// in the schema of the configuration file.
//
//go:embed defaults.toml
var defaultsTOML string

// fileConfig mirrors the TOML schema. Values that can be written in more
// than one way (a week number or "last", a month number or name, a TOML
// date or a string) are decoded as any and checked in applyFile.
type fileConfig struct {
	Timezone     string           `toml:"timezone"`
	WorkingGroup fileWorkingGroup `toml:"working_group"`
	Agreement    fileAgreement    `toml:"agreement"`
	Meeting      fileMeeting      `toml:"meeting"`
	Report       fileReport       `toml:"report"`
	Awareness    fileAwareness    `toml:"awareness"`
	Limits       fileLimits       `toml:"limits"`
	// Themes and Ambitions are lists ([[themes]], replacing the built-in
	// ones) or tables of changes and additions by number or id
	// ([themes.6], [ambitions."5.3"]); decodeCatalogue decodes them.
	Themes    toml.Primitive `toml:"themes"`
	Ambitions toml.Primitive `toml:"ambitions"`
	// Organisations is a list ([[organisations]]) or a table of changes
	// by key ([organisations.<key>]); decodeStrict decodes it into one of
	// orgList and orgChanges.
	Organisations toml.Primitive `toml:"organisations"`
	// Representatives are [[representatives]]: people who act for
	// several organisations.
	Representatives []fileRepresentative `toml:"representatives"`

	themeList       []fileTheme
	ambitionList    []fileAmbition
	themeChanges    map[string]fileThemeChange
	ambitionChanges map[string]fileAmbitionChange

	orgList       []fileOrganisation
	orgListInFile bool // orgList is the file's, not the built-in one
	orgChanges    map[string]fileOrgChange
	defined       map[string]bool // the keys the file gives, as "meeting.week"
}

type fileWorkingGroup struct {
	Channel               string   `toml:"channel"`
	ProjectLeaders        []string `toml:"project_leaders"`
	ActivityFeed          bool     `toml:"activity_feed"`
	OrgChannel            string   `toml:"organisation_channel"`
	TrustUnverifiedEmail  bool     `toml:"trust_unverified_email"`
	ProjectLeadersDomains []string `toml:"project_leaders_domains"`
}

type fileAgreement struct {
	SignedOn any `toml:"signed_on"`
	Deadline any `toml:"deadline"`
}

type fileMeeting struct {
	Week         any            `toml:"week"`
	Weekday      string         `toml:"weekday"`
	Time         string         `toml:"time"`
	SkipMonths   []any          `toml:"skip_months"`
	Cancelled    []any          `toml:"cancelled"`
	Reminders    []fileReminder `toml:"reminders"`
	SummaryAt    string         `toml:"summary_at"`
	ReportMonths []any          `toml:"report_months"`
	ThankYou     bool           `toml:"thank_you"`
	Grace        string         `toml:"grace"`
}

type fileReport struct {
	Recipients []string `toml:"recipients"`
	Dates      []string `toml:"dates"`
}

type fileReminder struct {
	DaysBefore int    `toml:"days_before"`
	At         string `toml:"at"`
}

type fileAwareness struct {
	Schedule string `toml:"schedule"`
	Dir      string `toml:"dir"`
}

type fileLimits struct {
	CommandsPerMinute int `toml:"commands_per_minute"`
	MaxNote           int `toml:"max_note"`
}

// decodeWithDefaults decodes the embedded defaults and then the file over
// them. A list in the file replaces the default list as a whole: the
// decoder would otherwise decode into the default elements and keep their
// fields that the file leaves out.
func decodeWithDefaults(name string, data []byte) (fileConfig, error) {
	fc, err := defaults()
	fc.defined = nil // defined holds the file's keys, not the defaults'
	if err != nil || data == nil {
		return fc, err
	}
	def := fc
	fc.WorkingGroup.ProjectLeaders = nil
	fc.Meeting.SkipMonths, fc.Meeting.Cancelled, fc.Meeting.ReportMonths = nil, nil, nil
	fc.Meeting.Reminders = nil
	fc.Report.Recipients, fc.Report.Dates = nil, nil
	fc.themeList, fc.ambitionList, fc.orgList = nil, nil, nil
	if err := decodeStrict(name, string(data), &fc); err != nil {
		return fc, err
	}
	keep(&fc.WorkingGroup.ProjectLeaders, def.WorkingGroup.ProjectLeaders)
	keep(&fc.Meeting.SkipMonths, def.Meeting.SkipMonths)
	keep(&fc.Meeting.Cancelled, def.Meeting.Cancelled)
	keep(&fc.Meeting.ReportMonths, def.Meeting.ReportMonths)
	keep(&fc.Meeting.Reminders, def.Meeting.Reminders)
	keep(&fc.Report.Recipients, def.Report.Recipients)
	keep(&fc.Report.Dates, def.Report.Dates)
	keep(&fc.themeList, def.themeList)
	keep(&fc.ambitionList, def.ambitionList)
	fc.orgListInFile = fc.orgList != nil
	keep(&fc.orgList, def.orgList)
	return fc, nil
}

// defaults decodes the embedded defaults once. Callers get a copy whose
// lists they must not modify in place; decodeWithDefaults replaces them.
var defaults = sync.OnceValues(func() (fileConfig, error) {
	var fc fileConfig
	err := decodeStrict("the embedded defaults", defaultsTOML, &fc)
	return fc, err
})

// keep restores the default of a list the file did not give.
func keep[T any](list *[]T, def []T) {
	if *list == nil {
		*list = def
	}
}

// decodeStrict decodes TOML and rejects keys the schema does not know, so
// that a misspelt key is an error instead of a silently ignored setting.
func decodeStrict(name, data string, fc *fileConfig) error {
	fc.Organisations = toml.Primitive{}
	fc.Themes, fc.Ambitions = toml.Primitive{}, toml.Primitive{}
	md, err := toml.Decode(data, fc)
	if err == nil {
		err = fc.decodeOrganisations(md)
	}
	if err == nil {
		err = fc.decodeCatalogue(md)
	}
	if err != nil {
		if key := mixedList(data, err); key != "" {
			return mixedError(key, name)
		}
		return decodeError(name, err)
	}
	fc.defined = map[string]bool{}
	for _, k := range md.Keys() {
		fc.defined[k.String()] = true
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		if key := listWithChanges(md, undecoded); key != "" {
			return mixedError(key, name)
		}
		if k := unquotedAmbition(undecoded); k != "" {
			return invalid("ConfigAmbitionKeyQuotes", map[string]any{"Key": "ambitions." + k, "Want": `[ambitions."` + k + `"]`, "File": name})
		}
		keys := make([]string, len(undecoded))
		for i, k := range undecoded {
			keys[i] = k.String()
		}
		id := "ConfigUnknownKey"
		if len(keys) > 1 {
			id = "ConfigUnknownKeys"
		}
		return invalid(id, map[string]any{"Key": strings.Join(keys, ", "), "File": name})
	}
	return nil
}

// decodeError turns the decoder's error into a sentence that leads with
// the key. A value of the wrong type names both types in TOML's words;
// anything else keeps the decoder's own (English) detail, unless the key
// holds a secret.
func decodeError(name string, err error) error {
	id, data := "ConfigTOML", map[string]any{"File": name}
	var pe toml.ParseError
	if errors.As(err, &pe) {
		data["Line"], data["Key"], data["Detail"] = pe.Position.Line, pe.LastKey, pe.Message
	} else if m := typeErrorPattern.FindStringSubmatch(err.Error()); m != nil {
		id = "ConfigType"
		data["Line"], data["Key"] = m[1], m[2]
		data["Want"], data["Got"] = tomlType(m[4]+m[5]), tomlType(m[3]+m[6])
	} else if m := decodeErrorPattern.FindStringSubmatch(err.Error()); m != nil {
		data["Line"], data["Key"], data["Detail"] = m[1], m[2], m[3]
	} else {
		data["Detail"] = strings.TrimPrefix(err.Error(), "toml: ")
	}
	e := invalid(id, data)
	if key, _ := data["Key"].(string); secretFileKey(key) {
		// The detail and the cause may quote the secret: keep neither.
		delete(data, "Detail")
		return e
	}
	e.Err = err
	return e
}

// secretFileKey reports whether the file's key holds a secret: an
// organisation's webhook, in the list or in a change by key.
func secretFileKey(key string) bool {
	return strings.HasPrefix(key, "organisations.") && strings.HasSuffix(key, ".webhook")
}

// typeErrorPattern picks the line, the key and the types out of the
// decoder's two messages for a value of the wrong type: an incompatible
// value (TOML type in 3, destination in 4) or a table expected (table in
// 5, TOML type in 6).
var typeErrorPattern = regexp.MustCompile(`^toml: (?:line (\d+) )?\(last key "([^"]+)"\): (?:incompatible types: TOML value has type (\S+); destination has type (\S+)|type mismatch for \S+: expected (\S+) but found (\S+))$`)

// decodeErrorPattern splits any other decoder message into its line, its
// key and the rest.
var decodeErrorPattern = regexp.MustCompile(`^toml: (?:line (\d+) )?\(last key "([^"]+)"\): (.*)$`)

// tomlType names the decoder's types (Go types of TOML values, and the
// destination kinds) in the words of the TOML specification, which an
// administrator finds in any TOML documentation whatever their language.
func tomlType(t string) string {
	if w, ok := tomlTypes[t]; ok {
		return w
	}
	return t
}

var tomlTypes = map[string]string{
	"string": "string", "int64": "integer", "integer": "integer", "float64": "float", "float": "float",
	"bool": "boolean", "boolean": "boolean", "time.Time": "datetime", "map": "table", "map[string]any": "table",
	"table": "table", "slice": "array", "[]any": "array", "[]map[string]any": "array of tables",
}

// applyFile checks the decoded file and fills c. c.Location must be set.
func (c *Config) applyFile(fc fileConfig) error {
	var err error
	if c.WorkingGroup, err = workingGroup(fc.WorkingGroup); err != nil {
		return err
	}
	if c.Agreement, err = agreement(fc.Agreement, c.Location); err != nil {
		return err
	}
	if c.Meeting, err = meeting(fc.Meeting, c.Location); err != nil {
		return err
	}
	if c.Report.Recipients, err = usernames("report.recipients", fc.Report.Recipients); err != nil {
		return err
	}
	if c.Meeting.ReportDates, err = reportDates(fc.Report.Dates); err != nil {
		return err
	}
	if strings.TrimSpace(fc.Awareness.Schedule) == "" {
		return invalid("ConfigEmpty", map[string]any{"Key": "awareness.schedule"})
	}
	c.Awareness = Awareness{Schedule: strings.TrimSpace(fc.Awareness.Schedule), Dir: strings.TrimSpace(fc.Awareness.Dir)}
	if _, err := calendar.ParseSchedule(c.Awareness.Schedule, c.Location); err != nil {
		return &ambitiebot.Error{Code: ambitiebot.EINVALID, MessageID: "ConfigSchedule",
			Data: map[string]any{"Key": "awareness.schedule", "Got": strconv.Quote(c.Awareness.Schedule)}, Err: err}
	}
	if c.Awareness.Dir != "" {
		if st, err := os.Stat(c.Awareness.Dir); err != nil || !st.IsDir() {
			return invalid("ConfigNotDir", map[string]any{"Key": "awareness.dir", "Got": strconv.Quote(c.Awareness.Dir)})
		}
	}
	if fc.Limits.CommandsPerMinute < 1 {
		return invalid("ConfigAtLeast", map[string]any{"Key": "limits.commands_per_minute", "Min": 1, "Got": fc.Limits.CommandsPerMinute})
	}
	if fc.Limits.MaxNote < 1 || fc.Limits.MaxNote > 2000 {
		return invalid("ConfigRange", map[string]any{"Key": "limits.max_note", "Min": 1, "Max": 2000, "Got": fc.Limits.MaxNote})
	}
	c.Limits = Limits{CommandsPerMinute: fc.Limits.CommandsPerMinute, MaxNote: fc.Limits.MaxNote}
	if c.Catalogue, err = catalogue(fc); err != nil {
		return err
	}
	c.Organisations, err = c.organisations(fc)
	return err
}

// usernamePattern follows Mattermost's rule for usernames.
var usernamePattern = regexp.MustCompile(`^[a-z][a-z0-9._-]{0,63}$`)

func workingGroup(f fileWorkingGroup) (WorkingGroup, error) {
	w := WorkingGroup{Channel: strings.TrimSpace(f.Channel), ActivityFeed: f.ActivityFeed,
		OrganisationChannel: strings.TrimSpace(f.OrgChannel), TrustUnverifiedEmail: f.TrustUnverifiedEmail}
	for _, d := range f.ProjectLeadersDomains {
		w.ProjectLeadersDomains = append(w.ProjectLeadersDomains, strings.ToLower(strings.TrimSpace(d)))
	}
	if !ambitiebot.ValidChannelRef(w.Channel) {
		return w, invalid("ConfigChannel", map[string]any{"Key": "working_group.channel", "Got": strconv.Quote(w.Channel)})
	}
	if p := w.OrganisationChannel; p != "" && !validChannelPattern(p) {
		return w, invalid("ConfigChannelPattern", map[string]any{"Key": "working_group.organisation_channel", "Got": strconv.Quote(p)})
	}
	var err error
	w.ProjectLeaders, err = usernames("working_group.project_leaders", f.ProjectLeaders)
	return w, err
}

// usernames normalises a list of Mattermost usernames under key, without
// duplicates, in the order given.
func usernames(key string, list []string) ([]string, error) {
	var out []string
	for _, u := range list {
		name := normaliseUsername(u)
		if !usernamePattern.MatchString(name) {
			return nil, invalid("ConfigUsername", map[string]any{"Key": key, "Got": strconv.Quote(u)})
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out, nil
}

// reportDates parses report.dates ("06-15"), sorted and without
// duplicates; none means the meeting days of meeting.report_months.
func reportDates(list []string) ([]calendar.MonthDay, error) {
	var out []calendar.MonthDay
	for _, s := range list {
		d, err := calendar.ParseMonthDay(s)
		if err != nil {
			return nil, &ambitiebot.Error{Code: ambitiebot.EINVALID, MessageID: "ConfigReportDate",
				Data: map[string]any{"Key": "report.dates", "Got": strconv.Quote(s)}, Err: err}
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b calendar.MonthDay) int { return strings.Compare(a.String(), b.String()) })
	return out, nil
}

func agreement(f fileAgreement, loc *time.Location) (Agreement, error) {
	var a Agreement
	var err error
	if a.SignedOn, err = date("agreement.signed_on", f.SignedOn, loc); err != nil {
		return a, err
	}
	if f.Deadline == nil {
		// The agreement runs two years from the signing date.
		a.Deadline = a.SignedOn.AddDate(2, 0, 0)
		return a, nil
	}
	if a.Deadline, err = date("agreement.deadline", f.Deadline, loc); err != nil {
		return a, err
	}
	if !a.Deadline.After(a.SignedOn) {
		return a, invalid("ConfigDeadline", map[string]any{"Key": "agreement.deadline", "Other": "agreement.signed_on", "SignedOn": a.SignedOn.Format(time.DateOnly)})
	}
	return a, nil
}

func meeting(f fileMeeting, loc *time.Location) (Meeting, error) {
	m := Meeting{MeetingConfig: calendar.MeetingConfig{Location: loc}}
	var err error
	if m.Week, err = week(f.Week); err != nil {
		return m, err
	}
	if m.Weekday, err = weekday("meeting.weekday", f.Weekday); err != nil {
		return m, err
	}
	if m.Hour, m.Minute, err = clock("meeting.time", f.Time); err != nil {
		return m, err
	}
	if m.SkipMonths, err = months("meeting.skip_months", f.SkipMonths); err != nil {
		return m, err
	}
	if len(m.SkipMonths) == 12 {
		return m, invalid("ConfigSkipsEveryMonth", map[string]any{"Key": "meeting.skip_months"})
	}
	for _, v := range f.Cancelled {
		d, err := date("meeting.cancelled", v, loc)
		if err != nil {
			return m, err
		}
		if day := calendar.DateOf(d); !slices.Contains(m.Cancelled, day) {
			m.Cancelled = append(m.Cancelled, day)
		}
	}
	slices.SortFunc(m.Cancelled, func(a, b calendar.Date) int { return strings.Compare(a.String(), b.String()) })
	for _, r := range f.Reminders {
		rem := calendar.Reminder{DaysBefore: r.DaysBefore}
		if r.DaysBefore < 0 || r.DaysBefore > 27 {
			return m, invalid("ConfigRange", map[string]any{"Key": "meeting.reminders.days_before", "Min": 0, "Max": 27, "Got": r.DaysBefore})
		}
		if rem.Hour, rem.Minute, err = clock("meeting.reminders.at", r.At); err != nil {
			return m, err
		}
		if rem.DaysBefore == 0 && rem.Hour*60+rem.Minute >= m.Hour*60+m.Minute {
			return m, invalid("ConfigReminderAfterMeeting", map[string]any{"Key": "meeting.reminders.at", "Meeting": clockString(m.Hour, m.Minute), "Got": strconv.Quote(r.At)})
		}
		m.Reminders = append(m.Reminders, rem)
	}
	if m.SummaryHour, m.SummaryMinute, err = clock("meeting.summary_at", f.SummaryAt); err != nil {
		return m, err
	}
	if m.ReportMonths, err = months("meeting.report_months", f.ReportMonths); err != nil {
		return m, err
	}
	m.ThankYou = f.ThankYou
	if m.Grace, err = time.ParseDuration(strings.TrimSpace(f.Grace)); err != nil || m.Grace < 0 {
		return m, invalid("ConfigDuration", map[string]any{"Key": "meeting.grace", "Got": strconv.Quote(f.Grace)})
	}
	return m, nil
}

func week(v any) (int, error) {
	switch w := v.(type) {
	case int64:
		if w >= 1 && w <= 5 {
			return int(w), nil
		}
	case string:
		if strings.EqualFold(strings.TrimSpace(w), "last") || strings.EqualFold(strings.TrimSpace(w), "laatste") {
			return -1, nil
		}
	}
	return 0, invalid("ConfigWeek", map[string]any{"Key": "meeting.week", "Got": show(v)})
}

var weekdays = map[string]time.Weekday{
	"zondag": time.Sunday, "maandag": time.Monday, "dinsdag": time.Tuesday, "woensdag": time.Wednesday,
	"donderdag": time.Thursday, "vrijdag": time.Friday, "zaterdag": time.Saturday,
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

func weekday(key, s string) (time.Weekday, error) {
	d, ok := weekdays[strings.ToLower(strings.TrimSpace(s))]
	if !ok {
		return 0, invalid("ConfigWeekday", map[string]any{"Key": key, "Got": strconv.Quote(s)})
	}
	return d, nil
}

var clockPattern = regexp.MustCompile(`^([01]?[0-9]|2[0-3]):([0-5][0-9])$`)

// clock parses "HH:MM" on a 24-hour clock.
func clock(key, s string) (hour, minute int, err error) {
	m := clockPattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, 0, invalid("ConfigClock", map[string]any{"Key": key, "Got": strconv.Quote(s)})
	}
	hour, _ = strconv.Atoi(m[1])
	minute, _ = strconv.Atoi(m[2])
	return hour, minute, nil
}

var monthNames = map[string]time.Month{
	"januari": time.January, "februari": time.February, "maart": time.March, "april": time.April,
	"mei": time.May, "juni": time.June, "juli": time.July, "augustus": time.August,
	"september": time.September, "oktober": time.October, "november": time.November, "december": time.December,
	"january": time.January, "february": time.February, "march": time.March, "may": time.May,
	"june": time.June, "july": time.July, "august": time.August, "october": time.October,
}

// months parses month numbers or Dutch or English names into a sorted
// list without duplicates.
func months(key string, list []any) ([]time.Month, error) {
	out := []time.Month{}
	for _, v := range list {
		var m time.Month
		switch x := v.(type) {
		case int64:
			if x >= 1 && x <= 12 {
				m = time.Month(x)
			}
		case string:
			m = monthNames[strings.ToLower(strings.TrimSpace(x))]
		}
		if m == 0 {
			return nil, invalid("ConfigMonths", map[string]any{"Key": key, "Got": show(v)})
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	slices.Sort(out)
	return out, nil
}

// date accepts a TOML date (2024-02-02) or a string "2024-02-02" and
// returns midnight of that day in loc.
func date(key string, v any, loc *time.Location) (time.Time, error) {
	var y, d int
	var m time.Month
	switch x := v.(type) {
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			y, m, d = x.Date()
		}
	case string:
		if t, err := time.Parse(time.DateOnly, strings.TrimSpace(x)); err == nil {
			y, m, d = t.Date()
		}
	}
	if y == 0 {
		return time.Time{}, invalid("ConfigDate", map[string]any{"Key": key, "Got": show(v)})
	}
	return time.Date(y, m, d, 0, 0, 0, 0, loc), nil
}

// show renders a decoded TOML value for an error message.
func show(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case time.Time:
		if x.Year() == 0 {
			return x.Format(time.TimeOnly)
		}
		return x.Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}

func loadLocation(key, name string) (*time.Location, error) {
	loc, err := time.LoadLocation(strings.TrimSpace(name))
	if err != nil || strings.TrimSpace(name) == "" {
		return nil, invalid("ConfigTimezone", map[string]any{"Key": key, "Got": strconv.Quote(name)})
	}
	return loc, nil
}

func orgKinds(list []string) []ambitiebot.OrgKind {
	kinds := make([]ambitiebot.OrgKind, len(list))
	for i, k := range list {
		kinds[i] = orgKind(k)
	}
	return kinds
}

func orgKind(s string) ambitiebot.OrgKind {
	return ambitiebot.OrgKind(strings.ToLower(strings.TrimSpace(s)))
}
