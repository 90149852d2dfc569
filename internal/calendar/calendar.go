// Package calendar knows when the working group meets and when the bot
// acts around it: reminders before each meeting, the summary on the
// meeting morning, the half-yearly board report and the awareness posts.
// It is pure logic on robfig/cron's Schedule interface, so the scheduler
// can run every one of these, and it writes the meetings as an iCalendar
// feed.
package calendar

import (
	"fmt"
	"slices"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// Kind is the kind of a calendar event; also the name of the job that
// acts on it.
type Kind string

const (
	KindMeeting   Kind = "meeting"
	KindReminder  Kind = "reminder"
	KindSummary   Kind = "summary"
	KindReport    Kind = "report"
	KindAwareness Kind = "awareness"
)

// Kinds lists every kind; events at the same instant are ordered this way.
var Kinds = []Kind{KindMeeting, KindReminder, KindSummary, KindReport, KindAwareness}

// Event is one thing on the calendar. Meeting is the meeting the event
// belongs to (zero for awareness posts).
type Event struct {
	Kind    Kind      `json:"kind"`
	At      time.Time `json:"at"`
	Meeting time.Time `json:"meeting,omitzero"`
}

// Reminder is sent DaysBefore days before the meeting at Hour:Minute.
type Reminder struct {
	DaysBefore   int
	Hour, Minute int
}

// MeetingConfig describes the meeting rhythm; New takes the values as
// given (the configuration's defaults are in internal/config).
type MeetingConfig struct {
	Week         int // 1–5 or Last
	Weekday      time.Weekday
	Hour, Minute int
	Duration     time.Duration // length in the calendar feed; 0 means 2 hours
	SkipMonths   []time.Month
	Cancelled    []Date // meeting dates that will not take place
	Reminders    []Reminder

	SummaryHour, SummaryMinute int // the summary goes out on the meeting morning

	// The board report goes out on the day of these months' meetings, at
	// the summary time. It is due whether or not that meeting is held, so
	// it ignores SkipMonths and Cancelled.
	ReportMonths []time.Month
	// ReportDates, when set, replace ReportMonths: the board report goes
	// out on each of these days of the year, at the summary time.
	ReportDates []MonthDay

	Location  *time.Location // nil means Europe/Amsterdam
	UIDDomain string         // right-hand side of the feed's UIDs; "" means "ambitiebot"
}

// Calendar answers when meetings and the jobs around them happen.
type Calendar struct {
	loc       *time.Location
	meetings  NthWeekday
	reminders offsets
	summary   offsets
	report    source // nil when there is no board report
	awareness cron.Schedule
	duration  time.Duration
	uidDomain string
}

// New builds the calendar. awareness may be nil (no awareness posts) and
// is typically the result of ParseSchedule. An invalid configuration yields
// an *ambitiebot.Error (EINVALID, CalendarErrConfig).
func New(cfg MeetingConfig, awareness cron.Schedule) (*Calendar, error) {
	loc := cfg.Location
	if loc == nil {
		var err error
		if loc, err = time.LoadLocation("Europe/Amsterdam"); err != nil {
			return nil, configError(err)
		}
	}
	meetings := NthWeekday{
		Week: cfg.Week, Weekday: cfg.Weekday, Hour: cfg.Hour, Minute: cfg.Minute, Loc: loc,
		SkipMonths: slices.Clone(cfg.SkipMonths), Cancelled: slices.Clone(cfg.Cancelled),
	}
	if err := meetings.Validate(); err != nil {
		return nil, configError(err)
	}
	// The report month's meeting day, whether or not the meeting is held.
	reportDays := meetings
	reportDays.Cancelled = nil
	reportDays.SkipMonths = nil
	for m := time.January; m <= time.December; m++ {
		if !slices.Contains(cfg.ReportMonths, m) {
			reportDays.SkipMonths = append(reportDays.SkipMonths, m)
		}
	}
	c := &Calendar{
		loc:       loc,
		meetings:  meetings,
		summary:   offsets{{base: meetings, hour: cfg.SummaryHour, minute: cfg.SummaryMinute}},
		awareness: awareness,
		duration:  cfg.Duration,
		uidDomain: cfg.UIDDomain,
	}
	switch {
	case len(cfg.ReportDates) > 0:
		for _, d := range cfg.ReportDates {
			if err := d.Validate(); err != nil {
				return nil, configError(err)
			}
		}
		c.report = yearly{days: slices.Clone(cfg.ReportDates), hour: cfg.SummaryHour, minute: cfg.SummaryMinute, loc: loc}
	case len(cfg.ReportMonths) > 0:
		c.report = offsets{{base: reportDays, hour: cfg.SummaryHour, minute: cfg.SummaryMinute}}
	}
	for _, r := range cfg.Reminders {
		if r.DaysBefore < 0 {
			return nil, configError(fmt.Errorf("reminder %d days before the meeting", r.DaysBefore))
		}
		c.reminders = append(c.reminders, offset{base: meetings, days: r.DaysBefore, hour: r.Hour, minute: r.Minute})
	}
	for _, o := range append(slices.Clone(c.reminders), c.summary...) {
		if o.hour < 0 || o.hour > 23 || o.minute < 0 || o.minute > 59 {
			return nil, configError(fmt.Errorf("time %02d:%02d is out of range", o.hour, o.minute))
		}
	}
	if c.duration <= 0 {
		c.duration = 2 * time.Hour
	}
	if c.uidDomain == "" {
		c.uidDomain = "ambitiebot"
	}
	return c, nil
}

func configError(err error) error {
	return &ambitiebot.Error{Code: ambitiebot.EINVALID, MessageID: "CalendarErrConfig", Err: err}
}

// Location is the calendar's time zone; every time it returns is in it.
func (c *Calendar) Location() *time.Location { return c.loc }

// NextMeeting returns the first meeting strictly after after (zero when
// none).
func (c *Calendar) NextMeeting(after time.Time) time.Time { return c.meetings.Next(after) }

// PreviousMeeting returns the last meeting strictly before before (zero
// when none).
func (c *Calendar) PreviousMeeting(before time.Time) time.Time { return c.meetings.Prev(before) }

// PreviousReport returns the last board report date strictly before
// before (zero when there is none): where the next report's period starts.
func (c *Calendar) PreviousReport(before time.Time) time.Time {
	if c.report == nil {
		return time.Time{}
	}
	// Report dates come at least once a year; two years back is enough.
	var prev time.Time
	for at, _ := c.report.next(before.AddDate(-2, 0, 0)); !at.IsZero() && at.Before(before); at, _ = c.report.next(at) {
		prev = at
	}
	return inLoc(prev, c.loc)
}

// Schedule returns the schedule of kind, for the scheduler; nil when the
// calendar has no such events (no reminders, report months or awareness).
func (c *Calendar) Schedule(kind Kind) cron.Schedule {
	if s := c.source(kind); s != nil {
		return s
	}
	return nil
}

// source returns kind's events as a source, nil when it has none.
func (c *Calendar) source(kind Kind) source {
	switch kind {
	case KindMeeting:
		return meetingSource{c.meetings}
	case KindReminder:
		return nonEmpty(c.reminders)
	case KindSummary:
		return nonEmpty(c.summary)
	case KindReport:
		if c.report != nil {
			return c.report
		}
	case KindAwareness:
		if c.awareness != nil {
			return plainSource{c.awareness}
		}
	}
	return nil
}

func nonEmpty(o offsets) source {
	if len(o) == 0 {
		return nil
	}
	return o
}

// Event returns the event of kind scheduled exactly at at, with the
// meeting it belongs to; false when kind has no event then. Jobs use it to
// find their meeting from the time they were scheduled for.
func (c *Calendar) Event(kind Kind, at time.Time) (Event, bool) {
	s := c.source(kind)
	if s == nil {
		return Event{}, false
	}
	next, meeting := s.next(at.Add(-time.Nanosecond))
	if !next.Equal(at) {
		return Event{}, false
	}
	return Event{Kind: kind, At: next.In(c.loc), Meeting: inLoc(meeting, c.loc)}, true
}

// Events returns the first count events at or after from, in time order;
// events at the same instant follow the order of Kinds.
func (c *Calendar) Events(from time.Time, count int) []Event {
	type cursor struct {
		kind    Kind
		src     source
		at, mtg time.Time
	}
	var cursors []*cursor
	start := from.Add(-time.Nanosecond)
	for _, k := range Kinds {
		if s := c.source(k); s != nil {
			at, mtg := s.next(start)
			cursors = append(cursors, &cursor{kind: k, src: s, at: at, mtg: mtg})
		}
	}
	var events []Event
	for len(events) < count {
		var best *cursor
		for _, cur := range cursors {
			if !cur.at.IsZero() && (best == nil || cur.at.Before(best.at)) {
				best = cur
			}
		}
		if best == nil {
			break
		}
		events = append(events, Event{Kind: best.kind, At: best.at.In(c.loc), Meeting: inLoc(best.mtg, c.loc)})
		best.at, best.mtg = best.src.next(best.at)
	}
	return events
}

func inLoc(t time.Time, loc *time.Location) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(loc)
}

