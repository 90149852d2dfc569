package scheduler_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
	"github.com/drentse-aanpak/ambitiebot/internal/calendar"
	"github.com/drentse-aanpak/ambitiebot/internal/scheduler"
)

func at(day, hour, minute int) time.Time {
	return time.Date(2027, time.January, day, hour, minute, 0, 0, time.UTC)
}

func spec(t *testing.T, s string) cron.Schedule {
	t.Helper()
	sched, err := cron.ParseStandard("CRON_TZ=UTC " + s)
	if err != nil {
		t.Fatal(err)
	}
	return sched
}

type fixture struct {
	clock *fakeClock
	jobs  *memJobs
	logs  *logSink
	s     *scheduler.Scheduler
	ran   chan time.Time // every scheduledAt a job was called with
}

func newFixture(t *testing.T, now time.Time) *fixture {
	f := &fixture{clock: newFakeClock(now), jobs: newMemJobs(), logs: newLogSink(), ran: make(chan time.Time, 200)}
	f.s = &scheduler.Scheduler{Now: f.clock.Now, After: f.clock.After, Jobs: f.jobs, Logger: slog.New(f.logs)}
	t.Cleanup(f.s.Close)
	return f
}

// record is a job that notes its scheduled time and succeeds.
func (f *fixture) record(_ context.Context, scheduledAt time.Time) error {
	f.ran <- scheduledAt
	return nil
}

func (f *fixture) start(t *testing.T) time.Duration {
	t.Helper()
	if err := f.s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f.clock.idle(t)
}

// drained closes the scheduler (waiting for every job) and returns the
// scheduled times the jobs were called with.
func (f *fixture) drained() []string {
	f.s.Close()
	var out []string
	for {
		select {
		case t := <-f.ran:
			out = append(out, t.UTC().Format("01-02 15:04"))
		default:
			return out
		}
	}
}

func TestRunsAtScheduledTimes(t *testing.T) {
	f := newFixture(t, at(18, 0, 30))
	f.s.Add("hourly", spec(t, "0 * * * *"), f.record)
	if d := f.start(t); d != 30*time.Minute {
		t.Fatalf("first timer in %s, want 30m", d)
	}
	if got := f.jobs.states("hourly"); len(got) != 0 {
		t.Fatalf("first start invented history: %v", got)
	}
	for _, h := range []int{1, 2} {
		if d := f.clock.advance(t, at(18, h, 0)); d != time.Hour {
			t.Fatalf("next timer in %s, want 1h", d)
		}
		if r := f.jobs.waitFinished(t, "hourly", at(18, h, 0)); r.State != ambitiebot.JobDone || !r.StartedAt.Equal(at(18, h, 0)) {
			t.Fatalf("run %+v", r)
		}
	}
	equalLines(t, f.drained(), []string{"01-18 01:00", "01-18 02:00"})
	equalLines(t, f.jobs.states("hourly"), []string{"01-18 01:00 done", "01-18 02:00 done"})
	equalLines(t, f.jobs.states(scheduler.StartJob), []string{"01-18 00:30 done"})
}

func TestNoOverlap(t *testing.T) {
	f := newFixture(t, at(18, 0, 30))
	release, started := make(chan struct{}), make(chan struct{}, 10)
	var calls atomic.Int32
	f.s.Add("slow", spec(t, "0 * * * *"), func(ctx context.Context, scheduledAt time.Time) error {
		started <- struct{}{}
		if calls.Add(1) == 1 {
			<-release
		}
		return f.record(ctx, scheduledAt)
	})
	f.start(t)
	f.clock.advance(t, at(18, 1, 0))
	<-started
	f.clock.advance(t, at(18, 2, 0))
	f.logs.wait(t, "job still running; occurrence skipped scheduled_at=2027-01-18 02:00:00")
	close(release)
	f.jobs.waitFinished(t, "slow", at(18, 1, 0))
	f.clock.advance(t, at(18, 3, 0))
	f.jobs.waitFinished(t, "slow", at(18, 3, 0))
	equalLines(t, f.drained(), []string{"01-18 01:00", "01-18 03:00"})
	equalLines(t, f.jobs.states("slow"), []string{"01-18 01:00 done", "01-18 03:00 done"})
}

