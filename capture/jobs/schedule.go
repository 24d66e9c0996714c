package jobs

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
)

// Scheduler runs jobs on their schedules (robfig/cron schedules), each
// behind cron's SkipIfStillRunning: a job still running when it is due
// again is not started twice, and that skipped turn is logged and counted.
// A failing run (even one that panics) does not affect the other jobs or
// the job's next turns. Times are the jobs' time zone: local time, unless
// a cron expression names another ("CRON_TZ=Europe/Paris 0 6 * * *").
type Scheduler struct {
	log     *slog.Logger
	clock   clock
	run     func(ctx context.Context, j Job)
	entries []*entry

	// TurnLock, when set before Start, makes each turn of a job run on one
	// of the scheduler nodes that hold the same jobs file (turnlock.go);
	// nil (the default) runs every turn here, as on a single machine.
	TurnLock TurnLock
	// turnRetry is how often a node waiting on a turn another node holds
	// looks again (defaultTurnRetry; tests shorten it).
	turnRetry time.Duration

	mu       sync.Mutex         // orders Start, Shutdown and the turns' check
	started  bool               // Start ran: the loops are counted in wg
	stopping bool               // Shutdown began: no turn starts any more
	cancel   context.CancelFunc // ends the loops and the turns' context
	wg       sync.WaitGroup     // the loops, and the turns they started

	stop sync.Once // Shutdown
}

// entry is one scheduled job.
type entry struct {
	job     Job
	sched   cron.Schedule
	skipped atomic.Int64
	next    atomic.Pointer[time.Time] // nil until Start
	due     atomic.Pointer[time.Time] // when the turn starting now was due
}

