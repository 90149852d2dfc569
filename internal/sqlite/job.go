package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// StartJobRun records that the occurrence started and returns false when
// it was already done, running or missed. A failed occurrence may start
// again.
func (db *DB) StartJobRun(ctx context.Context, job string, scheduledAt, now time.Time) (bool, error) {
	started := false
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO job_runs (job, scheduled_at, state, started_at)
			VALUES (?, ?, 'running', ?)
			ON CONFLICT (job, scheduled_at) DO UPDATE SET
				state = 'running', started_at = excluded.started_at, finished_at = '', detail = ''
			WHERE job_runs.state = 'failed'`,
			job, formatTime(scheduledAt), formatTime(now))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		started = n == 1
		return err
	})
	if err != nil {
		return false, err
	}
	return started, nil
}

// FinishJobRun records the outcome (done or failed) of a started
// occurrence. Errors: EINVALID, ENOTFOUND, EINTERNAL.
func (db *DB) FinishJobRun(ctx context.Context, job string, scheduledAt time.Time, state ambitiebot.JobState, detail string, now time.Time) error {
	if state != ambitiebot.JobDone && state != ambitiebot.JobFailed {
		return invalid("SqliteErrJobOutcome")
	}
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		return updateOne(ctx, tx, "job run", `UPDATE job_runs SET state = ?, detail = ?, finished_at = ?
			WHERE job = ? AND scheduled_at = ?`,
			string(state), detail, formatTime(now), job, formatTime(scheduledAt))
	})
}

// RecordMissed records an occurrence that will not run. An occurrence that
// already has a record keeps it.
func (db *DB) RecordMissed(ctx context.Context, job string, scheduledAt time.Time, now time.Time) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO job_runs (job, scheduled_at, state, finished_at)
			VALUES (?, ?, 'missed', ?) ON CONFLICT (job, scheduled_at) DO NOTHING`,
			job, formatTime(scheduledAt), formatTime(now))
		return err
	})
}

// FindJobRuns returns the occurrences of job (all jobs when empty), newest
// scheduled first, at most limit (all when limit <= 0).
func (db *DB) FindJobRuns(ctx context.Context, job string, limit int) ([]ambitiebot.JobRun, error) {
	var w filter
	if job != "" {
		w.add("job = ?", job)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT job, scheduled_at, state, started_at, finished_at, detail
		FROM job_runs`+w.where()+` ORDER BY scheduled_at DESC, job LIMIT ?`, append(w.args, sqlLimit(limit))...)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	var out []ambitiebot.JobRun
	for rows.Next() {
		var r ambitiebot.JobRun
		if err := rows.Scan(&r.Job, timeColumn{&r.ScheduledAt}, &r.State,
			timeColumn{&r.StartedAt}, timeColumn{&r.FinishedAt}, &r.Detail); err != nil {
			return nil, internal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err)
	}
	return out, nil
}