// A panic is recorded and logged, and the job still runs next time, also
// after two panics in a row (the chain's order keeps its token).
func TestPanicRecovered(t *testing.T) {
	f := newFixture(t, at(18, 0, 30))
	var calls atomic.Int32
	f.s.Add("fragile", spec(t, "0 * * * *"), func(ctx context.Context, scheduledAt time.Time) error {
		if calls.Add(1) <= 2 {
			var m map[string]int
			//lint:ignore SA5000 the test needs a real runtime panic, not a panic() call
			m["boom"]++
		}
		return f.record(ctx, scheduledAt)
	})
	f.start(t)
	for _, h := range []int{1, 2} {
		f.clock.advance(t, at(18, h, 0))
		r := f.jobs.waitFinished(t, "fragile", at(18, h, 0))
		if r.State != ambitiebot.JobFailed || !strings.HasPrefix(r.Detail, "panic: assignment to entry in nil map") {
			t.Fatalf("after panic %d: %+v", h, r)
		}
		f.logs.wait(t, "cron: panic err=assignment to entry in nil map")
		// Recover logs before SkipIfStillRunning hands its token back;
		// give the job's goroutine that instant, or the next tick would
		// (rightly) be skipped as overlapping.
		time.Sleep(50 * time.Millisecond)
	}
	f.clock.advance(t, at(18, 3, 0))
	f.jobs.waitFinished(t, "fragile", at(18, 3, 0))
	equalLines(t, f.drained(), []string{"01-18 03:00"})
	equalLines(t, f.jobs.states("fragile"), []string{"01-18 01:00 failed", "01-18 02:00 failed", "01-18 03:00 done"})
}

func TestCloseWaitsForRunningJob(t *testing.T) {
	f := newFixture(t, at(18, 0, 30))
	started, returned := make(chan struct{}), make(chan struct{})
	f.s.Add("long", spec(t, "0 * * * *"), func(ctx context.Context, _ time.Time) error {
		close(started)
		<-ctx.Done()
		close(returned)
		return ctx.Err()
	})
	f.start(t)
	f.clock.advance(t, at(18, 1, 0))
	<-started
	closed := make(chan struct{})
	go func() {
		f.s.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(liveness):
		t.Fatal("Close did not return: deadlock")
	}
	select {
	case <-returned:
	default:
		t.Fatal("Close returned before the running job did")
	}
	if r := f.jobs.waitFinished(t, "long", at(18, 1, 0)); r.State != ambitiebot.JobFailed || r.Detail != "context canceled" {
		t.Errorf("cancelled run recorded as %+v", r)
	}
	f.s.Close() // twice is fine
	if err := f.s.Start(context.Background()); !errors.Is(err, scheduler.ErrClosed) {
		t.Errorf("Start after Close: %v", err)
	}
	if _, err := f.s.RunNow(context.Background(), "long", at(18, 5, 0)); !errors.Is(err, scheduler.ErrClosed) {
		t.Errorf("RunNow after Close: %v", err)
	}
}

// Close while runs keep being requested from many goroutines: it returns,
// every request after it is refused, and no run is left unrecorded.
func TestCloseUnderLoadCannotDeadlock(t *testing.T) {
	f := newFixture(t, at(18, 0, 30))
	f.s.Add("busy", spec(t, "0 * * * *"), func(ctx context.Context, _ time.Time) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
			return nil
		}
	})
	f.start(t)
	var wg sync.WaitGroup
	var ran atomic.Int32
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				ok, err := f.s.RunNow(context.Background(), "busy", at(20, g, 0).Add(time.Duration(i)*time.Second))
				if errors.Is(err, scheduler.ErrClosed) {
					return
				}
				if ok {
					ran.Add(1)
				}
			}
		}()
	}
	for ran.Load() < 20 {
		time.Sleep(time.Millisecond)
	}
	closed := make(chan struct{})
	go func() {
		f.s.Close()
		wg.Wait()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close or a RunNow did not return: deadlock")
	}
	runs, _ := f.jobs.FindJobRuns(context.Background(), "busy", 0)
	if len(runs) != int(ran.Load()) {
		t.Errorf("%d runs recorded, %d reported as run", len(runs), ran.Load())
	}
	for _, r := range runs {
		if r.State == ambitiebot.JobRunning {
			t.Errorf("run %s left running", r.RunKey())
		}
	}
}

