package calendar_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/calendar"
)

func amsterdam(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// oracleDates walks every day from..to and picks the week-th (or last)
// weekday of each month, the dumb way.
func oracleDates(from, to calendar.Date, week int, wd time.Weekday, skip []time.Month, cancelled []calendar.Date) []calendar.Date {
	perMonth := map[[2]int][]calendar.Date{}
	var months [][2]int
	for d := from; d != to; d = d.AddDays(1) {
		key := [2]int{d.Year, int(d.Month)}
		if _, ok := perMonth[key]; !ok {
			months = append(months, key)
			perMonth[key] = nil
		}
		if d.Weekday() == wd {
			perMonth[key] = append(perMonth[key], d)
		}
	}
	var out []calendar.Date
	for _, key := range months {
		days := perMonth[key]
		var d calendar.Date
		switch {
		case week == calendar.Last:
			d = days[len(days)-1]
		case week <= len(days):
			d = days[week-1]
		default:
			continue
		}
		if slices.Contains(skip, d.Month) || slices.Contains(cancelled, d) {
			continue
		}
		out = append(out, d)
	}
	return out
}

// oracleInstant finds the instant clocks in loc show hh:mm on d by
// scanning UTC in quarter hours (every offset here is whole quarters): the
// first match, or, inside a spring-forward gap, the wall time read with the
// offset in force at the start of that local day.
func oracleInstant(d calendar.Date, hh, mm int, loc *time.Location) time.Time {
	naive := time.Date(d.Year, d.Month, d.Day, hh, mm, 0, 0, time.UTC)
	for u := naive.Add(-15 * time.Hour); u.Before(naive.Add(15 * time.Hour)); u = u.Add(15 * time.Minute) {
		l := u.In(loc)
		if l.Year() == d.Year && l.Month() == d.Month && l.Day() == d.Day && l.Hour() == hh && l.Minute() == mm {
			return u
		}
	}
	_, off := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc).Zone()
	return naive.Add(-time.Duration(off) * time.Second)
}

func TestNthWeekdayAgainstOracle(t *testing.T) {
	loc := amsterdam(t)
	from, to := calendar.Date{Year: 2024, Month: time.January, Day: 1}, calendar.Date{Year: 2036, Month: time.January, Day: 1}
	begin := time.Date(2024, time.January, 1, 0, 0, 0, 0, loc)
	end := time.Date(2036, time.January, 1, 0, 0, 0, 0, loc)
	rng := rand.New(rand.NewPCG(1, 2))
	// 02:30 falls in the spring-forward gap and the fall-back overlap on
	// the last Sundays of March and October; 00:00 and 23:59 probe the day
	// boundaries.
	clocks := [][2]int{{10, 0}, {2, 30}, {0, 0}, {23, 59}}
	for _, week := range []int{1, 2, 3, 4, 5, calendar.Last} {
		for wd := time.Sunday; wd <= time.Saturday; wd++ {
			for _, hm := range clocks {
				rule := calendar.NthWeekday{Week: week, Weekday: wd, Hour: hm[0], Minute: hm[1], Loc: loc}
				t.Run(fmt.Sprintf("week%d/%s/%02d%02d", week, wd, hm[0], hm[1]), func(t *testing.T) {
					checkRule(t, rule, oracleDates(from, to, week, wd, nil, nil), begin, end, rng)
				})
			}
		}
	}
}

func TestNthWeekdaySkipAndCancel(t *testing.T) {
	loc := amsterdam(t)
	from, to := calendar.Date{Year: 2025, Month: time.January, Day: 1}, calendar.Date{Year: 2035, Month: time.January, Day: 1}
	skip := []time.Month{time.July, time.August}
	cancelled := []calendar.Date{{Year: 2026, Month: time.March, Day: 17}, {Year: 2030, Month: time.December, Day: 17}, {Year: 2027, Month: time.June, Day: 1}}
	rule := calendar.NthWeekday{Week: 3, Weekday: time.Tuesday, Hour: 10, Loc: loc, SkipMonths: skip, Cancelled: cancelled}
	want := oracleDates(from, to, 3, time.Tuesday, skip, cancelled)
	if len(want) != 10*10-2 {
		t.Fatalf("oracle gave %d meetings", len(want))
	}
	checkRule(t, rule, want, time.Date(2025, 1, 1, 0, 0, 0, 0, loc), time.Date(2035, 1, 1, 0, 0, 0, 0, loc), rand.New(rand.NewPCG(3, 4)))
}

