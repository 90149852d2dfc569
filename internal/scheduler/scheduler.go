// Package scheduler runs the bot's periodic jobs (reminders, summary,
// board report, awareness posts) on robfig/cron schedules, each scheduled
// occurrence at most once, with an injected clock.
//
// robfig's own cron.Cron reads time.Now internally, so this package has its
// own run loop and reuses only cron.Schedule and the cron.Chain wrappers.
// Every occurrence is recorded through ambitiebot.JobService before it
// runs, so a restart, a second process or a manual run never repeats it.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/drentse-aanpak/ambitiebot/internal/ambitiebot"
)

// DefaultGrace is how late a missed occurrence may still run on start-up.
const DefaultGrace = 12 * time.Hour

// StartJob is the pseudo-job whose runs record each start of the
// scheduler; the first one bounds the catch-up of jobs that never ran.
const StartJob = "scheduler"

// maxMissed bounds the missed occurrences recorded one by one after a long
// outage; older ones are only counted in the log.
const maxMissed = 64

// ErrClosed is returned by Start and RunNow after Close.
var ErrClosed = errors.New("scheduler: closed")

// errPanicked is RunNow's error for a job that panicked.
var errPanicked = errors.New("scheduler: job panicked")

// Scheduler runs jobs at the occurrences of their schedules. Set Jobs;
// Now, After, Logger and Grace default to time.Now, time.After,
// slog.Default() and DefaultGrace. Add every job before Start.
type Scheduler struct {
	Now    func() time.Time
	After  func(d time.Duration) <-chan time.Time
	Jobs   ambitiebot.JobService
	Logger *slog.Logger
	Grace  time.Duration
	// ObserveRun and ObserveMissed, when set, are told of each finished
	// run (outcome "done" or "failed") and each missed occurrence (for
	// metrics).
	ObserveRun    func(job, outcome string)
	ObserveMissed func(job string)

	once    sync.Once
	life    context.Context // cancelled by Close; bounds every run
	stop    context.CancelFunc
	wg      sync.WaitGroup // the loop and every running job
	mu      sync.Mutex     // guards the fields below and each job's next
	jobs    []*job
	started bool
	closed  bool
}

// JobStatus is what `ambitiebot status` shows of a job.
type JobStatus struct {
	Name    string
	LastRun *ambitiebot.JobRun // the newest recorded occurrence, nil if none
	Next    time.Time          // zero when the schedule has no further occurrence
}

type job struct {
	name    string
	sched   cron.Schedule
	run     func(ctx context.Context, scheduledAt time.Time) error
	wrapped cron.Job
	log     *slog.Logger

	// handoff is held from handing an occurrence to wrapped until the
	// chain either takes it (runPending) or skips it (execute).
	handoff sync.Mutex
	pending *occurrence

	next time.Time // guarded by Scheduler.mu
}

// occurrence is one run request travelling through the chain; only the
// goroutine that calls the chain touches it.
type occurrence struct {
	ctx   context.Context
	at    time.Time
	taken bool // the chain did not skip it
	ran   bool // JobService let it start
	err   error
	// state and detail are its outcome, recorded by execute.
	state  ambitiebot.JobState
	detail string
}

func (s *Scheduler) init() {
	s.once.Do(func() {
		if s.Now == nil {
			s.Now = time.Now
		}
		if s.After == nil {
			s.After = time.After
		}
		if s.Logger == nil {
			s.Logger = slog.Default()
		}
		if s.Grace <= 0 {
			s.Grace = DefaultGrace
		}
		s.life, s.stop = context.WithCancel(context.Background())
	})
}

// Add registers a job. run receives the occurrence's scheduled time (not
// the time it runs), which with the name is the occurrence's run key. Add
// panics when called after Start, with a name already taken or reserved,
// or without a schedule or function: all wiring mistakes.
func (s *Scheduler) Add(name string, sched cron.Schedule, run func(ctx context.Context, scheduledAt time.Time) error) {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || name == "" || name == StartJob || s.find(name) != nil || sched == nil || run == nil {
		panic(fmt.Sprintf("scheduler: cannot add job %q", name))
	}
	j := &job{name: name, sched: sched, run: run, log: s.Logger.With("job", name)}
	logger := cronLogger{j.log}
	// Order matters with robfig/cron v3.0.1: SkipIfStillRunning hands its
	// token back only when the job it wraps returns normally. With Recover
	// outside it, NewChain(Recover, SkipIfStillRunning), a panic unwinds
	// through SkipIfStillRunning before it returns the token, and every
	// later run of the job is skipped for good. So Recover goes inside:
	// SkipIfStillRunning(Recover(job)), and a panic ends at Recover.
	j.wrapped = cron.NewChain(cron.SkipIfStillRunning(logger), cron.Recover(logger)).
		Then(cron.FuncJob(func() { s.runPending(j) }))
	s.jobs = append(s.jobs, j)
}

