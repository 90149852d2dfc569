package calendar

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// DefaultAwareness is the default awareness rule: the first Monday of
// every month at 09:30.
const DefaultAwareness = "1 monday 09:30"

var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "zondag": time.Sunday, "sun": time.Sunday, "zo": time.Sunday,
	"monday": time.Monday, "maandag": time.Monday, "mon": time.Monday, "ma": time.Monday,
	"tuesday": time.Tuesday, "dinsdag": time.Tuesday, "tue": time.Tuesday, "di": time.Tuesday,
	"wednesday": time.Wednesday, "woensdag": time.Wednesday, "wed": time.Wednesday, "wo": time.Wednesday,
	"thursday": time.Thursday, "donderdag": time.Thursday, "thu": time.Thursday, "do": time.Thursday,
	"friday": time.Friday, "vrijdag": time.Friday, "fri": time.Friday, "vr": time.Friday,
	"saturday": time.Saturday, "zaterdag": time.Saturday, "sat": time.Saturday, "za": time.Saturday,
}

var weeks = map[string]int{
	"1": 1, "first": 1, "1st": 1, "eerste": 1,
	"2": 2, "second": 2, "2nd": 2, "tweede": 2,
	"3": 3, "third": 3, "3rd": 3, "derde": 3,
	"4": 4, "fourth": 4, "4th": 4, "vierde": 4,
	"5": 5, "fifth": 5, "5th": 5, "vijfde": 5,
	"last": Last, "laatste": Last,
}

// cronParser accepts standard five-field specs, an optional leading
// seconds field and descriptors such as @monthly.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses a schedule from the configuration, in one of two
// forms:
//
//   - an Nth-weekday rule "<week> <weekday> <HH:MM>", where week is 1–5,
//     first…fifth, last (or Dutch eerste…vijfde, laatste) and weekday an
//     English or Dutch day name ("monday", "mon", "maandag", "ma"), case
//     ignored: "1 monday 09:30", "last friday 16:00", "derde dinsdag 10:00";
//   - a robfig/cron spec with an optional seconds field or a descriptor:
//     "30 9 * * 1", "0 30 9 * * 1", "@monthly". It runs in loc unless the
//     spec starts with CRON_TZ= or TZ=.
//
// An invalid spec yields an *ambitiebot.Error (EINVALID,
// CalendarErrSchedule).
func ParseSchedule(spec string, loc *time.Location) (cron.Schedule, error) {
	if loc == nil {
		loc = time.UTC
	}
	if rule, ok, err := parseRule(spec, loc); ok || err != nil {
		if err != nil {
			return nil, scheduleError(spec, err)
		}
		return rule, nil
	}
	full := strings.TrimSpace(spec)
	if !strings.HasPrefix(full, "CRON_TZ=") && !strings.HasPrefix(full, "TZ=") {
		full = "CRON_TZ=" + loc.String() + " " + full
	}
	s, err := cronParser.Parse(full)
	if err != nil {
		return nil, scheduleError(spec, err)
	}
	return s, nil
}

func scheduleError(spec string, err error) error {
	return &ambitiebot.Error{Code: ambitiebot.EINVALID, MessageID: "CalendarErrSchedule", Data: map[string]any{"Spec": spec}, Err: err}
}

// parseRule reports ok when spec has the shape of an Nth-weekday rule (a
// known week word and weekday name), and err when that rule is invalid.
func parseRule(spec string, loc *time.Location) (NthWeekday, bool, error) {
	f := strings.Fields(strings.ToLower(spec))
	if len(f) != 3 {
		return NthWeekday{}, false, nil
	}
	week, okWeek := weeks[f[0]]
	wd, okDay := weekdays[f[1]]
	if !okWeek || !okDay {
		return NthWeekday{}, false, nil
	}
	hour, minute, err := ParseClock(f[2])
	if err != nil {
		return NthWeekday{}, true, err
	}
	r := NthWeekday{Week: week, Weekday: wd, Hour: hour, Minute: minute, Loc: loc}
	return r, true, r.Validate()
}

// ParseClock parses a wall-clock time "HH:MM" (24-hour).
func ParseClock(s string) (hour, minute int, err error) {
	h, m, ok := strings.Cut(s, ":")
	if ok && len(m) == 2 && len(h) >= 1 && len(h) <= 2 {
		hour, err1 := strconv.Atoi(h)
		minute, err2 := strconv.Atoi(m)
		if err1 == nil && err2 == nil && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 {
			return hour, minute, nil
		}
	}
	return 0, 0, fmt.Errorf("%q is not a time HH:MM", s)
}
