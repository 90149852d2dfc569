package calendar_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/calendar"
)

func newCalendar(t *testing.T, cfg calendar.MeetingConfig, awareness string) *calendar.Calendar {
	t.Helper()
	if cfg.Location == nil {
		cfg.Location = amsterdam(t)
	}
	var aw cron.Schedule
	if awareness != "" {
		var err error
		if aw, err = calendar.ParseSchedule(awareness, cfg.Location); err != nil {
			t.Fatal(err)
		}
	}
	cal, err := calendar.New(cfg, aw)
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func format(events []calendar.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = fmt.Sprintf("%s %s", e.Kind, e.At.Format("2006-01-02 15:04 -07"))
		if !e.Meeting.IsZero() {
			out[i] += " for " + e.Meeting.Format("01-02 15:04")
		}
	}
	return out
}

func equalLines(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestEventsDefault(t *testing.T) {
	loc := amsterdam(t)
	cal := newCalendar(t, calendar.DefaultMeetingConfig(), calendar.DefaultAwareness)
	got := format(cal.Events(time.Date(2027, 1, 1, 0, 0, 0, 0, loc), 11))
	equalLines(t, got, []string{
		"awareness 2027-01-04 09:30 +01",
		"reminder 2027-01-12 09:00 +01 for 01-19 10:00",
		"reminder 2027-01-18 09:00 +01 for 01-19 10:00",
		"summary 2027-01-19 08:30 +01 for 01-19 10:00",
		"meeting 2027-01-19 10:00 +01 for 01-19 10:00",
		"awareness 2027-02-01 09:30 +01",
		"reminder 2027-02-09 09:00 +01 for 02-16 10:00",
		"reminder 2027-02-15 09:00 +01 for 02-16 10:00",
		"summary 2027-02-16 08:30 +01 for 02-16 10:00",
		"meeting 2027-02-16 10:00 +01 for 02-16 10:00",
		"awareness 2027-03-01 09:30 +01",
	})
	// from is inclusive: starting at an event lists it first.
	if ev := cal.Events(time.Date(2027, 1, 19, 10, 0, 0, 0, loc), 1); len(ev) != 1 || ev[0].Kind != calendar.KindMeeting {
		t.Errorf("events from a meeting's instant = %v", format(ev))
	}
}

func TestEventsSkipCancelAndReport(t *testing.T) {
	loc := amsterdam(t)
	cfg := calendar.DefaultMeetingConfig()
	cfg.SkipMonths = []time.Month{time.July, time.August}
	cfg.Cancelled = []calendar.Date{{Year: 2027, Month: time.March, Day: 16}, {Year: 2027, Month: time.June, Day: 15}}
	cfg.Reminders = []calendar.Reminder{{DaysBefore: 2, Hour: 14, Minute: 15}}
	cal := newCalendar(t, cfg, "")
	got := format(cal.Events(time.Date(2027, 2, 20, 0, 0, 0, 0, loc), 11))
	equalLines(t, got, []string{
		// March is cancelled: no reminder, summary or meeting.
		"reminder 2027-04-18 14:15 +02 for 04-20 10:00",
		"summary 2027-04-20 08:30 +02 for 04-20 10:00",
		"meeting 2027-04-20 10:00 +02 for 04-20 10:00",
		"reminder 2027-05-16 14:15 +02 for 05-18 10:00",
		"summary 2027-05-18 08:30 +02 for 05-18 10:00",
		"meeting 2027-05-18 10:00 +02 for 05-18 10:00",
		// The June meeting is cancelled, the board report is still due.
		"report 2027-06-15 08:30 +02 for 06-15 10:00",
		// July and August are skipped.
		"reminder 2027-09-19 14:15 +02 for 09-21 10:00",
		"summary 2027-09-21 08:30 +02 for 09-21 10:00",
		"meeting 2027-09-21 10:00 +02 for 09-21 10:00",
		"reminder 2027-10-17 14:15 +02 for 10-19 10:00",
	})
	dec := format(cal.Events(time.Date(2027, 12, 21, 0, 0, 0, 0, loc), 3))
	equalLines(t, dec, []string{
		"summary 2027-12-21 08:30 +01 for 12-21 10:00",
		"report 2027-12-21 08:30 +01 for 12-21 10:00",
		"meeting 2027-12-21 10:00 +01 for 12-21 10:00",
	})

	apr := time.Date(2027, 4, 20, 10, 0, 0, 0, loc)
	if p := cal.PreviousMeeting(apr); !p.Equal(time.Date(2027, 2, 16, 10, 0, 0, 0, loc)) {
		t.Errorf("PreviousMeeting(%s) = %s, want February (March is cancelled)", apr, p)
	}
	if n := cal.NextMeeting(time.Date(2027, 2, 16, 10, 0, 0, 0, loc)); !n.Equal(apr) {
		t.Errorf("NextMeeting after February = %s, want %s", n, apr)
	}
}

func TestSchedulesAndEvent(t *testing.T) {
	loc := amsterdam(t)
	cal := newCalendar(t, calendar.DefaultMeetingConfig(), "")
	jan12 := time.Date(2027, 1, 12, 9, 0, 0, 0, loc)
	if n := cal.Schedule(calendar.KindReminder).Next(jan12); !n.Equal(time.Date(2027, 1, 18, 9, 0, 0, 0, loc)) {
		t.Errorf("reminder after %s = %s", jan12, n)
	}
	if n := cal.Schedule(calendar.KindSummary).Next(jan12); !n.Equal(time.Date(2027, 1, 19, 8, 30, 0, 0, loc)) {
		t.Errorf("summary after %s = %s", jan12, n)
	}
	if n := cal.Schedule(calendar.KindReport).Next(jan12); !n.Equal(time.Date(2027, 6, 15, 8, 30, 0, 0, loc)) {
		t.Errorf("report after %s = %s", jan12, n)
	}
	if n := cal.Schedule(calendar.KindMeeting).Next(jan12); !n.Equal(time.Date(2027, 1, 19, 10, 0, 0, 0, loc)) {
		t.Errorf("meeting after %s = %s", jan12, n)
	}
	if s := cal.Schedule(calendar.KindAwareness); s != nil {
		t.Errorf("awareness schedule without awareness = %v", s)
	}
	ev, ok := cal.Event(calendar.KindReminder, jan12.UTC())
	if !ok || !ev.Meeting.Equal(time.Date(2027, 1, 19, 10, 0, 0, 0, loc)) || ev.At.Location().String() != "Europe/Amsterdam" {
		t.Errorf("Event(reminder, %s) = %+v, %v", jan12, ev, ok)
	}
	if _, ok := cal.Event(calendar.KindReminder, jan12.Add(time.Minute)); ok {
		t.Error("Event found a reminder a minute off")
	}
	if _, ok := cal.Event(calendar.KindAwareness, jan12); ok {
		t.Error("Event found an awareness post without an awareness schedule")
	}

	none := calendar.DefaultMeetingConfig()
	none.Reminders, none.ReportMonths = []calendar.Reminder{}, nil
	bare := newCalendar(t, none, "")
	if bare.Schedule(calendar.KindReminder) != nil || bare.Schedule(calendar.KindReport) != nil {
		t.Error("schedules without reminders or report months are not nil")
	}
}

func TestEventJSON(t *testing.T) {
	loc := amsterdam(t)
	cal := newCalendar(t, calendar.DefaultMeetingConfig(), calendar.DefaultAwareness)
	b, err := json.Marshal(cal.Events(time.Date(2027, 1, 4, 0, 0, 0, 0, loc), 2))
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"kind":"awareness","at":"2027-01-04T09:30:00+01:00"},` +
		`{"kind":"reminder","at":"2027-01-12T09:00:00+01:00","meeting":"2027-01-19T10:00:00+01:00"}]`
	if string(b) != want {
		t.Errorf("JSON = %s\nwant %s", b, want)
	}
}

func TestNewInvalid(t *testing.T) {
	for name, mutate := range map[string]func(*calendar.MeetingConfig){
		"week 0":         func(c *calendar.MeetingConfig) { c.Week = 0 },
		"week 6":         func(c *calendar.MeetingConfig) { c.Week = 6 },
		"hour 24":        func(c *calendar.MeetingConfig) { c.Hour = 24 },
		"summary 8:60":   func(c *calendar.MeetingConfig) { c.SummaryMinute = 60 },
		"reminder -1":    func(c *calendar.MeetingConfig) { c.Reminders = []calendar.Reminder{{DaysBefore: -1, Hour: 9}} },
		"reminder 25:00": func(c *calendar.MeetingConfig) { c.Reminders = []calendar.Reminder{{DaysBefore: 1, Hour: 25}} },
		"skip month 13":  func(c *calendar.MeetingConfig) { c.SkipMonths = []time.Month{13} },
	} {
		cfg := calendar.DefaultMeetingConfig()
		mutate(&cfg)
		_, err := calendar.New(cfg, nil)
		var e *ambitiebot.Error
		if !errors.As(err, &e) || e.Code != ambitiebot.EINVALID || e.MessageID != "CalendarErrConfig" {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	cal, err := calendar.New(calendar.DefaultMeetingConfig(), nil)
	if err != nil || cal.Location().String() != "Europe/Amsterdam" {
		t.Errorf("default location: %v, %v", cal, err)
	}
}

func TestParseSchedule(t *testing.T) {
	loc := amsterdam(t)
	after := time.Date(2027, 1, 1, 0, 0, 0, 0, loc)
	tests := []struct {
		spec string
		want string // first run after 2027-01-01
	}{
		{"1 monday 09:30", "2027-01-04T09:30:00+01:00"},
		{"last friday 16:00", "2027-01-29T16:00:00+01:00"},
		{"Derde Dinsdag 10:00", "2027-01-19T10:00:00+01:00"},
		{"laatste zo 2:30", "2027-01-31T02:30:00+01:00"},
		{"30 9 * * 1", "2027-01-04T09:30:00+01:00"},
		{"0 30 9 * * 1", "2027-01-04T09:30:00+01:00"},
		{"@monthly", "2027-02-01T00:00:00+01:00"},
		{"CRON_TZ=UTC 0 9 * * *", "2027-01-01T10:00:00+01:00"},
	}
	for _, tt := range tests {
		s, err := calendar.ParseSchedule(tt.spec, loc)
		if err != nil {
			t.Errorf("%q: %v", tt.spec, err)
			continue
		}
		if got := s.Next(after).In(loc).Format(time.RFC3339); got != tt.want {
			t.Errorf("%q: next = %s, want %s", tt.spec, got, tt.want)
		}
	}
	for _, spec := range []string{"", "1 monday 25:00", "6 monday 09:00", "first someday 09:00", "61 * * * *", "every monday"} {
		_, err := calendar.ParseSchedule(spec, loc)
		var e *ambitiebot.Error
		if !errors.As(err, &e) || e.MessageID != "CalendarErrSchedule" || e.Data["Spec"] != spec {
			t.Errorf("%q: err = %v", spec, err)
		}
	}
}

// Configured report dates replace the June and December meeting days;
// PreviousReport is where the next report's period starts, for both.
func TestReportDatesAndPreviousReport(t *testing.T) {
	loc := amsterdam(t)
	cfg := calendar.DefaultMeetingConfig()
	def := newCalendar(t, cfg, "")
	if p := def.PreviousReport(time.Date(2027, 6, 15, 8, 30, 0, 0, loc)); !p.Equal(time.Date(2026, 12, 15, 8, 30, 0, 0, loc)) {
		t.Errorf("default PreviousReport = %s, want the December meeting day 2026-12-15 08:30", p)
	}
	cfg.ReportDates = []calendar.MonthDay{{Month: time.December, Day: 1}, {Month: time.June, Day: 15}}
	cal := newCalendar(t, cfg, "")
	var got []string
	for _, e := range cal.Events(time.Date(2027, 1, 1, 0, 0, 0, 0, loc), 80) {
		if e.Kind == calendar.KindReport && e.At.Year() == 2027 {
			got = append(got, e.At.Format("2006-01-02 15:04 -07"))
		}
	}
	equalLines(t, got, []string{"2027-06-15 08:30 +02", "2027-12-01 08:30 +01"})
	at := time.Date(2027, 6, 15, 8, 30, 0, 0, loc)
	if ev, ok := cal.Event(calendar.KindReport, at); !ok || !ev.At.Equal(at) {
		t.Errorf("Event(report, %s) = %v, %v", at, ev, ok)
	}
	for before, want := range map[time.Time]time.Time{
		at:                                     time.Date(2026, 12, 1, 8, 30, 0, 0, loc),
		at.Add(time.Second):                    at,
		time.Date(2027, 1, 1, 0, 0, 0, 0, loc): time.Date(2026, 12, 1, 8, 30, 0, 0, loc),
	} {
		if p := cal.PreviousReport(before); !p.Equal(want) {
			t.Errorf("PreviousReport(%s) = %s, want %s", before, p, want)
		}
	}
	if p := newCalendar(t, calendar.MeetingConfig{Week: 3, Weekday: time.Tuesday, Hour: 10}, "").PreviousReport(at); !p.IsZero() {
		t.Errorf("without report dates PreviousReport = %s", p)
	}
	cfg.ReportDates = []calendar.MonthDay{{Month: time.February, Day: 29}}
	if _, err := calendar.New(cfg, nil); ambitiebot.ErrorCode(err) != ambitiebot.EINVALID {
		t.Errorf("29 February: %v", err)
	}
}

func TestParseMonthDay(t *testing.T) {
	for in, want := range map[string]string{"06-15": "06-15", " 12-01 ": "12-01", "02-28": "02-28"} {
		if d, err := calendar.ParseMonthDay(in); err != nil || d.String() != want {
			t.Errorf("ParseMonthDay(%q) = %v, %v", in, d, err)
		}
	}
	for _, in := range []string{"02-29", "13-01", "06-31", "6-15", "2026-06-15", "juni", ""} {
		if d, err := calendar.ParseMonthDay(in); err == nil {
			t.Errorf("ParseMonthDay(%q) = %v, want an error", in, d)
		}
	}
}
