// Package testkit holds what tests of several packages share: the one
// test clock, a log buffer safe for concurrent writers and the message ids
// of the locale files. Only tests import it, so it never ends up in the
// binary.
package testkit

import (
	"bytes"
	"fmt"
	"io/fs"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
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

// MessageIDs returns the message ids defined for lang in the locale files
// of fsys, with their text (the "other" form of a plural), for the tests
// that check that every sentence exists in both languages and is used.
func MessageIDs(fsys fs.FS, lang string) (map[string]string, error) {
	files, err := fs.Glob(fsys, "*."+lang+".toml")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, f := range files {
		var m map[string]any
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		if err := toml.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for k, v := range m {
			if _, dup := out[k]; dup {
				return nil, fmt.Errorf("%s: message %s is defined twice", f, k)
			}
			switch v := v.(type) {
			case string:
				out[k] = v
			case map[string]any: // plural forms
				s, _ := v["other"].(string)
				out[k] = s
			default:
				return nil, fmt.Errorf("%s: message %s is neither text nor plural forms", f, k)
			}
		}
	}
	return out, nil
}
