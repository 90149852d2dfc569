package calendar

import "time"

// DefaultMeetingConfig is the agreement's rhythm: the third Tuesday of the
// month at 10:00 in Europe/Amsterdam, reminders 7 and 1 days before at
// 09:00, the summary at 08:30 and the board report in June and December.
func DefaultMeetingConfig() MeetingConfig {
	return MeetingConfig{
		Week: 3, Weekday: time.Tuesday, Hour: 10, Minute: 0,
		Reminders:     []Reminder{{DaysBefore: 7, Hour: 9}, {DaysBefore: 1, Hour: 9}},
		SummaryHour:   8,
		SummaryMinute: 30,
		ReportMonths:  []time.Month{time.June, time.December},
	}
}