// source is a schedule that also tells which meeting an event belongs to.
type source interface {
	cron.Schedule
	next(t time.Time) (at, meeting time.Time)
}

type meetingSource struct{ NthWeekday }

func (s meetingSource) next(t time.Time) (time.Time, time.Time) {
	at := s.Next(t)
	return at, at
}

type plainSource struct{ cron.Schedule }

func (s plainSource) next(t time.Time) (time.Time, time.Time) { return s.Next(t), time.Time{} }

// offset is an event days before each meeting of base, at hour:minute in
// the meeting's zone (DST handled as in LocalTime).
type offset struct {
	base         NthWeekday
	days         int
	hour, minute int
}

func (o offset) at(meeting time.Time) time.Time {
	d := DateOf(meeting.In(o.base.loc())).AddDays(-o.days)
	return LocalTime(d, o.hour, o.minute, o.base.loc())
}

func (o offset) next(t time.Time) (at, meeting time.Time) {
	// An event lies less than days+1 days before its meeting, so no meeting
	// earlier than this can have an event after t; events are increasing
	// in their meeting, so the first one found is the next.
	for m := o.base.Next(t.Add(-time.Duration(o.days+2) * 24 * time.Hour)); !m.IsZero(); m = o.base.Next(m) {
		if at := o.at(m); at.After(t) {
			return at, m
		}
	}
	return time.Time{}, time.Time{}
}

