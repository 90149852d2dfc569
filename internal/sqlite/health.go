package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// healthTTL is how long CheckHealth answers from its last probe, so that
// a load balancer polling /healthz costs at most one small write per
// period.
const healthTTL = 5 * time.Second

type healthCache struct {
	mu  sync.Mutex // held during a probe, so concurrent checks share it
	at  time.Time  // when the last probe ran; zero before the first
	err error
}

// CheckHealth reports whether the database takes writes: it rewrites the
// one row of the health table in an immediate transaction on the write
// connection, the same single writer that status updates use, so a full
// disk, a read-only file or a lock held too long fails it where a read
// would pass. The answer is kept for healthTTL by the injected clock.
// Errors are EINTERNAL, with the cause for the log.
func (db *DB) CheckHealth(ctx context.Context) error {
	h := &db.health
	h.mu.Lock()
	defer h.mu.Unlock()
	now := db.now()
	if !h.at.IsZero() && now.Sub(h.at) < healthTTL && now.Sub(h.at) >= 0 {
		return h.err
	}
	h.err = db.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO health (id, checked_at) VALUES (1, ?)
			ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`, formatTime(now))
		return err
	})
	if ctx.Err() != nil {
		return h.err // the caller gave up; the next one probes afresh
	}
	h.at = now
	return h.err
}