// seed records past runs: the scheduler's first start and job's done runs.
func seed(t *testing.T, jobs *memJobs, firstStart time.Time, job string, done ...time.Time) {
	t.Helper()
	ctx := context.Background()
	finish := func(job string, at time.Time) {
		if ok, err := jobs.StartJobRun(ctx, job, at, at); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if err := jobs.FinishJobRun(ctx, job, at, ambitiebot.JobDone, "", at); err != nil {
			t.Fatal(err)
		}
		<-jobs.finished
	}
	finish(scheduler.StartJob, firstStart)
	for _, at := range done {
		finish(job, at)
	}
}

func TestCatchUpWithinGrace(t *testing.T) {
	f := newFixture(t, at(18, 1, 30))
	seed(t, f.jobs, at(1, 0, 0), "hourly", at(17, 20, 0))
	f.s.Add("hourly", spec(t, "0 * * * *"), f.record)
	if d := f.start(t); d != 30*time.Minute {
		t.Errorf("next timer in %s", d)
	}
	f.jobs.waitFinished(t, "hourly", at(18, 1, 0))
	f.logs.wait(t, "catching up on a late occurrence scheduled_at=2027-01-18 01:00:00")
	equalLines(t, f.drained(), []string{"01-18 01:00"})
	equalLines(t, f.jobs.states("hourly"), []string{
		"01-17 20:00 done", "01-17 21:00 missed", "01-17 22:00 missed", "01-17 23:00 missed",
		"01-18 00:00 missed", "01-18 01:00 done",
	})
}

func TestCatchUpBeyondGrace(t *testing.T) {
	f := newFixture(t, at(17, 22, 0))
	seed(t, f.jobs, at(1, 0, 0), "daily", at(15, 9, 0))
	f.s.Add("daily", spec(t, "0 9 * * *"), f.record)
	if d := f.start(t); d != 11*time.Hour {
		t.Errorf("next timer in %s", d)
	}
	f.logs.wait(t, "occurrence missed scheduled_at=2027-01-17 09:00:00")
	f.clock.advance(t, at(18, 9, 0))
	f.jobs.waitFinished(t, "daily", at(18, 9, 0))
	equalLines(t, f.drained(), []string{"01-18 09:00"})
	equalLines(t, f.jobs.states("daily"), []string{"01-15 09:00 done", "01-16 09:00 missed", "01-17 09:00 missed", "01-18 09:00 done"})
}

// A job that never ran looks back to the scheduler's previous start, and a
// new database nowhere.
func TestCatchUpNeverRun(t *testing.T) {
	tests := []struct {
		name       string
		firstStart time.Time // zero: a new database
		ran        []string
		states     []string
	}{
		{"new database", time.Time{}, nil, nil},
		{"started two hours ago", at(17, 23, 30), []string{"01-18 01:00"}, []string{"01-18 00:00 missed", "01-18 01:00 done"}},
		{"started twelve hours ago", at(17, 13, 30), []string{"01-18 01:00"}, []string{
			"01-17 14:00 missed", "01-17 15:00 missed", "01-17 16:00 missed", "01-17 17:00 missed",
			"01-17 18:00 missed", "01-17 19:00 missed", "01-17 20:00 missed", "01-17 21:00 missed",
			"01-17 22:00 missed", "01-17 23:00 missed", "01-18 00:00 missed", "01-18 01:00 done",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, at(18, 1, 30))
			if !tt.firstStart.IsZero() {
				seed(t, f.jobs, tt.firstStart, "other")
			}
			f.s.Add("hourly", spec(t, "0 * * * *"), f.record)
			f.start(t)
			equalLines(t, f.drained(), tt.ran)
			equalLines(t, f.jobs.states("hourly"), tt.states)
		})
	}
}

