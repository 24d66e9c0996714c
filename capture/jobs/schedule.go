package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
)

// Scheduler runs jobs on their schedules (gocron v2), each in singleton
// mode: a job still running when it is due again is not started twice, and
// that skipped turn is logged and counted. A failing run does not affect the
// other jobs or the job's next turns.
type Scheduler struct {
	s       gocron.Scheduler
	log     *slog.Logger
	skipped sync.Map // job name → *atomic.Int64
	names   []string
	runs    sync.WaitGroup // the turns running

	mu       sync.Mutex // orders runs.Add before Shutdown's runs.Wait
	stopping bool       // Shutdown began: no turn starts any more

	stop    sync.Once // Shutdown
	stopErr error
}

// NewScheduler schedules every job that has a schedule; run is called for
// each turn with a context that ends when the scheduler stops. Jobs without
// a schedule are left to `vellum run`.
func NewScheduler(jobs []Job, run func(ctx context.Context, j Job), log *slog.Logger) (*Scheduler, error) {
	return newScheduler(jobs, run, log)
}

// newScheduler is NewScheduler with more gocron options: tests give it a
// clock of their own and a shorter stop timeout.
func newScheduler(jobs []Job, run func(ctx context.Context, j Job), log *slog.Logger, opts ...gocron.SchedulerOption) (*Scheduler, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sc := &Scheduler{log: log.With("component", "scheduler")}
	opts = append([]gocron.SchedulerOption{gocron.WithMonitor(monitor{sc}), gocron.WithStopTimeout(time.Minute)}, opts...)
	s, err := gocron.NewScheduler(opts...)
	if err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	sc.s = s
	for _, j := range jobs {
		if j.Schedule == "" {
			sc.log.Info("job has no schedule: `vellum run` runs it", "job", j.Name)
			continue
		}
		def, err := j.Definition()
		if err != nil {
			_ = s.Shutdown()
			return nil, err
		}
		sc.skipped.Store(j.Name, new(atomic.Int64))
		sc.names = append(sc.names, j.Name)
		// gocron passes each turn a context that Shutdown cancels.
		_, err = s.NewJob(def, gocron.NewTask(func(ctx context.Context) { sc.turn(ctx, j, run) }),
			gocron.WithName(j.Name), gocron.WithSingletonMode(gocron.LimitModeReschedule))
		if err != nil {
			_ = s.Shutdown()
			return nil, fmt.Errorf("job %q: schedule %q: %w", j.Name, j.Schedule, err)
		}
	}
	return sc, nil
}

// turn runs one turn of j, unless Shutdown has begun: a turn gocron
// dispatched just as Shutdown started must not count itself in after
// Shutdown's wait has returned, or serve would close the index under it.
func (sc *Scheduler) turn(ctx context.Context, j Job, run func(ctx context.Context, j Job)) {
	sc.mu.Lock()
	if sc.stopping {
		sc.mu.Unlock()
		sc.log.Info("turn not started: the scheduler is stopping", "job", j.Name)
		return
	}
	sc.runs.Add(1)
	sc.mu.Unlock()
	defer sc.runs.Done()
	run(ctx, j)
}

// Start starts the schedules.
func (sc *Scheduler) Start() { sc.s.Start() }

// Shutdown stops the schedules, cancels the contexts of the running turns
// and waits for them to end, so that what they use (the index) can be
// closed next. gocron waits a minute at most; a turn that takes longer to
// stop is still waited for. Calls after the first return its error.
func (sc *Scheduler) Shutdown() error {
	// Once: gocron's own Shutdown, called again as it ends, can wait a
	// minute for a stop that already happened.
	sc.stop.Do(func() {
		sc.mu.Lock()
		sc.stopping = true
		sc.mu.Unlock()
		err := sc.s.Shutdown()
		sc.runs.Wait()
		if errors.Is(err, gocron.ErrStopJobsTimedOut) {
			err = nil // they ended since
		}
		sc.stopErr = err
	})
	return sc.stopErr
}

// Skipped reports how many turns of a job were skipped because it was still
// running.
func (sc *Scheduler) Skipped(job string) int64 {
	if v, ok := sc.skipped.Load(job); ok {
		return v.(*atomic.Int64).Load()
	}
	return 0
}

// Jobs names the scheduled jobs.
func (sc *Scheduler) Jobs() []string { return sc.names }

// NextRun is when a job runs next; zero when it has no schedule.
func (sc *Scheduler) NextRun(job string) time.Time {
	for _, j := range sc.s.Jobs() {
		if j.Name() == job {
			t, _ := j.NextRun()
			return t
		}
	}
	return time.Time{}
}

// monitor hears from gocron about each turn; it logs the skipped ones.
type monitor struct{ sc *Scheduler }

func (m monitor) IncrementJob(_ uuid.UUID, name string, _ []string, status gocron.JobStatus) {
	if status != gocron.SingletonRescheduled && status != gocron.Skip {
		return
	}
	if v, ok := m.sc.skipped.Load(name); ok {
		v.(*atomic.Int64).Add(1)
	}
	m.sc.log.Warn("job still running when due again: this turn is skipped", "job", name)
}

func (monitor) RecordJobTiming(time.Time, time.Time, uuid.UUID, string, []string) {}
