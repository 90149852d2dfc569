package calendar_test

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/drentse-aanpak/ambitiebot/internal/calendar"
)

// component is a parsed iCalendar component: properties by name (with
// their parameters kept in the key, e.g. "DTSTART;TZID=Europe/Amsterdam").
type component struct {
	name  string
	props map[string][]string
	subs  []*component
}

func (c *component) get(name string) string {
	for k, v := range c.props {
		if k == name || strings.HasPrefix(k, name+";") {
			return v[0]
		}
	}
	return ""
}

func (c *component) all(name string) []*component {
	var out []*component
	for _, s := range c.subs {
		if s.name == name {
			out = append(out, s)
		}
		out = append(out, s.all(name)...)
	}
	return out
}

// parseICS checks the physical format (CRLF only, lines of at most 75
// octets, no split UTF-8 sequences), unfolds and parses the components.
func parseICS(t *testing.T, raw string) *component {
	t.Helper()
	if !strings.HasSuffix(raw, "\r\n") {
		t.Fatal("output does not end with CRLF")
	}
	if strings.Count(raw, "\n") != strings.Count(raw, "\r\n") || strings.Count(raw, "\r") != strings.Count(raw, "\r\n") {
		t.Fatal("bare CR or LF in output")
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(raw, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Fatalf("line of %d octets: %q", len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Fatalf("line splits a UTF-8 sequence: %q", l)
		}
		if strings.HasPrefix(l, " ") {
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	root := &component{}
	stack := []*component{root}
	for _, l := range lines {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("content line without a colon: %q", l)
		}
		top := stack[len(stack)-1]
		switch name {
		case "BEGIN":
			c := &component{name: value, props: map[string][]string{}}
			top.subs = append(top.subs, c)
			stack = append(stack, c)
		case "END":
			if top.name != value {
				t.Fatalf("END:%s closes %s", value, top.name)
			}
			stack = stack[:len(stack)-1]
		default:
			top.props[name] = append(top.props[name], value)
		}
	}
	if len(stack) != 1 || len(root.subs) != 1 || root.subs[0].name != "VCALENDAR" {
		t.Fatal("not one balanced VCALENDAR")
	}
	return root.subs[0]
}

func unescape(s string) string {
	return strings.NewReplacer(`\\`, `\`, `\;`, ";", `\,`, ",", `\n`, "\n", `\N`, "\n").Replace(s)
}

func writeICS(t *testing.T, cal *calendar.Calendar, from time.Time, count int, summary, description string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := calendar.WriteICS(&buf, cal, from, count, summary, description); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestWriteICS(t *testing.T) {
	loc := amsterdam(t)
	cfg := calendar.DefaultMeetingConfig()
	cfg.SkipMonths = []time.Month{time.July, time.August}
	cfg.Cancelled = []calendar.Date{{Year: 2027, Month: time.March, Day: 16}, {Year: 2027, Month: time.March, Day: 17}}
	cfg.UIDDomain = "example.org"
	cfg.Duration = 90 * time.Minute
	cal := newCalendar(t, cfg, "")
	summary := "Werkgroep Drentse aanpak ondermijning; overleg, maandelijks"
	description := "Agenda:\n1. Voortgang per organisatie — ‘gereed’, ‘knelpunt’\n2. Rondvraag\\slot. " +
		strings.Repeat("Één café-overleg over ondermijning. ", 8)
	from := time.Date(2027, 1, 1, 0, 0, 0, 0, loc)
	raw := writeICS(t, cal, from, 10, summary, description)
	vcal := parseICS(t, raw)

	for _, p := range []string{"VERSION", "PRODID"} {
		if vcal.get(p) == "" {
			t.Errorf("VCALENDAR lacks %s", p)
		}
	}
	events := vcal.all("VEVENT")
	// Ten meetings (January 2027 to January 2028 without March, July and
	// August) plus the cancelled March meeting; 2027-03-17 is no meeting
	// date and is ignored.
	if len(events) != 11 {
		t.Fatalf("%d VEVENTs, want 11", len(events))
	}
	uids := map[string]bool{}
	var starts []string
	for _, e := range events {
		uid := e.get("UID")
		if uids[uid] {
			t.Errorf("duplicate UID %s", uid)
		}
		uids[uid] = true
		if e.get("DTSTAMP") != "20261231T230000Z" {
			t.Errorf("DTSTAMP = %q", e.get("DTSTAMP"))
		}
		if e.get("DURATION") != "PT1H30M" {
			t.Errorf("DURATION = %q", e.get("DURATION"))
		}
		if got := unescape(e.get("SUMMARY")); got != summary {
			t.Errorf("SUMMARY round trip = %q", got)
		}
		if got := unescape(e.get("DESCRIPTION")); got != description {
			t.Errorf("DESCRIPTION round trip = %q", got)
		}
		if _, ok := e.props["DTSTART;TZID=Europe/Amsterdam"]; !ok {
			t.Errorf("event without DTSTART;TZID: %v", e.props)
		}
		starts = append(starts, e.get("DTSTART")+" "+e.get("STATUS")+" "+uid)
	}
	equalLines(t, starts[:4], []string{
		"20270119T100000 CONFIRMED 20270119-meeting@example.org",
		"20270216T100000 CONFIRMED 20270216-meeting@example.org",
		"20270316T100000 CANCELLED 20270316-meeting@example.org",
		"20270420T100000 CONFIRMED 20270420-meeting@example.org",
	})
	for _, s := range starts {
		if strings.HasPrefix(s, "202707") || strings.HasPrefix(s, "202708") {
			t.Errorf("skipped month listed: %s", s)
		}
	}
	if !strings.Contains(raw, "\r\n ") {
		t.Error("the long description was not folded")
	}

	// Same arguments, same bytes; a later window keeps the UIDs.
	if again := writeICS(t, cal, from, 10, summary, description); again != raw {
		t.Error("output differs between runs")
	}
	later := parseICS(t, writeICS(t, cal, time.Date(2027, 4, 1, 0, 0, 0, 0, loc), 3, summary, ""))
	for _, e := range later.all("VEVENT") {
		if !uids[e.get("UID")] {
			t.Errorf("UID %s not stable across windows", e.get("UID"))
		}
		if _, ok := e.props["DESCRIPTION"]; ok {
			t.Error("empty description written")
		}
	}
}

// The VTIMEZONE must turn every local DTSTART back into the meeting's
// instant: evaluate its two RRULE observances and compare with Go's zone.
func TestWriteICSTimeZones(t *testing.T) {
	tests := []struct {
		zone           string
		daylight, std  string // expected DTSTART of the observances
		withTZ, summer bool
	}{
		{"Europe/Amsterdam", "19700329T020000", "19701025T030000", true, true},
		{"Europe/London", "19700329T010000", "19701025T020000", true, true},
		{"Asia/Tokyo", "", "19700101T000000", true, false},
		{"America/New_York", "", "", false, false},
		{"Australia/Sydney", "", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			cfg := calendar.DefaultMeetingConfig()
			cfg.Location = loc
			// 03:30 on the last Sunday is near the switch in every EU zone.
			cfg.Week, cfg.Weekday, cfg.Hour, cfg.Minute = calendar.Last, time.Sunday, 3, 30
			cal := newCalendar(t, cfg, "")
			from := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
			vcal := parseICS(t, writeICS(t, cal, from, 36, "Werkgroep", ""))
			tzs := vcal.all("VTIMEZONE")
			if !tt.withTZ {
				if len(tzs) != 0 {
					t.Fatal("VTIMEZONE for a zone outside the EU rule")
				}
				at := cal.NextMeeting(from.Add(-time.Nanosecond))
				for _, e := range vcal.all("VEVENT") {
					if got := e.props["DTSTART"]; len(got) != 1 || got[0] != at.UTC().Format("20060102T150405Z") {
						t.Fatalf("DTSTART = %v, want %s in UTC", got, at)
					}
					at = cal.NextMeeting(at)
				}
				return
			}
			if len(tzs) != 1 || tzs[0].get("TZID") != tt.zone {
				t.Fatalf("VTIMEZONE = %+v", tzs)
			}
			std, dst := tzs[0].all("STANDARD"), tzs[0].all("DAYLIGHT")
			if len(std) != 1 || std[0].get("DTSTART") != tt.std {
				t.Fatalf("STANDARD = %+v", std)
			}
			if !tt.summer {
				if len(dst) != 0 {
					t.Fatal("DAYLIGHT in a zone without summer time")
				}
				return
			}
			if len(dst) != 1 || dst[0].get("DTSTART") != tt.daylight || dst[0].get("RRULE") != "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" ||
				std[0].get("RRULE") != "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU" {
				t.Fatalf("DAYLIGHT %+v STANDARD %+v", dst, std)
			}
			stdOff, dstOff := parseOffset(t, std[0].get("TZOFFSETTO")), parseOffset(t, dst[0].get("TZOFFSETTO"))
			if parseOffset(t, dst[0].get("TZOFFSETFROM")) != stdOff || parseOffset(t, std[0].get("TZOFFSETFROM")) != dstOff {
				t.Fatal("TZOFFSETFROM does not match the other observance")
			}
			onset := func(year int, month time.Month, dtstart string, fromOff time.Duration) time.Time {
				clock, _ := time.Parse("20060102T150405", dtstart)
				d, _ := calendar.NthWeekday{Week: calendar.Last, Weekday: time.Sunday}.DateIn(year, month)
				return time.Date(d.Year, d.Month, d.Day, clock.Hour(), clock.Minute(), 0, 0, time.UTC).Add(-fromOff)
			}
			at := cal.NextMeeting(from.Add(-time.Nanosecond))
			for _, e := range vcal.all("VEVENT") {
				local, err := time.Parse("20060102T150405", e.props["DTSTART;TZID="+tt.zone][0])
				if err != nil {
					t.Fatal(err)
				}
				inst := local.Add(-stdOff)
				if dl := local.Add(-dstOff); !dl.Before(onset(local.Year(), time.March, tt.daylight, stdOff)) &&
					dl.Before(onset(local.Year(), time.October, tt.std, dstOff)) {
					inst = dl
				}
				if !inst.Equal(at) {
					t.Fatalf("DTSTART %s reads as %s under the VTIMEZONE, meeting is %s", local.Format(time.DateTime), inst, at)
				}
				at = cal.NextMeeting(at)
			}
		})
	}
}

func parseOffset(t *testing.T, s string) time.Duration {
	t.Helper()
	p, err := time.Parse("-0700", s)
	if err != nil {
		t.Fatal(err)
	}
	_, off := p.Zone()
	return time.Duration(off) * time.Second
}
