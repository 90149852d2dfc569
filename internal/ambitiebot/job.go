package ambitiebot

import (
	"context"
	"time"
)

// JobState is where one scheduled occurrence of a job stands.
type JobState string

const (
	JobRunning JobState = "running"
	JobDone    JobState = "done"
	JobFailed  JobState = "failed"
	JobMissed  JobState = "missed" // the bot was down past the grace window
)

// JobRun is one occurrence of a scheduled job, keyed by job name and the
// time it was scheduled for (not the time it ran).
type JobRun struct {
	Job         string // "reminder", "summary", "report", "awareness"
	ScheduledAt time.Time
	State       JobState
	StartedAt   time.Time
	FinishedAt  time.Time
	Detail      string // e.g. the awareness message id, or the error
}

// RunKey identifies the occurrence in deliveries and logs.
func (r JobRun) RunKey() string { return r.Job + ":" + r.ScheduledAt.UTC().Format(time.RFC3339) }

// JobService records job occurrences so that none runs twice and a missed
// one is noticed after downtime.
type JobService interface {
	// StartJobRun records that the occurrence started. It returns false
	// when the occurrence was already done, running or missed, so that
	// a second start (a restart, a manual run) does nothing.
	StartJobRun(ctx context.Context, job string, scheduledAt, now time.Time) (bool, error)

	// FinishJobRun records the outcome of a started occurrence.
	FinishJobRun(ctx context.Context, job string, scheduledAt time.Time, state JobState, detail string, now time.Time) error

	// RecordMissed records an occurrence that will not run.
	RecordMissed(ctx context.Context, job string, scheduledAt time.Time, now time.Time) error

	// FindJobRuns returns the occurrences of job (all jobs when empty),
	// newest first, at most limit (all when limit <= 0).
	FindJobRuns(ctx context.Context, job string, limit int) ([]JobRun, error)
}