func (s *Scheduler) find(name string) *job {
	for _, j := range s.jobs {
		if j.name == name {
			return j
		}
	}
	return nil
}

// Start records the start, catches up on occurrences missed while the
// scheduler was down and starts the run loop; it returns at once.
//
// Catch-up, per job: the occurrences after its newest recorded one (up to
// now) were missed. The latest of them runs now if it is at most Grace
// old; the others are recorded as missed and logged. A job that never ran
// looks back to the scheduler's previous start (the newest StartJob run):
// the bot was running then, so the job was due from that moment. A new
// database looks back nowhere and gets no invented history.
func (s *Scheduler) Start(ctx context.Context) error {
	s.init()
	s.mu.Lock()
	if s.started || s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.started = true
	jobs := slices.Clone(s.jobs)
	s.mu.Unlock()

	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.life, cancel)
	if err := s.catchUp(ctx, jobs); err != nil {
		stop()
		cancel()
		return err
	}
	if !s.track() {
		stop()
		cancel()
		return ErrClosed
	}
	go func() {
		defer s.wg.Done()
		defer stop()
		defer cancel()
		s.loop(ctx, jobs)
	}()
	return nil
}

func (s *Scheduler) catchUp(ctx context.Context, jobs []*job) error {
	now := s.Now()
	starts, err := s.Jobs.FindJobRuns(ctx, StartJob, 0)
	if err != nil {
		return fmt.Errorf("scheduler: find starts: %w", err)
	}
	// The newest earlier start: the bot was running then, so a job that
	// has never run was due from that moment on.
	var lastStart time.Time
	for _, r := range starts {
		if r.ScheduledAt.Before(now) && r.ScheduledAt.After(lastStart) {
			lastStart = r.ScheduledAt
		}
	}
	if err := s.recordStart(ctx, now); err != nil {
		return err
	}
	for _, j := range jobs {
		runs, err := s.Jobs.FindJobRuns(ctx, j.name, 0)
		if err != nil {
			return fmt.Errorf("scheduler: find runs of %s: %w", j.name, err)
		}
		from := now // a new database: nothing was due before
		if !lastStart.IsZero() {
			from = lastStart
		}
		// The newest recorded occurrence up to now; a manual run may have
		// been scheduled ahead of now.
		var last time.Time
		for _, r := range runs {
			if !r.ScheduledAt.After(now) && r.ScheduledAt.After(last) {
				last = r.ScheduledAt
			}
		}
		if !last.IsZero() {
			from = last
		}
		s.resumeInterrupted(ctx, j, runs, now)
		s.settle(ctx, j, j.sched.Next(from), now)
		s.mu.Lock()
		j.next = j.sched.Next(now)
		s.mu.Unlock()
	}
	return nil
}

// resumeInterrupted deals with occurrences left "running" by a process
// that died mid-run: none runs here yet, so they are marked failed (which
// StartJobRun allows to run again) and rerun when at most Grace old. Jobs
// only queue idempotent deliveries, so a rerun adds just what is missing.
func (s *Scheduler) resumeInterrupted(ctx context.Context, j *job, runs []ambitiebot.JobRun, now time.Time) {
	for _, r := range runs {
		if r.State != ambitiebot.JobRunning {
			continue
		}
		j.log.Warn("occurrence was interrupted by a stop", "scheduled_at", r.ScheduledAt)
		if err := s.Jobs.FinishJobRun(ctx, j.name, r.ScheduledAt, ambitiebot.JobFailed, "interrupted by a stop", now); err != nil {
			j.log.Error("recording interrupted occurrence", "scheduled_at", r.ScheduledAt, "err", err)
			continue
		}
		if !r.ScheduledAt.Before(now.Add(-s.Grace)) {
			s.dispatch(ctx, j, r.ScheduledAt)
		}
	}
}

