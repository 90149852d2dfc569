package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"syscall"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// validateDelivery checks what a delivery needs before it is queued. A
// SetStatus feed may leave RunKey empty; it is filled with the change id.
func validateDelivery(d ambitiebot.Delivery, needRunKey bool) error {
	kind, value := d.Target.Split()
	switch {
	case needRunKey && d.RunKey == "",
		value == "",
		kind != "channel" && kind != "user" && kind != "webhook",
		strings.TrimSpace(d.Message) == "":
		return invalid("SqliteErrDeliveryIncomplete")
	}
	return nil
}

// insertDelivery queues d unless its (RunKey, Target) exists, and returns
// its id, or 0 when it was not added. New deliveries are pending and due
// at once unless d.NextAttempt says otherwise; with lease > 0 they are
// stored leased instead (due at now+lease and uncertain), as DueDeliveries
// would lease them. verify stores them uncertain, so that their post is
// looked for before it is made (after a restore).
func insertDelivery(ctx context.Context, tx *sql.Tx, d ambitiebot.Delivery, now time.Time, lease time.Duration, verify bool) (int64, error) {
	if err := validateDelivery(d, true); err != nil {
		return 0, err
	}
	next, uncertain := d.NextAttempt, verify
	if next.IsZero() {
		next = now
	}
	if lease > 0 {
		next, uncertain = now.Add(lease), true
	}
	attachments := ""
	if len(d.Attachments) > 0 {
		b, err := json.Marshal(d.Attachments)
		if err != nil {
			return 0, internal(err)
		}
		attachments = string(b)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO deliveries
		(run_key, target, kind, org_key, message, attachments, state, uncertain, next_attempt, created_at)
		VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)
		ON CONFLICT (run_key, target) DO NOTHING`,
		d.RunKey, string(d.Target), d.Kind, d.OrgKey, d.Message, attachments, uncertain, formatTime(next), formatTime(now))
	if err != nil {
		return 0, internal(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, internal(err)
	}
	if n != 1 {
		return 0, nil
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, internal(err)
	}
	for i, f := range d.Files {
		if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_files (delivery_id, seq, name, data)
			VALUES (?, ?, ?, ?)`, id, i, f.Name, f.Data); err != nil {
			return 0, internal(err)
		}
	}
	return id, nil
}