func TestCatchUpCapsMissedRecords(t *testing.T) {
	f := newFixture(t, at(18, 12, 0))
	seed(t, f.jobs, at(1, 0, 0), "minutely", at(15, 12, 0))
	f.s.Add("minutely", spec(t, "* * * * *"), f.record)
	f.start(t)
	f.logs.wait(t, "occurrences missed, too many to record one by one count=")
	equalLines(t, f.drained(), []string{"01-18 12:00"})
	states := f.jobs.states("minutely")
	if len(states) != 1+64+1 || states[1] != "01-18 10:56 missed" || states[65] != "01-18 12:00 done" {
		t.Errorf("%d records: %v … %v", len(states), states[:2], states[len(states)-2:])
	}
}

func TestRunNow(t *testing.T) {
	f := newFixture(t, at(18, 0, 30))
	f.s.Add("remind", spec(t, "0 9 * * 1"), f.record)
	failures := 1
	f.s.Add("flaky", spec(t, "0 9 * * 1"), func(ctx context.Context, scheduledAt time.Time) error {
		if failures > 0 {
			failures--
			return errors.New("chat server answered 503")
		}
		return f.record(ctx, scheduledAt)
	})
	ctx := context.Background()
	for i, want := range []bool{true, false} {
		if ran, err := f.s.RunNow(ctx, "remind", at(18, 9, 0)); ran != want || err != nil {
			t.Errorf("RunNow #%d = %v, %v; want %v", i+1, ran, err, want)
		}
	}
	if ran, err := f.s.RunNow(ctx, "flaky", at(18, 9, 0)); !ran || err == nil || err.Error() != "chat server answered 503" {
		t.Errorf("failing RunNow = %v, %v", ran, err)
	}
	// A failed occurrence may be run again; it then succeeds.
	if ran, err := f.s.RunNow(ctx, "flaky", at(18, 9, 0)); !ran || err != nil {
		t.Errorf("rerun of a failed occurrence = %v, %v", ran, err)
	}
	_, err := f.s.RunNow(ctx, "nonsense", at(18, 9, 0))
	var e *ambitiebot.Error
	if !errors.As(err, &e) || e.Code != ambitiebot.ENOTFOUND || e.MessageID != "CalendarErrUnknownJob" || e.Data["Job"] != "nonsense" {
		t.Errorf("unknown job: %v", err)
	}
	equalLines(t, f.drained(), []string{"01-18 09:00", "01-18 09:00"})
	equalLines(t, f.jobs.states("flaky"), []string{"01-18 09:00 done"})
}

func TestRunNowWhileRunningAndPanicking(t *testing.T) {
	f := newFixture(t, at(18, 0, 30))
	release, started := make(chan struct{}), make(chan struct{}, 2)
	f.s.Add("slow", spec(t, "0 9 * * 1"), func(context.Context, time.Time) error {
		started <- struct{}{}
		<-release
		return nil
	})
	f.s.Add("panicky", spec(t, "0 9 * * 1"), func(context.Context, time.Time) error { panic("kaboom") })
	ctx := context.Background()
	go func() { _, _ = f.s.RunNow(ctx, "slow", at(18, 9, 0)) }()
	<-started
	if ran, err := f.s.RunNow(ctx, "slow", at(25, 9, 0)); ran || err != nil {
		t.Errorf("RunNow while running = %v, %v", ran, err)
	}
	close(release)
	f.jobs.waitFinished(t, "slow", at(18, 9, 0))
	if ran, err := f.s.RunNow(ctx, "slow", at(25, 9, 0)); !ran || err != nil {
		t.Errorf("RunNow after the skip = %v, %v", ran, err)
	}
	for range 2 {
		if ran, err := f.s.RunNow(ctx, "panicky", at(18, 9, 0)); !ran || err == nil {
			t.Errorf("RunNow of a panicking job = %v, %v", ran, err)
		}
	}
	equalLines(t, f.jobs.states("panicky"), []string{"01-18 09:00 failed"})
}

