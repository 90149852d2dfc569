package calendar

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	icsLocal = "20060102T150405"
	icsUTC   = "20060102T150405Z"
	// maxLine is RFC 5545's limit on a content line, in octets, without
	// the CRLF.
	maxLine = 75
)

// WriteICS writes count meetings from from (at or after it) as an RFC 5545
// calendar, for subscribing from Outlook or any calendar app. summary and
// description are the events' texts, already translated.
//
// Meetings in skipped months are absent; explicitly cancelled meetings
// between the first and last meeting written appear with STATUS:CANCELLED,
// so a calendar that already shows them marks them cancelled instead of
// silently dropping them. UIDs depend only on the meeting's date and the
// configured domain, so they are stable across runs and across changes of
// the meeting's time. DTSTAMP is from (the caller passes the current time),
// keeping the output a function of the arguments.
//
// Times carry TZID with a VTIMEZONE when the zone follows the EU summer
// time rule (Europe/Amsterdam and the other EU zones) or has no DST; for
// any other zone they are written in UTC.
func WriteICS(w io.Writer, cal *Calendar, from time.Time, count int, summary, description string) error {
	type meeting struct {
		start     time.Time
		cancelled bool
	}
	var meetings []meeting
	for t := cal.meetings.Next(from.Add(-time.Nanosecond)); !t.IsZero() && len(meetings) < count; t = cal.meetings.Next(t) {
		meetings = append(meetings, meeting{start: t})
	}
	if len(meetings) > 0 {
		first, last := meetings[0].start, meetings[len(meetings)-1].start
		for _, d := range cal.meetings.Cancelled {
			if nominal, ok := cal.meetings.DateIn(d.Year, d.Month); !ok || nominal != d || slices.Contains(cal.meetings.SkipMonths, d.Month) {
				continue
			}
			if t := LocalTime(d, cal.meetings.Hour, cal.meetings.Minute, cal.loc); !t.Before(first) && !t.After(last) {
				meetings = append(meetings, meeting{start: t, cancelled: true})
			}
		}
		slices.SortFunc(meetings, func(a, b meeting) int { return a.start.Compare(b.start) })
	}

	var b icsBuilder
	b.line("BEGIN:VCALENDAR")
	b.line("VERSION:2.0")
	b.line("PRODID:-//Drentse aanpak ondermijning//ambitiebot//NL")
	b.line("CALSCALE:GREGORIAN")
	b.line("X-WR-CALNAME:" + escapeText(summary))
	var tz *tzRules
	if len(meetings) > 0 {
		tz = euRules(cal.loc, meetings[0].start, meetings[len(meetings)-1].start)
	}
	if tz != nil {
		b.line("X-WR-TIMEZONE:" + cal.loc.String())
		tz.write(&b)
	}
	stamp := from.UTC().Format(icsUTC)
	for _, m := range meetings {
		b.line("BEGIN:VEVENT")
		b.line(fmt.Sprintf("UID:%s-meeting@%s", DateOf(m.start.In(cal.loc)).compact(), cal.uidDomain))
		b.line("DTSTAMP:" + stamp)
		if tz != nil {
			b.line("DTSTART;TZID=" + tz.id + ":" + m.start.In(cal.loc).Format(icsLocal))
		} else {
			b.line("DTSTART:" + m.start.UTC().Format(icsUTC))
		}
		b.line("DURATION:" + icsDuration(cal.duration))
		b.line("SUMMARY:" + escapeText(summary))
		if description != "" {
			b.line("DESCRIPTION:" + escapeText(description))
		}
		if m.cancelled {
			b.line("STATUS:CANCELLED")
		} else {
			b.line("STATUS:CONFIRMED")
		}
		b.line("TRANSP:OPAQUE")
		b.line("END:VEVENT")
	}
	b.line("END:VCALENDAR")
	_, err := w.Write(b.Bytes())
	return err
}

func (d Date) compact() string { return fmt.Sprintf("%04d%02d%02d", d.Year, d.Month, d.Day) }

// icsBuilder writes content lines folded at 75 octets with CRLF endings;
// a continuation line starts with a space, which counts toward its 75.
type icsBuilder struct{ bytes.Buffer }