func (s *Scheduler) recordStart(ctx context.Context, now time.Time) error {
	// Whole seconds, like every scheduled occurrence and the run key.
	now = now.Truncate(time.Second)
	ok, err := s.Jobs.StartJobRun(ctx, StartJob, now, now)
	if err != nil {
		return fmt.Errorf("scheduler: record start: %w", err)
	}
	if !ok { // started twice within the same instant: already recorded
		return nil
	}
	if err := s.Jobs.FinishJobRun(ctx, StartJob, now, ambitiebot.JobDone, "", now); err != nil {
		return fmt.Errorf("scheduler: record start: %w", err)
	}
	return nil
}

// settle deals with j's occurrences from first up to now: the latest runs
// if it is at most Grace old, the others are recorded as missed.
func (s *Scheduler) settle(ctx context.Context, j *job, first, now time.Time) {
	var missed []time.Time
	dropped := 0
	var latest time.Time
	for t := first; !t.IsZero() && !t.After(now); t = j.sched.Next(t) {
		if !latest.IsZero() {
			missed = append(missed, latest)
		}
		latest = t
		if len(missed) > maxMissed {
			missed = missed[1:]
			dropped++
		}
	}
	if latest.IsZero() {
		return
	}
	run := !latest.Before(now.Add(-s.Grace))
	if !run {
		missed = append(missed, latest)
	}
	if dropped > 0 {
		j.log.Warn("occurrences missed, too many to record one by one", "count", dropped, "before", missed[0])
	}
	for _, at := range missed {
		j.log.Warn("occurrence missed", "scheduled_at", at)
		if s.ObserveMissed != nil {
			s.ObserveMissed(j.name)
		}
		if err := s.Jobs.RecordMissed(ctx, j.name, at, now); err != nil {
			j.log.Error("recording missed occurrence", "scheduled_at", at, "err", err)
		}
	}
	if run {
		if latest.Before(now) {
			j.log.Info("catching up on a late occurrence", "scheduled_at", latest)
		}
		s.dispatch(ctx, j, latest)
	}
}

func (s *Scheduler) loop(ctx context.Context, jobs []*job) {
	for {
		var wake <-chan time.Time // nil, so never, when nothing is scheduled
		if next := s.earliest(jobs); !next.IsZero() {
			wake = s.After(next.Sub(s.Now()))
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		}
		// The timer may fire late (a suspended host) or early (the wall
		// clock was set back): act on what is due by the clock.
		now := s.Now()
		for _, j := range jobs {
			s.mu.Lock()
			due := j.next
			s.mu.Unlock()
			if due.IsZero() || due.After(now) {
				continue
			}
			s.settle(ctx, j, due, now)
			s.mu.Lock()
			j.next = j.sched.Next(now)
			s.mu.Unlock()
		}
	}
}

func (s *Scheduler) earliest(jobs []*job) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var next time.Time
	for _, j := range jobs {
		if !j.next.IsZero() && (next.IsZero() || j.next.Before(next)) {
			next = j.next
		}
	}
	return next
}

// track counts a new goroutine or run in wg, unless Close has begun (after
// which wg.Add would race with wg.Wait).
func (s *Scheduler) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

func (s *Scheduler) dispatch(ctx context.Context, j *job, at time.Time) {
	if !s.track() {
		return
	}
	go func() {
		defer s.wg.Done()
		_, _ = s.execute(ctx, j, at) // outcomes are logged and recorded
	}()
}

// execute runs one occurrence through j's chain in this goroutine and
// reports whether it ran.
func (s *Scheduler) execute(ctx context.Context, j *job, at time.Time) (bool, error) {
	// cron.Job.Run takes no arguments, so the occurrence travels through
	// j.pending. The chain calls runPending synchronously in this
	// goroutine; it takes the occurrence and releases handoff. When
	// SkipIfStillRunning skips, runPending is never called and the lock is
	// released here.
	occ := &occurrence{ctx: ctx, at: at}
	j.handoff.Lock()
	j.pending = occ
	j.wrapped.Run()
	if !occ.taken {
		j.pending = nil
		j.handoff.Unlock()
		j.log.Warn("job still running; occurrence skipped", "scheduled_at", at)
	}
	if occ.ran {
		// Recorded once the chain has returned, so that a run seen
		// finished has also given SkipIfStillRunning its token back: the
		// next occurrence, however soon, is not skipped.
		s.finish(j, occ)
	}
	return occ.ran, occ.err
}

