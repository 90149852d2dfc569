package scheduler_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// memJobs is an in-memory ambitiebot.JobService following the interface's
// contract: a failed occurrence may start again, any other recorded one
// may not. finished receives the run key of each FinishJobRun (while it
// has room).
type memJobs struct {
	mu       sync.Mutex
	runs     map[string]ambitiebot.JobRun
	finished chan string
}

func newMemJobs() *memJobs {
	return &memJobs{runs: map[string]ambitiebot.JobRun{}, finished: make(chan string, 1000)}
}

func key(job string, at time.Time) string {
	return ambitiebot.JobRun{Job: job, ScheduledAt: at}.RunKey()
}

func (m *memJobs) StartJobRun(_ context.Context, job string, at, now time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.runs[key(job, at)]; ok && r.State != ambitiebot.JobFailed {
		return false, nil
	}
	m.runs[key(job, at)] = ambitiebot.JobRun{Job: job, ScheduledAt: at, State: ambitiebot.JobRunning, StartedAt: now}
	return true, nil
}

func (m *memJobs) FinishJobRun(_ context.Context, job string, at time.Time, state ambitiebot.JobState, detail string, now time.Time) error {
	m.mu.Lock()
	r, ok := m.runs[key(job, at)]
	if !ok || r.State != ambitiebot.JobRunning {
		m.mu.Unlock()
		return fmt.Errorf("finish of %s, which is not running", key(job, at))
	}
	r.State, r.Detail, r.FinishedAt = state, detail, now
	m.runs[key(job, at)] = r
	m.mu.Unlock()
	select {
	case m.finished <- key(job, at):
	default: // a load test finishing more runs than anyone waits for
	}
	return nil
}

func (m *memJobs) RecordMissed(_ context.Context, job string, at, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.runs[key(job, at)]; !ok {
		m.runs[key(job, at)] = ambitiebot.JobRun{Job: job, ScheduledAt: at, State: ambitiebot.JobMissed, FinishedAt: now}
	}
	return nil
}

func (m *memJobs) FindJobRuns(_ context.Context, job string, limit int) ([]ambitiebot.JobRun, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []ambitiebot.JobRun
	for _, r := range m.runs {
		if job == "" || r.Job == job {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b ambitiebot.JobRun) int { return b.ScheduledAt.Compare(a.ScheduledAt) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// states lists job's occurrences, oldest first, as "15:04 state".
func (m *memJobs) states(job string) []string {
	runs, _ := m.FindJobRuns(context.Background(), job, 0)
	var out []string
	for i := len(runs) - 1; i >= 0; i-- {
		out = append(out, runs[i].ScheduledAt.UTC().Format("01-02 15:04")+" "+string(runs[i].State))
	}
	return out
}

func (m *memJobs) waitFinished(t *testing.T, job string, at time.Time) ambitiebot.JobRun {
	t.Helper()
	want := key(job, at)
	deadline := time.After(liveness)
	for {
		select {
		case k := <-m.finished:
			if k == want {
				m.mu.Lock()
				defer m.mu.Unlock()
				return m.runs[k]
			}
		case <-deadline:
			t.Fatalf("%s never finished", want)
		}
	}
}

// fakeClock is the scheduler's Now and After. Every After call is
// announced on waits, so a test knows when the loop is idle.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []fakeTimer
	waits  chan time.Duration
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(now time.Time) *fakeClock {
	return &fakeClock{now: now, waits: make(chan time.Duration, 100)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
	} else {
		c.timers = append(c.timers, fakeTimer{at: c.now.Add(d), ch: ch})
	}
	c.mu.Unlock()
	c.waits <- d
	return ch
}

// set moves the clock to now and fires the timers that are due.
func (c *fakeClock) set(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = now
	c.timers = slices.DeleteFunc(c.timers, func(tm fakeTimer) bool {
		if tm.at.After(now) {
			return false
		}
		tm.ch <- now
		return true
	})
}

// idle waits until the loop arms its next timer and returns its delay.
func (c *fakeClock) idle(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-c.waits:
		return d
	case <-time.After(liveness):
		t.Fatal("the loop never armed a timer")
		return 0
	}
}

// advance moves the clock to now, which must fire the loop's timer, and
// waits until the loop has acted and armed the next one.
func (c *fakeClock) advance(t *testing.T, now time.Time) time.Duration {
	t.Helper()
	c.set(now)
	return c.idle(t)
}

// logSink is a slog.Handler that hands every message to the test.
type logSink struct{ msgs chan string }

func newLogSink() *logSink { return &logSink{msgs: make(chan string, 1000)} }

func (l *logSink) Enabled(context.Context, slog.Level) bool { return true }
func (l *logSink) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logSink) WithGroup(string) slog.Handler            { return l }

func (l *logSink) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		if a.Key != "stack" {
			fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		}
		return true
	})
	select {
	case l.msgs <- b.String():
	default:
	}
	return nil
}

// wait returns the first message containing substr.
func (l *logSink) wait(t *testing.T, substr string) string {
	t.Helper()
	deadline := time.After(liveness)
	for {
		select {
		case m := <-l.msgs:
			if strings.Contains(m, substr) {
				return m
			}
		case <-deadline:
			t.Fatalf("no log message with %q", substr)
		}
	}
}

// liveness bounds how long a test waits for something that must happen
// (a run to finish, a log line): only a hang takes that long, and a busy
// CI machine (the real Mattermost and PostgreSQL run beside the tests)
// can take several seconds to schedule a goroutine.
const liveness = 30 * time.Second