// checkRule compares the rule with the oracle's dates between begin and
// end: stepping Next from begin visits every occurrence exactly once, Next
// is strictly after its input (at, just before, just after and between
// occurrences) and Prev mirrors it.
func checkRule(t *testing.T, rule calendar.NthWeekday, dates []calendar.Date, begin, end time.Time, rng *rand.Rand) {
	t.Helper()
	want := make([]time.Time, len(dates))
	for i, d := range dates {
		want[i] = oracleInstant(d, rule.Hour, rule.Minute, rule.Loc)
	}
	var got []time.Time
	for at := rule.Next(begin.Add(-time.Nanosecond)); at.Before(end); at = rule.Next(at) {
		got = append(got, at)
		if len(got) > len(want) {
			break
		}
	}
	if len(got) != len(want) {
		t.Fatalf("stepping Next gave %d occurrences, oracle %d", len(got), len(want))
	}
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Fatalf("occurrence %d: got %s, oracle %s", i, got[i], want[i])
		}
	}
	nextAfter := func(x time.Time) time.Time {
		i, _ := slices.BinarySearchFunc(want, x, func(w, x time.Time) int {
			if w.After(x) {
				return 1
			}
			return -1
		})
		if i == len(want) {
			return time.Time{}
		}
		return want[i]
	}
	probes := []time.Time{begin}
	for i, w := range want {
		probes = append(probes, w, w.Add(-time.Nanosecond), w.Add(time.Nanosecond), w.Add(-time.Hour), w.Add(time.Hour))
		if i+1 < len(want) {
			gap := want[i+1].Sub(w)
			probes = append(probes, w.Add(gap/2), w.Add(time.Duration(rng.Int64N(int64(gap)))))
		}
	}
	for _, p := range probes {
		if !p.Before(want[len(want)-1]) {
			continue
		}
		n := rule.Next(p)
		if !n.After(p) {
			t.Fatalf("Next(%s) = %s is not after its input", p, n)
		}
		if exp := nextAfter(p); !n.Equal(exp) {
			t.Fatalf("Next(%s) = %s, oracle %s", p, n, exp)
		}
		if n.Location() != rule.Loc {
			t.Fatalf("Next(%s) = %s is not in the rule's zone", p, n)
		}
	}
	for i := 1; i < len(want); i++ {
		if p := rule.Prev(want[i]); !p.Equal(want[i-1]) {
			t.Fatalf("Prev(%s) = %s, want %s", want[i], p, want[i-1])
		}
		if p := rule.Prev(want[i].Add(-time.Nanosecond)); !p.Equal(want[i-1]) {
			t.Fatalf("Prev just before %s = %s, want %s", want[i], p, want[i-1])
		}
	}
}

// The documented DST choices: a wall time in the spring-forward gap moves
// forward by the gap, one in the fall-back overlap is the first instant.
func TestLocalTimeDST(t *testing.T) {
	loc := amsterdam(t)
	tests := []struct {
		d    calendar.Date
		want string
	}{
		{calendar.Date{Year: 2026, Month: time.March, Day: 29}, "2026-03-29T03:30:00+02:00"},
		{calendar.Date{Year: 2026, Month: time.October, Day: 25}, "2026-10-25T02:30:00+02:00"},
		{calendar.Date{Year: 2026, Month: time.October, Day: 26}, "2026-10-26T02:30:00+01:00"},
	}
	for _, tt := range tests {
		if got := calendar.LocalTime(tt.d, 2, 30, loc).Format(time.RFC3339); got != tt.want {
			t.Errorf("LocalTime(%s 02:30) = %s, want %s", tt.d, got, tt.want)
		}
	}
	// A rule at 02:30 on the last Sunday runs once on each DST weekend.
	rule := calendar.NthWeekday{Week: calendar.Last, Weekday: time.Sunday, Hour: 2, Minute: 30, Loc: loc}
	var runs []string
	for at := rule.Next(time.Date(2026, 3, 1, 0, 0, 0, 0, loc)); at.Year() == 2026 && at.Month() <= time.October; at = rule.Next(at) {
		if at.Month() == time.March || at.Month() == time.October {
			runs = append(runs, at.Format(time.RFC3339))
		}
	}
	if want := []string{"2026-03-29T03:30:00+02:00", "2026-10-25T02:30:00+02:00"}; !slices.Equal(runs, want) {
		t.Errorf("DST weekend runs = %v, want %v", runs, want)
	}
}

func TestNthWeekdayNever(t *testing.T) {
	all := []time.Month{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	rule := calendar.NthWeekday{Week: 1, Weekday: time.Monday, SkipMonths: all}
	if at := rule.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); !at.IsZero() {
		t.Errorf("Next with every month skipped = %s", at)
	}
	if at := rule.Prev(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); !at.IsZero() {
		t.Errorf("Prev with every month skipped = %s", at)
	}
}

func TestNthWeekdayValidate(t *testing.T) {
	bad := []calendar.NthWeekday{
		{Week: 0, Weekday: time.Monday},
		{Week: 6, Weekday: time.Monday},
		{Week: 1, Weekday: 7},
		{Week: 1, Weekday: time.Monday, Hour: 24},
		{Week: 1, Weekday: time.Monday, Minute: 60},
		{Week: 1, Weekday: time.Monday, SkipMonths: []time.Month{13}},
	}
	for _, r := range bad {
		if r.Validate() == nil {
			t.Errorf("%+v validated", r)
		}
	}
	if err := (calendar.NthWeekday{Week: calendar.Last, Weekday: time.Friday, Hour: 23, Minute: 59}).Validate(); err != nil {
		t.Errorf("valid rule: %v", err)
	}
}