func (b *icsBuilder) line(s string) {
	limit := maxLine
	for len(s) > limit {
		cut := limit
		// Never split a UTF-8 sequence across lines.
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = maxLine - 1
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}

// escapeText escapes a TEXT value (RFC 5545 section 3.3.11).
func escapeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`, "\r", `\n`).Replace(s)
}

func icsDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case m == 0:
		return fmt.Sprintf("PT%dH", h)
	case h == 0:
		return fmt.Sprintf("PT%dM", m)
	default:
		return fmt.Sprintf("PT%dH%dM", h, m)
	}
}

// tzRules is a VTIMEZONE: a fixed offset, or standard and summer time
// switching under the EU rule (the last Sundays of March and October at
// 01:00 UTC).
type tzRules struct {
	id               string
	stdName, dstName string
	stdOff, dstOff   int // seconds east of UTC
	summer           bool
}

// euRules returns the VTIMEZONE for loc when, in the years around from
// and to, it has a fixed offset or follows the EU rule; nil otherwise.
func euRules(loc *time.Location, from, to time.Time) *tzRules {
	start := time.Date(from.Year()-1, time.January, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(to.Year()+2, time.January, 1, 0, 0, 0, 0, time.UTC)
	r := &tzRules{id: loc.String()}
	r.stdName, r.stdOff = time.Date(start.Year(), time.January, 15, 12, 0, 0, 0, time.UTC).In(loc).Zone()
	r.dstName, r.dstOff = time.Date(start.Year(), time.July, 15, 12, 0, 0, 0, time.UTC).In(loc).Zone()
	r.summer = r.dstOff != r.stdOff
	if r.summer && r.dstOff < r.stdOff {
		return nil
	}
	// Walk every transition between start and end and check it against
	// the rule; each year must have exactly its two switches.
	switches := 0
	for t := start; ; {
		_, next := t.In(loc).ZoneBounds()
		if next.IsZero() || !next.Before(end) {
			break
		}
		name, off := next.In(loc).Zone()
		y := next.Year()
		switch {
		case r.summer && next.Equal(euSwitch(y, time.March)) && off == r.dstOff && name == r.dstName:
		case r.summer && next.Equal(euSwitch(y, time.October)) && off == r.stdOff && name == r.stdName:
		default:
			return nil
		}
		switches++
		t = next
	}
	if r.summer && switches != 2*(end.Year()-start.Year()) {
		return nil
	}
	return r
}

// euSwitch is the EU summer-time switch in month of year: 01:00 UTC on the
// last Sunday.
func euSwitch(year int, month time.Month) time.Time {
	d, _ := NthWeekday{Week: Last, Weekday: time.Sunday}.DateIn(year, month)
	return time.Date(d.Year, d.Month, d.Day, 1, 0, 0, 0, time.UTC)
}

func (r *tzRules) write(b *icsBuilder) {
	b.line("BEGIN:VTIMEZONE")
	b.line("TZID:" + r.id)
	if !r.summer {
		observance(b, "STANDARD", "19700101T000000", r.stdOff, r.stdOff, r.stdName, "")
	} else {
		// An observance's DTSTART is the local time of its onset, read
		// with the offset in force before it (TZOFFSETFROM).
		spring := euSwitch(1970, time.March).Add(time.Duration(r.stdOff) * time.Second)
		autumn := euSwitch(1970, time.October).Add(time.Duration(r.dstOff) * time.Second)
		observance(b, "DAYLIGHT", spring.Format(icsLocal), r.stdOff, r.dstOff, r.dstName, "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU")
		observance(b, "STANDARD", autumn.Format(icsLocal), r.dstOff, r.stdOff, r.stdName, "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU")
	}
	b.line("END:VTIMEZONE")
}

func observance(b *icsBuilder, kind, start string, from, to int, name, rrule string) {
	b.line("BEGIN:" + kind)
	b.line("DTSTART:" + start)
	b.line("TZOFFSETFROM:" + icsOffset(from))
	b.line("TZOFFSETTO:" + icsOffset(to))
	b.line("TZNAME:" + name)
	if rrule != "" {
		b.line("RRULE:" + rrule)
	}
	b.line("END:" + kind)
}

func icsOffset(sec int) string {
	sign := '+'
	if sec < 0 {
		sign, sec = '-', -sec
	}
	return fmt.Sprintf("%c%02d%02d", sign, sec/3600, sec%3600/60)
}
