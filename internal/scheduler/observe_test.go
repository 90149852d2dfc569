package scheduler_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// observed collects what the scheduler reports to its metric hooks.
type observed struct {
	mu     sync.Mutex
	runs   map[string]int // "job outcome"
	missed map[string]int
}

func observe(f *fixture) *observed {
	o := &observed{runs: map[string]int{}, missed: map[string]int{}}
	f.s.ObserveRun = func(job, outcome string) { o.mu.Lock(); o.runs[job+" "+outcome]++; o.mu.Unlock() }
	f.s.ObserveMissed = func(job string) { o.mu.Lock(); o.missed[job]++; o.mu.Unlock() }
	return o
}

func TestObserveRunsAndMisses(t *testing.T) {
	f := newFixture(t, at(18, 1, 30))
	o := observe(f)
	seed(t, f.jobs, at(1, 0, 0), "hourly", at(17, 20, 0))
	f.s.Add("hourly", spec(t, "0 * * * *"), f.record)
	f.s.Add("failing", spec(t, "0 9 * * *"), func(context.Context, time.Time) error { return errors.New("broken") })
	f.start(t)
	f.jobs.waitFinished(t, "hourly", at(18, 1, 0))
	if _, err := f.s.RunNow(context.Background(), "failing", at(18, 9, 0)); err == nil {
		t.Fatal("the failing job did not fail")
	}
	f.drained()
	o.mu.Lock()
	defer o.mu.Unlock()
	// 21:00 to 00:00 were missed; 01:00 ran late, within the grace.
	if o.missed["hourly"] != 4 || o.runs["hourly done"] != 1 || o.runs["failing failed"] != 1 {
		t.Errorf("observed runs %v, missed %v; want hourly done 1, failing failed 1, hourly missed 4", o.runs, o.missed)
	}
}
