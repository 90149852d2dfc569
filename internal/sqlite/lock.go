package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/fsutil"
)

// lockDB takes the exclusive lock that a serving bot holds for as long as
// it serves, and Restore while it replaces the file: an flock on
// path+".lock". The kernel drops it when the process ends, however it
// ends, so a crashed bot leaves no stale lock. The lock file stays; it
// holds nothing. Held elsewhere, it returns EINVALID "SqliteErrInUse".
func lockDB(path string) (*os.File, error) {
	name := path + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, fsutil.FileMode)
	if err != nil {
		return nil, cannotOpen(name, err)
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		_ = f.Close()
		return nil, &ambitiebot.Error{Code: ambitiebot.EINVALID, MessageID: "SqliteErrInUse",
			Data: map[string]any{"Path": path, "Lock": name}, Err: fmt.Errorf("sqlite: %s is locked", name)}
	}
	if err != nil {
		_ = f.Close()
		return nil, cannotOpen(name, err)
	}
	return f, nil
}

// The dispatch lock tells a starting bot whether the leases it finds are
// stale. Every process that leases deliveries (the serving bot, and a CLI
// command that delivers what it queued) holds a shared flock on
// path+".dispatch" from its first lease until it closes the database. A
// serving bot tries the lock exclusively when it opens: when it gets it,
// no other process can be attempting a delivery, so every lease in the
// table belongs to a process that ended (a crash, kill -9, a power cut)
// and EndStaleLeases makes those deliveries due at once instead of when
// their lease runs out. The kernel drops the lock with its process.
func openDispatchLock(path string) (*os.File, error) {
	name := path + ".dispatch"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, fsutil.FileMode)
	if err != nil {
		return nil, cannotOpen(name, err)
	}
	return f, nil
}

// lockDispatch takes the dispatch lock for a serving bot: exclusively when
// nobody else holds it (alone), else shared, waiting for a starting bot
// that holds it exclusively for a moment.
func lockDispatch(path string) (f *os.File, alone bool, err error) {
	if f, err = openDispatchLock(path); err != nil {
		return nil, false, err
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if err == nil {
		return f, true, nil
	}
	if errors.Is(err, syscall.EWOULDBLOCK) {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH)
	}
	if err != nil {
		_ = f.Close()
		return nil, false, cannotOpen(path+".dispatch", err)
	}
	return f, false, nil
}

// holdDispatch takes the shared dispatch lock before this process's first
// lease, if it does not hold the lock yet. A serving database that still
// holds it exclusively (EndStaleLeases has not run) turns it shared: from
// its own first lease on, a lease in the table may be live, so
// EndStaleLeases must not end any. The lock is tried without blocking
// every dispatchRetry until ctx ends, so that a caller is never stuck in
// the kernel behind a bot that holds the lock exclusively for a moment
// while it starts; the wait holds no mutex, so that Close and the
// process's other goroutines are not held up by it.
func (db *DB) holdDispatch(ctx context.Context) error {
	db.dispatchMu.Lock()
	switch {
	case db.dispatchClosed:
		db.dispatchMu.Unlock()
		return internal(ErrClosed)
	case db.dispatch != nil && db.alone:
		defer db.dispatchMu.Unlock()
		if err := syscall.Flock(int(db.dispatch.Fd()), syscall.LOCK_SH); err != nil {
			return cannotOpen(db.path+".dispatch", err)
		}
		db.alone = false
		return nil
	case db.dispatch != nil:
		db.dispatchMu.Unlock()
		return nil
	}
	db.dispatchMu.Unlock()

	f, err := openDispatchLock(db.path)
	if err != nil {
		return err
	}
	if err := flockShared(ctx, f); err != nil {
		_ = f.Close()
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return internal(fmt.Errorf("sqlite: waiting for %s.dispatch: %w", db.path, err))
		}
		return cannotOpen(db.path+".dispatch", err)
	}
	db.dispatchMu.Lock()
	defer db.dispatchMu.Unlock()
	switch {
	case db.dispatchClosed:
		_ = f.Close()
		return internal(ErrClosed)
	case db.dispatch != nil: // another goroutine got there first
		_ = f.Close()
		return nil
	}
	db.dispatch = f
	return nil
}

// dispatchRetry is how often holdDispatch tries the dispatch lock again
// while another process holds it exclusively.
const dispatchRetry = 50 * time.Millisecond

// flockShared takes a shared flock on f, trying without blocking until it
// succeeds or ctx ends.
func flockShared(ctx context.Context, f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return err
		}
		t := time.NewTimer(dispatchRetry)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