// offsets is the union of several offset schedules (the reminders).
type offsets []offset

func (os offsets) next(t time.Time) (at, meeting time.Time) {
	for _, o := range os {
		a, m := o.next(t)
		if !a.IsZero() && (at.IsZero() || a.Before(at)) {
			at, meeting = a, m
		}
	}
	return at, meeting
}

// Next implements cron.Schedule: the first event strictly after t.
func (os offsets) Next(t time.Time) time.Time {
	at, _ := os.next(t)
	return at
}

// yearly is an event on fixed days of every year at hour:minute in loc
// (the board report's configured dates).
type yearly struct {
	days         []MonthDay
	hour, minute int
	loc          *time.Location
}

func (y yearly) next(t time.Time) (at, meeting time.Time) {
	year := t.In(y.loc).Year()
	for yr := year - 1; yr <= year+1; yr++ {
		for _, d := range y.days {
			a := LocalTime(Date{yr, d.Month, d.Day}, y.hour, y.minute, y.loc)
			if a.After(t) && (at.IsZero() || a.Before(at)) {
				at = a
			}
		}
	}
	return at, time.Time{}
}

// Next implements cron.Schedule: the first event strictly after t.
func (y yearly) Next(t time.Time) time.Time {
	at, _ := y.next(t)
	return at
}
