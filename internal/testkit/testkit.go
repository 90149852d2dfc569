// Package testkit holds what tests of several packages share: the one
// test clock and a log buffer safe for concurrent writers. Only tests
// import it, so it never ends up in the binary.
package testkit

import (
	"bytes"
	"sync"
	"time"
)

// Clock is the test clock. It stands where it was set until a test moves
// it (Set, Add), or, after Run, runs on in real time from there. It is
// safe for concurrent use, as the store's writer and the dispatcher read
// it from their own goroutines.
type Clock struct {
	mu      sync.Mutex
	at      time.Time
	running time.Time // the real time at which at was last true; zero when standing
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{at: t} }

// Now is the clock's time; pass the method value as an ambitiebot.Clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now()
}

func (c *Clock) now() time.Time {
	if c.running.IsZero() {
		return c.at
	}
	return c.at.Add(time.Since(c.running))
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = t
	if !c.running.IsZero() {
		c.running = time.Now()
	}
}

// Add moves the clock forward by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.now().Add(d)
	if !c.running.IsZero() {
		c.running = time.Now()
	}
}

// Run lets the clock run on in real time from where it stands, so that
// two calls never read the same time.
func (c *Clock) Run() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running.IsZero() {
		c.running = time.Now()
	}
}

// SyncBuffer collects log output from concurrent writers.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
