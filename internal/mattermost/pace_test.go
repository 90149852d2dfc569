package mattermost

import (
	"testing"
	"time"
)

// The pacer lets a burst through at once, then one call per 1/rate, and
// a pause refills it up to the burst only.
func TestPacerIsATokenBucket(t *testing.T) {
	now := time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC)
	p := newPacer(10, 3, func() time.Time { return now })
	for i := range 3 {
		if d := p.reserve(); d != 0 {
			t.Fatalf("call %d of the burst waits %v", i+1, d)
		}
	}
	if d := p.reserve(); d != 100*time.Millisecond {
		t.Errorf("first call past the burst waits %v, want 100ms", d)
	}
	if d := p.reserve(); d != 200*time.Millisecond {
		t.Errorf("second call past the burst waits %v, want 200ms (queued behind the first)", d)
	}
	now = now.Add(time.Hour)
	for i := range 3 {
		if d := p.reserve(); d != 0 {
			t.Fatalf("after a pause, call %d waits %v", i+1, d)
		}
	}
	if d := p.reserve(); d == 0 {
		t.Error("a pause refilled more than the burst")
	}
	if newPacer(0, 10, time.Now) != nil {
		t.Error("a zero rate paces")
	}
}
