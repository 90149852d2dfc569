package workgroup

import (
	"testing"
	"time"
)

func TestRateLimiter(t *testing.T) {
	now := time.Date(2027, 1, 11, 14, 0, 0, 0, time.UTC)
	l := NewRateLimiter(3, func() time.Time { return now })
	for i := range 3 {
		if ok, _ := l.Allow("jan"); !ok {
			t.Fatalf("command %d of a burst of 3 refused", i+1)
		}
	}
	ok, wait := l.Allow("jan")
	if ok || wait != 20*time.Second {
		t.Fatalf("4th command: allowed %v, wait %v; want refused, 20s", ok, wait)
	}
	if ok, _ := l.Allow("anna"); !ok {
		t.Error("another user is limited by jan's flood")
	}
	now = now.Add(15 * time.Second)
	if ok, wait := l.Allow("jan"); ok || wait != 5*time.Second {
		t.Errorf("after 15 s: allowed %v, wait %v; want refused, 5s", ok, wait)
	}
	now = now.Add(5 * time.Second)
	if ok, _ := l.Allow("jan"); !ok {
		t.Error("after 20 s one command is allowed again")
	}
	if ok, _ := l.Allow("jan"); ok {
		t.Error("only one token came back after 20 s")
	}
	// A clock set back gives no tokens and does not break the bucket.
	now = now.Add(-time.Hour)
	if ok, _ := l.Allow("jan"); ok {
		t.Error("setting the clock back refilled the bucket")
	}
	now = now.Add(time.Hour + time.Minute)
	for i := range 3 {
		if ok, _ := l.Allow("jan"); !ok {
			t.Fatalf("after a quiet minute, command %d of 3 refused", i+1)
		}
	}
}

func TestRateLimiterForgetsIdleUsers(t *testing.T) {
	now := time.Date(2027, 1, 11, 14, 0, 0, 0, time.UTC)
	l := NewRateLimiter(30, func() time.Time { return now })
	for i := range sweepAt + 1 {
		l.Allow(string(rune('a'+i%26)) + time.Duration(i).String())
	}
	now = now.Add(time.Minute)
	l.Allow("jan")
	if n := len(l.buckets); n != 1 {
		t.Errorf("%d buckets kept after every other user was idle for a minute, want 1", n)
	}
}

func TestRateLimiterOff(t *testing.T) {
	l := NewRateLimiter(0, func() time.Time { return time.Time{} })
	for range 100 {
		if ok, _ := l.Allow("jan"); !ok {
			t.Fatal("a limit of 0 refused a command")
		}
	}
}