// EnqueueDeliveries adds ds in one transaction, skipping any (RunKey,
// Target) that already exists, and returns how many were added.
func (db *DB) EnqueueDeliveries(ctx context.Context, ds []ambitiebot.Delivery) (int, error) {
	for _, d := range ds {
		if err := validateDelivery(d, true); err != nil {
			return 0, err
		}
	}
	added := 0
	now := db.now()
	verify := now.Before(db.verifyUntil)
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		var err error
		added, err = insertDeliveries(ctx, tx, ds, now, verify)
		return err
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// insertDeliveries queues ds in tx as insertDelivery does, unleased, and
// returns how many were added.
func insertDeliveries(ctx context.Context, tx *sql.Tx, ds []ambitiebot.Delivery, now time.Time, verify bool) (int, error) {
	added := 0
	for _, d := range ds {
		id, err := insertDelivery(ctx, tx, d, now, 0, verify)
		if err != nil {
			return 0, err
		}
		if id != 0 {
			added++
		}
	}
	return added, nil
}

const deliveryColumns = `id, run_key, target, kind, org_key, message, attachments, state, attempts,
	uncertain, next_attempt, last_error, post_id, created_at, sent_at, reported`

func scanDeliveries(rows *sql.Rows) ([]ambitiebot.Delivery, error) {
	defer rows.Close()
	var out []ambitiebot.Delivery
	for rows.Next() {
		var d ambitiebot.Delivery
		var attachments string
		if err := rows.Scan(&d.ID, &d.RunKey, &d.Target, &d.Kind, &d.OrgKey, &d.Message, &attachments,
			&d.State, &d.Attempts, &d.Uncertain, timeColumn{&d.NextAttempt}, &d.LastError, &d.PostID,
			timeColumn{&d.CreatedAt}, timeColumn{&d.SentAt}, &d.Reported); err != nil {
			return nil, internal(err)
		}
		if attachments != "" {
			if err := json.Unmarshal([]byte(attachments), &d.Attachments); err != nil {
				return nil, internal(err)
			}
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// DueDeliveries returns pending deliveries whose NextAttempt is not after
// now, oldest (first queued) first, at most limit (all when limit <= 0),
// with their files, and leases them when lease > 0 (see the interface).
func (db *DB) DueDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]ambitiebot.Delivery, error) {
	query := `SELECT ` + deliveryColumns + ` FROM deliveries
		WHERE state = 'pending' AND next_attempt <= ? ORDER BY id LIMIT ?`
	var ds []ambitiebot.Delivery
	load := func(q interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	}) error {
		rows, err := q.QueryContext(ctx, query, formatTime(now), sqlLimit(limit))
		if err != nil {
			return internal(err)
		}
		if ds, err = scanDeliveries(rows); err != nil {
			return err
		}
		for i := range ds {
			if ds[i].Files, err = deliveryFiles(ctx, q, ds[i].ID); err != nil {
				return err
			}
		}
		return nil
	}
	if lease <= 0 {
		return ds, load(db.read)
	}
	if err := db.holdDispatch(ctx); err != nil {
		return nil, err
	}
	// Most passes find nothing due: a read connection says so without
	// taking the write lock. A row committed after this look is found by
	// the pass that its Notify (or the next poll) starts.
	var due int
	err := db.read.QueryRowContext(ctx, `SELECT 1 FROM deliveries
		WHERE state = 'pending' AND next_attempt <= ? LIMIT 1`, formatTime(now)).Scan(&due)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, internal(err)
	}
	err = db.writeTx(ctx, func(tx *sql.Tx) error {
		if err := load(tx); err != nil {
			return err
		}
		for _, d := range ds {
			if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET next_attempt = ?, uncertain = 1
				WHERE id = ?`, formatTime(now.Add(lease)), d.ID); err != nil {
				return internal(err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ds, nil
}

// deliveryFiles loads a delivery's files in order. Only the dispatcher
// needs them, so FindDeliveries leaves them out.
func deliveryFiles(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, id int64) ([]ambitiebot.File, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, data FROM delivery_files
		WHERE delivery_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	var out []ambitiebot.File
	for rows.Next() {
		var f ambitiebot.File
		if err := rows.Scan(&f.Name, &f.Data); err != nil {
			return nil, internal(err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// FindDeliveries lists deliveries, newest first, without their files.
func (db *DB) FindDeliveries(ctx context.Context, f ambitiebot.DeliveryFilter) ([]ambitiebot.Delivery, error) {
	var w filter
	if f.RunKey != "" {
		w.add("run_key = ?", f.RunKey)
	}
	if f.Kind != "" {
		w.add("kind = ?", f.Kind)
	}
	if f.State != "" {
		w.add("state = ?", string(f.State))
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries`+w.where()+
		` ORDER BY id DESC LIMIT ?`, append(w.args, sqlLimit(f.Limit))...)
	if err != nil {
		return nil, internal(err)
	}
	return scanDeliveries(rows)
}

// MarkDelivered records a successful post.
func (db *DB) MarkDelivered(ctx context.Context, id int64, postID string, at time.Time) error {
	return db.MarkAllDelivered(ctx, []ambitiebot.Delivered{{ID: id, PostID: postID, At: at}})
}

// MarkAllDelivered records successful posts in one transaction; an id
// that does not exist fails only itself.
func (db *DB) MarkAllDelivered(ctx context.Context, ds []ambitiebot.Delivered) error {
	if len(ds) == 0 {
		return nil
	}
	var missing error
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		missing = nil
		for _, d := range ds {
			err := updateOne(ctx, tx, "delivery", `UPDATE deliveries SET state = 'sent', attempts = attempts + 1,
				uncertain = 0, post_id = ?, sent_at = ? WHERE id = ?`, d.PostID, formatTime(d.At), d.ID)
			switch {
			case ambitiebot.ErrorCode(err) == ambitiebot.ENOTFOUND:
				missing = err
			case err != nil:
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return missing
}

// MarkRetry records a failed attempt to be tried again at next, storing
// uncertain as given: the dispatcher knows whether any attempt so far may
// have posted, and only it can clear the flag a lease set.
func (db *DB) MarkRetry(ctx context.Context, id int64, cause string, uncertain bool, next time.Time) error {
	return db.updateDelivery(ctx, id, `state = 'pending', attempts = attempts + 1,
		uncertain = ?, last_error = ?, next_attempt = ?`, uncertain, cause, formatTime(next))
}

// MarkFailed records a permanent failure.
func (db *DB) MarkFailed(ctx context.Context, id int64, cause string) error {
	return db.updateDelivery(ctx, id, `state = 'failed', attempts = attempts + 1, last_error = ?`, cause)
}

// MarkReported records that a permanent failure has been reported.
// Errors: ENOTFOUND, EINTERNAL.
func (db *DB) MarkReported(ctx context.Context, id int64) error {
	return db.updateDelivery(ctx, id, `reported = 1`)
}

// EndStaleLeases ends, at a serving bot's start, the leases of the
// processes that ended while they held them: when no other process holds
// the dispatch lock (see lockDispatch), every pending delivery that is
// uncertain and due within lease from now was leased, or put off after an
// uncertain attempt, by a process that is gone. They become due now and
// stay uncertain, so that the dispatcher first looks for the post that
// process may have made. With another bot or CLI command delivering, or
// called a second time, it does nothing. It then holds the dispatch lock
// shared, so that other processes may lease.
func (db *DB) EndStaleLeases(ctx context.Context, now time.Time, lease time.Duration) (int, error) {
	db.dispatchMu.Lock()
	defer db.dispatchMu.Unlock()
	if !db.alone {
		return 0, nil
	}
	db.alone = false
	n := 0
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET next_attempt = ?
			WHERE state = 'pending' AND uncertain = 1 AND next_attempt > ? AND next_attempt <= ?`,
			formatTime(now), formatTime(now), formatTime(now.Add(lease)))
		if err != nil {
			return internal(err)
		}
		affected, err := res.RowsAffected()
		if err != nil {
			return internal(err)
		}
		n = int(affected)
		return nil
	})
	if lockErr := syscall.Flock(int(db.dispatch.Fd()), syscall.LOCK_SH); lockErr != nil && err == nil {
		err = cannotOpen(db.path+".dispatch", lockErr)
	}
	return n, err
}

// ReleaseDeliveries makes never-attempted leased deliveries due at now and
// certain (see ambitiebot.DeliveryService).
func (db *DB) ReleaseDeliveries(ctx context.Context, ids []int64, now time.Time) (int, error) {
	released := 0
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		released = 0
		for _, id := range ids {
			res, err := tx.ExecContext(ctx, `UPDATE deliveries SET next_attempt = ?, uncertain = 0
				WHERE id = ? AND state = 'pending' AND attempts = 0`, formatTime(now), id)
			if err != nil {
				return internal(err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return internal(err)
			}
			released += int(n)
		}
		return nil
	})
	return released, err
}

func (db *DB) updateDelivery(ctx context.Context, id int64, set string, args ...any) error {
	return db.writeTx(ctx, func(tx *sql.Tx) error {
		return updateOne(ctx, tx, "delivery", `UPDATE deliveries SET `+set+` WHERE id = ?`, append(args, id)...)
	})
}

// NextAttemptAt implements ambitiebot.DeliveryService. The partial index
// deliveries_due answers it without a scan.
func (db *DB) NextAttemptAt(ctx context.Context) (time.Time, bool, error) {
	var min sql.NullString
	if err := db.read.QueryRowContext(ctx, `SELECT MIN(next_attempt) FROM deliveries
		WHERE state = 'pending'`).Scan(&min); err != nil {
		return time.Time{}, false, internal(err)
	}
	if !min.Valid {
		return time.Time{}, false, nil
	}
	var next time.Time
	if err := (timeColumn{&next}).Scan(min.String); err != nil {
		return time.Time{}, false, internal(err)
	}
	return next, true, nil
}

// RequeueFailed implements ambitiebot.DeliveryService.
func (db *DB) RequeueFailed(ctx context.Context, runKey string, now time.Time) (int, error) {
	var n int64
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'pending', next_attempt = ?, reported = 0
			WHERE run_key = ? AND state = 'failed'`, formatTime(now), runKey)
		if err != nil {
			return internal(err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return internal(err)
		}
		return nil
	})
	return int(n), err
}
