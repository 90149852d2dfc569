package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
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
// ambitiebot.Update). Updates from concurrent callers are committed
// together (group commit): while one commit runs, the updates that arrive
// queue up and share the next one. Each is applied inside its own
// savepoint, so one failing update does not fail the others, and each
// caller is answered only after the shared commit. A caller that finds no
// commit running commits its update itself, on its own goroutine, which
// spares a lone user two goroutine hand-overs.
//
// A caller whose ctx ends before a writer took its update gets an error
// and the update is never applied. Once taken, the update is applied whole
// or not at all and the caller waits for that answer (one commit at most).
func (db *DB) SetStatus(ctx context.Context, u ambitiebot.Update) (ambitiebot.Change, error) {
	if err := u.Validate(); err != nil {
		return ambitiebot.Change{}, err
	}
	if u.Lease > 0 && len(u.Feed) > 0 {
		// The feed is stored leased to this process (see lockDispatch).
		if err := db.holdDispatch(ctx); err != nil {
			return ambitiebot.Change{}, err
		}
	}
	for _, d := range u.Feed {
		if u.FeedMessage != nil && strings.TrimSpace(d.Message) == "" {
			d.Message = "-" // written in the transaction; checked there again
		}
		if err := validateDelivery(d, false); err != nil {
			return ambitiebot.Change{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		return ambitiebot.Change{}, internal(err)
	}
	req := &updateRequest{update: u, answer: make(chan updateResult, 1)}
	lead, err := db.enqueue(req)
	if err != nil {
		return ambitiebot.Change{}, err
	}
	var res updateResult
	if lead {
		db.commitBatch([]*updateRequest{req})
		db.handOn()
		res = <-req.answer
	} else {
		select {
		case res = <-req.answer:
		case <-ctx.Done():
			if req.state.CompareAndSwap(requestPending, requestAbandoned) {
				return ambitiebot.Change{}, internal(ctx.Err())
			}
			res = <-req.answer
		}
	}
	if res.err == nil && res.feed != nil {
		copy(u.Feed, res.feed)
	}
	return res.change, res.err
}

// enqueue queues req behind a running commit, or, when none runs, makes
// the caller the writer (lead) of a batch of its own.
func (db *DB) enqueue(req *updateRequest) (lead bool, err error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	switch {
	case db.closed:
		return false, internal(ErrClosed)
	case db.writing:
		db.queue = append(db.queue, req)
		return false, nil
	default:
		db.writing = true
		return true, nil
	}
}

// handOn passes what queued during a caller's own commit to a writer
// goroutine, so that the caller can return with its answer; with nothing
// queued, writing ends.
func (db *DB) handOn() {
	db.mu.Lock()
	defer db.mu.Unlock()
	if len(db.queue) == 0 {
		db.endWriting()
		return
	}
	go db.drain()
}

// drain commits queued updates in batches until none is left, and then
// ends writing.
func (db *DB) drain() {
	for batch := db.takeBatch(); batch != nil; batch = db.takeBatch() {
		db.commitBatch(batch)
	}
}

// takeBatch takes up to maxBatch waiting updates off the queue, or ends
// writing and returns nil when none is waiting.
func (db *DB) takeBatch() []*updateRequest {
	db.mu.Lock()
	defer db.mu.Unlock()
	if len(db.queue) == 0 {
		db.endWriting()
		return nil
	}
	n := min(len(db.queue), maxBatch)
	batch := db.queue[:n:n]
	db.queue = slices.Clone(db.queue[n:])
	return batch
}

// Busy reports whether status updates are being committed or waiting for
// a commit, so that background work can give way to them.
func (db *DB) Busy() bool {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.writing
}

// endWriting lets the next caller commit and Close proceed; db.mu is held.
func (db *DB) endWriting() {
	db.writing = false
	db.idle.Broadcast()
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