// finish records how an occurrence ended. The outcome is recorded even
// when Close cancelled the run.
func (s *Scheduler) finish(j *job, occ *occurrence) {
	err := s.Jobs.FinishJobRun(context.WithoutCancel(occ.ctx), j.name, occ.at, occ.state, occ.detail, s.Now())
	if err != nil {
		j.log.Error("recording job outcome", "scheduled_at", occ.at, "state", occ.state, "err", err)
	}
	if s.ObserveRun != nil {
		s.ObserveRun(j.name, string(occ.state))
	}
}

// runPending is the job at the heart of the chain.
func (s *Scheduler) runPending(j *job) {
	occ := j.pending
	j.pending = nil
	occ.taken = true
	j.handoff.Unlock()

	ok, err := s.Jobs.StartJobRun(occ.ctx, j.name, occ.at, s.Now())
	if err != nil {
		occ.err = err
		j.log.Error("recording job start", "scheduled_at", occ.at, "err", err)
		return
	}
	if !ok {
		j.log.Info("occurrence already handled", "scheduled_at", occ.at)
		return
	}
	occ.ran = true
	occ.state = ambitiebot.JobFailed
	defer func() {
		if r := recover(); r != nil {
			occ.detail = fmt.Sprintf("panic: %v", r)
			occ.err = errPanicked
			panic(r) // on to cron.Recover, which logs it with the stack
		}
	}()
	j.log.Info("job started", "scheduled_at", occ.at)
	if err := j.run(occ.ctx, occ.at); err != nil {
		occ.detail, occ.err = err.Error(), err
		j.log.Error("job failed", "scheduled_at", occ.at, "err", err)
		return
	}
	occ.state = ambitiebot.JobDone
	j.log.Info("job done", "scheduled_at", occ.at)
}

// RunNow runs job name's occurrence scheduledAt now, for commands such as
// `ambitiebot remind`, under the same rule as scheduled runs: ran is false
// when the occurrence was already done, running or missed, or the job is
// still busy with another occurrence. err is the job's own error. An
// unknown name yields an *ambitiebot.Error (ENOTFOUND,
// CalendarErrUnknownJob). Close cancels the run and waits for it.
func (s *Scheduler) RunNow(ctx context.Context, name string, scheduledAt time.Time) (ran bool, err error) {
	s.init()
	s.mu.Lock()
	j := s.find(name)
	s.mu.Unlock()
	if j == nil {
		return false, ambitiebot.Errorf(ambitiebot.ENOTFOUND, "CalendarErrUnknownJob", map[string]any{"Job": name})
	}
	if !s.track() {
		return false, ErrClosed
	}
	defer s.wg.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.life, cancel)()
	return s.execute(ctx, j, scheduledAt)
}

// Status returns every job, in the order added, with its newest recorded
// occurrence and its next one.
func (s *Scheduler) Status(ctx context.Context) ([]JobStatus, error) {
	s.init()
	s.mu.Lock()
	jobs := slices.Clone(s.jobs)
	next := make([]time.Time, len(jobs))
	for i, j := range jobs {
		next[i] = j.next
		if !s.started {
			next[i] = j.sched.Next(s.Now())
		}
	}
	s.mu.Unlock()
	out := make([]JobStatus, len(jobs))
	for i, j := range jobs {
		runs, err := s.Jobs.FindJobRuns(ctx, j.name, 1)
		if err != nil {
			return nil, fmt.Errorf("scheduler: status of %s: %w", j.name, err)
		}
		out[i] = JobStatus{Name: j.name, Next: next[i]}
		if len(runs) > 0 {
			out[i].LastRun = &runs[0]
		}
	}
	return out, nil
}

// Close stops the loop, cancels running jobs and waits for them to
// return. It is safe to call more than once and before Start.
func (s *Scheduler) Close() {
	s.init()
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.stop()
	s.wg.Wait()
}

// cronLogger lets robfig's wrappers log through slog. Their Info messages
// ("skip") go to Debug, because execute logs each skip with its
// occurrence; Recover's panic reports go to Error with the stack.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append([]any{"err", err}, kv...)...)
}
