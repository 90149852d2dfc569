package sqlite_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/fsutil/fsutiltest"
)

// manualClock is a clock the test moves.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Health is the ability to write: once writes fail ("database or disk
// is full") the check fails though every read still answers. It probes
// at most once per five seconds of the injected clock.
func TestCheckHealthProbesAWrite(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t)
	clock := &manualClock{t: time.Date(2027, 1, 11, 14, 0, 0, 0, time.UTC)}
	db.Now = clock.Now
	if err := db.CheckHealth(ctx); err != nil {
		t.Fatalf("a healthy database: %v", err)
	}
	fsutiltest.LimitFileSize(t, path+"-wal")

	clock.Add(4 * time.Second)
	if err := db.CheckHealth(ctx); err != nil {
		t.Errorf("within five seconds the check probed again: %v", err)
	}
	clock.Add(time.Second)
	err := db.CheckHealth(ctx)
	if ambitiebot.ErrorCode(err) != ambitiebot.EINTERNAL {
		t.Errorf("CheckHealth with writes failing = %v, want an internal error", err)
	}
	if _, err := db.FindProgress(ctx, ambitiebot.ProgressFilter{}); err != nil {
		t.Fatalf("reads failed too; the test shows nothing: %v", err)
	}
	t.Logf("probe failed with: %v", err)
}
