package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// maxBatch caps how many updates share one commit, so that one batch
// cannot hold the write lock for long.
const maxBatch = 256

// Request states: the writer and a caller that gives up race to move a
// request out of pending, and exactly one of them wins.
const (
	requestPending   int32 = iota
	requestTaken           // the writer will apply it and answer
	requestAbandoned       // the caller left; the writer skips it
)

type updateRequest struct {
	update ambitiebot.Update
	state  atomic.Int32
	answer chan updateResult // buffered: the writer never blocks on it
}

type updateResult struct {
	change ambitiebot.Change
	feed   []ambitiebot.Delivery // the update's Feed as queued
	err    error
}

// SetStatus records u: the current status, a history entry and u.Feed, in
// one transaction, and writes the queued deliveries back into u.Feed (see
// ambitiebot.Update). Updates from concurrent callers are committed together
// by one writer goroutine (group commit): each is applied inside its own
// savepoint, so one failing update does not fail the others, and each
// caller is answered only after the shared commit.
//
// A caller whose ctx ends before the writer took its update gets an error
// and the update is never applied. Once taken, the update is applied whole
// or not at all and the caller waits for that answer (one commit at most).
func (db *DB) SetStatus(ctx context.Context, u ambitiebot.Update) (ambitiebot.Change, error) {
	if err := u.Validate(); err != nil {
		return ambitiebot.Change{}, err
	}
	for _, d := range u.Feed {
		if err := validateDelivery(d, false); err != nil {
			return ambitiebot.Change{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		return ambitiebot.Change{}, internal(err)
	}
	req := &updateRequest{update: u, answer: make(chan updateResult, 1)}
	if err := db.enqueue(ctx, req); err != nil {
		return ambitiebot.Change{}, err
	}
	var res updateResult
	select {
	case res = <-req.answer:
	case <-ctx.Done():
		if req.state.CompareAndSwap(requestPending, requestAbandoned) {
			return ambitiebot.Change{}, internal(ctx.Err())
		}
		res = <-req.answer
	}
	if res.err == nil && res.feed != nil {
		copy(u.Feed, res.feed)
	}
	return res.change, res.err
}

func (db *DB) enqueue(ctx context.Context, req *updateRequest) error {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.closed {
		return internal(ErrClosed)
	}
	select {
	case db.updates <- req:
		return nil
	case <-ctx.Done():
		return internal(ctx.Err())
	}
}

// runWriter commits queued updates in batches until the queue is closed
// and drained.
func (db *DB) runWriter() {
	defer close(db.done)
	batch := make([]*updateRequest, 0, maxBatch)
	for first := range db.updates {
		batch = append(batch[:0], first)
	gather:
		for len(batch) < maxBatch {
			select {
			case req, ok := <-db.updates:
				if !ok {
					break gather
				}
				batch = append(batch, req)
			default:
				break gather
			}
		}
		db.commitBatch(batch)
	}
}

// commitBatch applies the batch in one immediate transaction, one
// savepoint per update, and answers every caller after the commit.
func (db *DB) commitBatch(batch []*updateRequest) {
	taken := batch[:0]
	for _, req := range batch {
		if req.state.CompareAndSwap(requestPending, requestTaken) {
			taken = append(taken, req)
		}
	}
	if len(taken) == 0 {
		return
	}
	results := make([]updateResult, len(taken))
	answerAll := func(err error) {
		for i, req := range taken {
			if err != nil {
				results[i] = updateResult{err: internal(err)}
			}
			req.answer <- results[i]
		}
	}
	// The batch belongs to no single caller, so no caller's ctx may cut
	// it short; callers that left were skipped above.
	ctx := context.Background()
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		answerAll(err)
		return
	}
	for i, req := range taken {
		apply := func() error {
			change, feed, err := db.applyUpdate(ctx, tx, req.update)
			results[i] = updateResult{change: change, feed: feed, err: err}
			return err
		}
		// An update alone in its batch needs no savepoint: rolling the
		// whole transaction back undoes nobody else's work. This saves two
		// statements on the path of a lone user.
		if len(taken) == 1 {
			if apply() != nil {
				_ = tx.Rollback()
				answerAll(nil) // results holds the update's own error
				return
			}
			continue
		}
		if err := savepoint(ctx, tx, apply); err != nil {
			_ = tx.Rollback()
			answerAll(err)
			return
		}
	}
	if err := tx.Commit(); err != nil {
		answerAll(err)
		return
	}
	answerAll(nil)
}

// savepoint runs fn inside a savepoint and rolls back only fn's writes when
// it fails. The returned error is about the savepoint itself: after one,
// the transaction's state is unknown.
func savepoint(ctx context.Context, tx *sql.Tx, fn func() error) error {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT update_one`); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	if fn() != nil {
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO update_one`); err != nil {
			return fmt.Errorf("rollback to savepoint: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `RELEASE update_one`); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return nil
}