// clock is where the scheduler reads the time and waits for a turn: the
// real one, or a test's fake that moves only when told.
type clock interface {
	Now() time.Time
	// Timer fires once on the channel after d; stop releases it.
	Timer(d time.Duration) (c <-chan time.Time, stop func() bool)
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) Timer(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// NewScheduler schedules every job that has a schedule; run is called for
// each turn with a context that ends when the scheduler stops. Jobs without
// a schedule are left to `vellum run`.
func NewScheduler(jobs []Job, run func(ctx context.Context, j Job), log *slog.Logger) (*Scheduler, error) {
	return newScheduler(jobs, run, log, realClock{})
}

// newScheduler is NewScheduler on a clock of the caller's: tests give it a
// fake one.
func newScheduler(jobs []Job, run func(ctx context.Context, j Job), log *slog.Logger, clk clock) (*Scheduler, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sc := &Scheduler{log: log.With("component", "scheduler"), clock: clk, run: run, turnRetry: defaultTurnRetry}
	for _, j := range jobs {
		if j.Schedule == "" {
			sc.log.Info("job has no schedule: `vellum run` runs it", "job", j.Name)
			continue
		}
		sched, err := j.Definition()
		if err != nil {
			return nil, err
		}
		sc.entries = append(sc.entries, &entry{job: j, sched: sched})
	}
	return sc, nil
}

// Start starts the schedules: each job's next turn is planned before it
// returns (NextRun tells it), one loop a job waits for the turns.
func (sc *Scheduler) Start() {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.started || sc.stopping {
		return
	}
	sc.started = true
	ctx, cancel := context.WithCancel(context.Background())
	sc.cancel = cancel
	now := sc.clock.Now()
	for _, e := range sc.entries {
		if d, ok := e.sched.(interval); ok && sc.TurnLock != nil {
			e.sched = epochAligned(d)
		}
		next := e.sched.Next(now)
		e.next.Store(&next)
		sc.wg.Go(func() { sc.loop(ctx, e, next) })
	}
}

// loop starts e's turns when due until ctx ends, each in a goroutine of its
// own so that a long turn does not hold the clock: the next turn due while
// it runs is skipped by the wrapper, and the one after is planned.
func (sc *Scheduler) loop(ctx context.Context, e *entry, next time.Time) {
	turn := cron.NewChain(
		cron.SkipIfStillRunning(skipLog{sc.log, e}),
		cron.Recover(panicLog{sc.log, e.job.Name}), // inside: the skip wrapper frees the job after a panic too
	).Then(cron.FuncJob(func() { sc.turn(ctx, e, sc.run) }))
	for !next.IsZero() { // zero: the schedule never fires again
		due, stop := sc.clock.Timer(next.Sub(sc.clock.Now()))
		select {
		case <-ctx.Done():
			stop()
			return
		case <-due:
		}
		at := next
		e.due.Store(&at)
		// Counted while the loop still is, so Shutdown's wait covers it.
		sc.wg.Go(turn.Run)
		next = e.sched.Next(sc.clock.Now())
		e.next.Store(&next)
	}
}

// turn runs one turn of j, unless Shutdown has begun: a turn due just as
// Shutdown started must not start a capture that serve would have to wait
// for with its context already cancelled.
func (sc *Scheduler) turn(ctx context.Context, e *entry, run func(ctx context.Context, j Job)) {
	j := e.job
	sc.mu.Lock()
	stopping := sc.stopping
	sc.mu.Unlock()
	if stopping {
		sc.log.Info("turn not started: the scheduler is stopping", "job", j.Name)
		return
	}
	if sc.TurnLock != nil {
		sc.lockedTurn(ctx, e, run)
		return
	}
	run(ctx, j)
}

// Shutdown stops the schedules, cancels the contexts of the running turns
// and waits for them to end, however long that takes, so that what they
// use (the index) can be closed next. It always returns nil; calls after
// the first return at once.
func (sc *Scheduler) Shutdown() error {
	sc.stop.Do(func() {
		sc.mu.Lock()
		sc.stopping = true
		cancel := sc.cancel
		sc.mu.Unlock()
		if cancel != nil {
			cancel()
		}
		sc.wg.Wait()
	})
	return nil
}

// Skipped reports how many turns of a job were skipped because it was still
// running.
func (sc *Scheduler) Skipped(job string) int64 {
	if e := sc.entry(job); e != nil {
		return e.skipped.Load()
	}
	return 0
}

// Jobs names the scheduled jobs.
func (sc *Scheduler) Jobs() []string {
	names := make([]string, len(sc.entries))
	for i, e := range sc.entries {
		names[i] = e.job.Name
	}
	return names
}

// NextRun is when a job runs next; zero when it has no schedule, before
// Start, or when its schedule never fires again.
func (sc *Scheduler) NextRun(job string) time.Time {
	if e := sc.entry(job); e != nil {
		if t := e.next.Load(); t != nil {
			return *t
		}
	}
	return time.Time{}
}

func (sc *Scheduler) entry(job string) *entry {
	for _, e := range sc.entries {
		if e.job.Name == job {
			return e
		}
	}
	return nil
}

// skipLog is the cron.Logger SkipIfStillRunning is given for one job. The
// wrapper logs nothing but its skips (cron v3.0.1), so each Info is a
// skipped turn: counted, then logged as a warning.
type skipLog struct {
	log *slog.Logger
	e   *entry
}

func (l skipLog) Info(string, ...any) {
	l.e.skipped.Add(1)
	l.log.Warn("job still running when due again: this turn is skipped", "job", l.e.job.Name)
}

func (l skipLog) Error(err error, msg string, kv ...any) {
	l.log.Error(msg, append([]any{"job", l.e.job.Name, "err", err}, kv...)...)
}

// panicLog is the cron.Logger Recover is given: a turn that panicked is
// logged with its stack, and the scheduler goes on.
type panicLog struct {
	log *slog.Logger
	job string
}

func (l panicLog) Info(msg string, kv ...any) { l.log.Info(msg, append([]any{"job", l.job}, kv...)...) }

func (l panicLog) Error(err error, _ string, kv ...any) {
	l.log.Error("turn panicked", append([]any{"job", l.job, "err", err}, kv...)...)
}