func TestStatus(t *testing.T) {
	f := newFixture(t, at(18, 0, 30))
	f.s.Add("hourly", spec(t, "0 * * * *"), f.record)
	f.s.Add("monday", spec(t, "0 9 * * 1"), f.record)
	st, err := f.s.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 2 || st[0].Name != "hourly" || st[0].LastRun != nil || !st[0].Next.Equal(at(18, 1, 0)) || !st[1].Next.Equal(at(18, 9, 0)) {
		t.Fatalf("status before start: %+v", st)
	}
	f.start(t)
	f.clock.advance(t, at(18, 1, 0))
	f.jobs.waitFinished(t, "hourly", at(18, 1, 0))
	st, err = f.s.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st[0].LastRun == nil || !st[0].LastRun.ScheduledAt.Equal(at(18, 1, 0)) || st[0].LastRun.State != ambitiebot.JobDone || !st[0].Next.Equal(at(18, 2, 0)) {
		t.Errorf("hourly status: %+v", st[0])
	}
	if st[1].LastRun != nil || !st[1].Next.Equal(at(18, 9, 0)) {
		t.Errorf("monday status: %+v", st[1])
	}
}

func TestAddMisuse(t *testing.T) {
	f := newFixture(t, at(18, 0, 30))
	hourly := spec(t, "0 * * * *")
	f.s.Add("hourly", hourly, f.record)
	mustPanic := func(name string, add func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", name)
			}
		}()
		add()
	}
	mustPanic("duplicate", func() { f.s.Add("hourly", hourly, f.record) })
	mustPanic("reserved", func() { f.s.Add(scheduler.StartJob, hourly, f.record) })
	mustPanic("nil schedule", func() { f.s.Add("x", nil, f.record) })
	f.start(t)
	mustPanic("after start", func() { f.s.Add("late", hourly, f.record) })
}

func equalLines(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A meeting-calendar rule at 02:30 on the last Sunday runs once on the
// night the clocks go back, at the first 02:30.
func TestCalendarRuleAcrossDST(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC))
	f.s.Add("night", calendar.NthWeekday{Week: calendar.Last, Weekday: time.Sunday, Hour: 2, Minute: 30, Loc: loc}, f.record)
	first := time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC) // 02:30 CEST
	if d := f.start(t); d != first.Sub(f.clock.Now()) {
		t.Fatalf("first timer in %s", d)
	}
	next := time.Date(2026, 11, 29, 1, 30, 0, 0, time.UTC) // 02:30 CET
	if d := f.clock.advance(t, first); d != next.Sub(first) {
		t.Fatalf("after the first 02:30 the next timer is in %s, want %s", d, next.Sub(first))
	}
	f.jobs.waitFinished(t, "night", first)
	equalLines(t, f.drained(), []string{"10-25 00:30"})
}

// An occurrence left "running" by a process that died mid-run is marked
// failed and run again when it is within Grace; older ones are only marked.
func TestInterruptedRunIsResumed(t *testing.T) {
	f := newFixture(t, at(18, 9, 30))
	seed(t, f.jobs, at(1, 0, 0), "daily", at(16, 9, 0))
	ctx := context.Background()
	for _, when := range []time.Time{at(17, 9, 0), at(18, 9, 0)} {
		if ok, err := f.jobs.StartJobRun(ctx, "daily", when, when); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	f.s.Grace = time.Hour
	f.s.Add("daily", spec(t, "0 9 * * *"), f.record)
	f.start(t)
	f.jobs.waitFinished(t, "daily", at(18, 9, 0))
	f.logs.wait(t, "occurrence was interrupted by a stop scheduled_at=2027-01-17 09:00:00")
	equalLines(t, f.drained(), []string{"01-18 09:00"})
	equalLines(t, f.jobs.states("daily"), []string{"01-16 09:00 done", "01-17 09:00 failed", "01-18 09:00 done"})
}
