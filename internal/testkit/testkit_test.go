package testkit_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/testkit"
)

func TestClockStandsUntilMoved(t *testing.T) {
	t0 := time.Date(2027, 1, 11, 14, 0, 0, 0, time.UTC)
	c := testkit.NewClock(t0)
	if got := c.Now(); !got.Equal(t0) || !c.Now().Equal(t0) {
		t.Fatalf("a standing clock reads %v, want %v", got, t0)
	}
	c.Add(time.Hour)
	if got := c.Now(); !got.Equal(t0.Add(time.Hour)) {
		t.Errorf("after Add: %v", got)
	}
	c.Set(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Errorf("after Set: %v", got)
	}
}

func TestClockRuns(t *testing.T) {
	t0 := time.Date(2025, 6, 25, 14, 0, 0, 0, time.UTC)
	c := testkit.NewClock(t0)
	c.Run()
	a := c.Now()
	time.Sleep(2 * time.Millisecond)
	b := c.Now()
	if a.Before(t0) || !b.After(a) || b.Sub(t0) > time.Minute {
		t.Fatalf("a running clock read %v then %v from %v", a, b, t0)
	}
	c.Set(t0.Add(24 * time.Hour))
	if got := c.Now(); got.Before(t0.Add(24*time.Hour)) || got.Sub(t0) > 25*time.Hour {
		t.Errorf("after Set a running clock reads %v", got)
	}
}

func TestSyncBuffer(t *testing.T) {
	var b testkit.SyncBuffer
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() { defer wg.Done(); fmt.Fprintf(&b, "%d\n", i) }()
	}
	wg.Wait()
	if n := len(b.String()); n != 20 {
		t.Errorf("%d bytes written, want 20", n)
	}
}
