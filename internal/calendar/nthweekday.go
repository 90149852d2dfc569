package calendar

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Last selects the last such weekday of the month in NthWeekday.Week.
const Last = -1

// searchMonths bounds the search for an occurrence: the Gregorian weekday
// pattern repeats every 400 years, so a rule without an occurrence in that
// span (every month skipped, say) has none at all.
const searchMonths = 400 * 12

// Date is a calendar day without a time or zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// MonthDay is a day of every year, such as the board report's 15 June.
type MonthDay struct {
	Month time.Month
	Day   int
}

// ParseMonthDay parses "MM-DD" ("06-15"); the day must exist in every
// year, so 29 February is refused.
func ParseMonthDay(s string) (MonthDay, error) {
	var d MonthDay
	t, err := time.Parse("01-02", strings.TrimSpace(s))
	if err != nil {
		return d, err
	}
	d = MonthDay{Month: t.Month(), Day: t.Day()}
	return d, d.Validate()
}

// Validate says whether d is a day of every year.
func (d MonthDay) Validate() error {
	// 2023 is not a leap year: a day it has, every year has.
	if d.Month < time.January || d.Month > time.December || d.Day < 1 ||
		DateOf(time.Date(2023, d.Month, d.Day, 12, 0, 0, 0, time.UTC)) != (Date{2023, d.Month, d.Day}) {
		return fmt.Errorf("%s is not a day of every year", d)
	}
	return nil
}

func (d MonthDay) String() string { return fmt.Sprintf("%02d-%02d", int(d.Month), d.Day) }

// ParseDate parses "YYYY-MM-DD".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, err
	}
	return DateOf(t), nil
}

func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// AddDays returns the date n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// LocalTime returns the instant at which clocks in loc show hour:minute
// on date d. Across a DST change the answer is still exactly one instant:
//   - a wall time that does not exist (spring forward, 02:30 on the last
//     Sunday of March in Europe/Amsterdam) is read with the offset in force
//     before the gap, so it moves forward by the gap's length (03:30 CEST),
//     which is also how time.Date normalises it today;
//   - a wall time that exists twice (fall back, 02:30 on the last Sunday of
//     October) is the first of the two instants (02:30 CEST), so a job runs
//     at the first moment the clock shows its time and never again that
//     night. time.Date would pick the second one, hence this function.
func LocalTime(d Date, hour, minute int, loc *time.Location) time.Time {
	naive := time.Date(d.Year, d.Month, d.Day, hour, minute, 0, 0, time.UTC)
	var first time.Time
	// The offsets in force a day either side of the wall time cover any
	// transition near it; each candidate is checked against the wall clock.
	for _, probe := range [...]time.Duration{-24 * time.Hour, 0, 24 * time.Hour} {
		cand := naive.Add(-offsetAt(naive.Add(probe), loc))
		if wallEqual(cand.In(loc), naive) && (first.IsZero() || cand.Before(first)) {
			first = cand
		}
	}
	if first.IsZero() {
		first = naive.Add(-offsetAt(naive.Add(-24*time.Hour), loc))
	}
	return first.In(loc)
}

func offsetAt(t time.Time, loc *time.Location) time.Duration {
	_, off := t.In(loc).Zone()
	return time.Duration(off) * time.Second
}

func wallEqual(t, naive time.Time) bool {
	y, m, d := t.Date()
	ny, nm, nd := naive.Date()
	return y == ny && m == nm && d == nd && t.Hour() == naive.Hour() && t.Minute() == naive.Minute()
}

// NthWeekday is a cron.Schedule for "the Nth weekday of the month at
// Hour:Minute in Loc", which robfig/cron's spec cannot express (its
// day-of-month and day-of-week fields are OR-ed). Week is 1–5 or Last; a
// month without a fifth such weekday has no occurrence for Week 5.
// SkipMonths and Cancelled (dates in Loc) remove occurrences. A nil Loc
// means UTC.
type NthWeekday struct {
	Week         int
	Weekday      time.Weekday
	Hour, Minute int
	Loc          *time.Location
	SkipMonths   []time.Month
	Cancelled    []Date
}

// Validate reports a rule that cannot be scheduled.
func (r NthWeekday) Validate() error {
	switch {
	case r.Week != Last && (r.Week < 1 || r.Week > 5):
		return fmt.Errorf("week %d is not 1-5 or last", r.Week)
	case r.Weekday < time.Sunday || r.Weekday > time.Saturday:
		return fmt.Errorf("weekday %d is out of range", r.Weekday)
	case r.Hour < 0 || r.Hour > 23 || r.Minute < 0 || r.Minute > 59:
		return fmt.Errorf("time %02d:%02d is out of range", r.Hour, r.Minute)
	}
	for _, m := range r.SkipMonths {
		if m < time.January || m > time.December {
			return fmt.Errorf("skip month %d is out of range", m)
		}
	}
	return nil
}

func (r NthWeekday) loc() *time.Location {
	if r.Loc == nil {
		return time.UTC
	}
	return r.Loc
}

// DateIn returns the rule's date in the given month, ignoring SkipMonths
// and Cancelled; false when the month has no such day (a fifth weekday).
func (r NthWeekday) DateIn(year int, month time.Month) (Date, bool) {
	first := Date{year, month, 1}
	days := time.Date(year, month+1, 0, 12, 0, 0, 0, time.UTC).Day()
	if r.Week == Last {
		lastWD := Date{year, month, days}.Weekday()
		return Date{year, month, days - (int(lastWD)-int(r.Weekday)+7)%7}, true
	}
	day := 1 + (int(r.Weekday)-int(first.Weekday())+7)%7 + 7*(r.Week-1)
	if day > days {
		return Date{}, false
	}
	return Date{year, month, day}, true
}

// occurrence returns the scheduled instant in the month, false when the
// month has none, is skipped or the date is cancelled.
// Month may be out of range (month 13 is January of the next year).
func (r NthWeekday) occurrence(year int, month time.Month) (time.Time, bool) {
	year, month, _ = time.Date(year, month, 1, 12, 0, 0, 0, time.UTC).Date()
	d, ok := r.DateIn(year, month)
	if !ok || slices.Contains(r.SkipMonths, month) || slices.Contains(r.Cancelled, d) {
		return time.Time{}, false
	}
	return LocalTime(d, r.Hour, r.Minute, r.loc()), true
}

// Next returns the first occurrence strictly after t, or the zero time
// when there is none.
func (r NthWeekday) Next(t time.Time) time.Time {
	// Start a month early: the previous month's occurrence can never be
	// after t, but the month boundary in Loc may differ from t's.
	y, m, _ := t.In(r.loc()).Date()
	for i := -1; i < searchMonths; i++ {
		if at, ok := r.occurrence(y, m+time.Month(i)); ok && at.After(t) {
			return at
		}
	}
	return time.Time{}
}

// Prev returns the last occurrence strictly before t, or the zero time
// when there is none.
func (r NthWeekday) Prev(t time.Time) time.Time {
	y, m, _ := t.In(r.loc()).Date()
	for i := 1; i > -searchMonths; i-- {
		if at, ok := r.occurrence(y, m+time.Month(i)); ok && at.Before(t) {
			return at
		}
	}
	return time.Time{}
}
