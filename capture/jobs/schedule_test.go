package jobs

import (
	"context"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

// t0 is the fake clock's start: 05:00 local time, so that a daily cron
// expression is due later the same day.
var t0 = time.Date(2026, 1, 5, 5, 0, 0, 0, time.Local)

// fakeClock is the scheduler's clock on a clockwork fake: time moves only
// when the test advances it.
type fakeClock struct{ *clockwork.FakeClock }

func (c fakeClock) Timer(d time.Duration) (<-chan time.Time, func() bool) {
	t := c.NewTimer(d)
	return t.Chan(), t.Stop
}

// fakeScheduler schedules jobs on a fake clock that starts at t0; what it
// logs goes to log (nil = nowhere).
func fakeScheduler(t *testing.T, jobs []Job, run func(context.Context, Job), log *slog.Logger) (*Scheduler, *clockwork.FakeClock) {
	t.Helper()
	clock := clockwork.NewFakeClockAt(t0)
	sc, err := newScheduler(jobs, run, log, fakeClock{clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sc.Shutdown() })
	return sc, clock
}

// waitTimers waits until n timers wait on the clock: the scheduler has
// planned the next turn of each of its n jobs.
func waitTimers(t *testing.T, clock *clockwork.FakeClock, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := clock.BlockUntilContext(ctx, n); err != nil {
		t.Fatalf("the scheduler did not plan %d turns: %v", n, err)
	}
}

// receive waits for a value from ch, failing the test after a deadline.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s", what)
		panic("unreachable")
	}
}

func TestSchedulerNextRunAndTurns(t *testing.T) {
	jobs := []Job{
		{Name: "hourly", Schedule: "@every 1h", Seeds: []string{"example.org"}},
		{Name: "daily", Schedule: "30 6 * * *", Seeds: []string{"example.org"}},
		{Name: "on-demand", Seeds: []string{"example.org"}},
	}
	turns := make(chan string, 10)
	sc, clock := fakeScheduler(t, jobs, func(_ context.Context, j Job) { turns <- j.Name }, nil)
	if got := strings.Join(sc.Jobs(), ","); got != "hourly,daily" {
		t.Errorf("Jobs() = %s, want hourly,daily (a job without a schedule is left to `vellum run`)", got)
	}
	sc.Start()
	waitTimers(t, clock, 2)
	at := func(h, m int) time.Time { return time.Date(2026, 1, 5, h, m, 0, 0, time.Local) }
	for _, c := range []struct {
		job  string
		want time.Time
	}{
		{"hourly", at(6, 0)},
		{"daily", at(6, 30)},
		{"on-demand", time.Time{}},
		{"unknown", time.Time{}},
	} {
		if got := sc.NextRun(c.job); !got.Equal(c.want) {
			t.Errorf("NextRun(%s) = %v, want %v", c.job, got, c.want)
		}
	}

	// Each turn comes when due, and the job's next one is planned. (A job
	// due again at once could find its last turn not quite released by the
	// skip wrapper, and that turn skipped: the skipping has a test of its own.)
	for _, c := range []struct {
		advance time.Duration
		job     string
		next    time.Time
	}{
		{time.Hour, "hourly", at(7, 0)},                         // 06:00
		{30 * time.Minute, "daily", at(6, 30).AddDate(0, 0, 1)}, // 06:30
	} {
		clock.Advance(c.advance)
		now := clock.Now().Format("15:04")
		if got := receive(t, turns, "turn at "+now); got != c.job {
			t.Errorf("at %s %s ran, want %s", now, got, c.job)
		}
		waitTimers(t, clock, 2)
		// The job's loop plans its next turn a moment after it starts this
		// one.
		if !eventually(func() bool { return sc.NextRun(c.job).Equal(c.next) }) {
			t.Errorf("after its turn at %s, NextRun(%s) = %v, want %v", now, c.job, sc.NextRun(c.job), c.next)
		}
	}
	select {
	case got := <-turns:
		t.Errorf("%s ran when not due", got)
	default:
	}
	if sc.Skipped("hourly") != 0 || sc.Skipped("daily") != 0 {
		t.Errorf("turns skipped: hourly %d, daily %d", sc.Skipped("hourly"), sc.Skipped("daily"))
	}
}

func TestSchedulerSkipsATurnWhileTheJobRuns(t *testing.T) {
	jobs := []Job{{Name: "slow", Schedule: "@every 1m", Seeds: []string{"example.org"}}}
	started := make(chan struct{}, 10)
	release := make(chan struct{})
	warnings := make(chan slog.Record, 10)
	sc, clock := fakeScheduler(t, jobs, func(ctx context.Context, _ Job) {
		started <- struct{}{}
		select {
		case <-release:
		case <-ctx.Done():
		}
	}, slog.New(chanHandler(warnings)))
	sc.Start()
	waitTimers(t, clock, 1)
	clock.Advance(time.Minute)
	receive(t, started, "first turn")

	// Due again while the first turn runs: skipped, and counted.
	waitTimers(t, clock, 1)
	clock.Advance(time.Minute)
	w := receive(t, warnings, "warning of the skipped turn")
	if want := "job still running when due again: this turn is skipped"; w.Message != want || attr(w, "job") != "slow" {
		t.Errorf("warned %q (job %q), want %q (job slow)", w.Message, attr(w, "job"), want)
	}
	// Counted before it is logged.
	if n := sc.Skipped("slow"); n < 1 {
		t.Errorf("Skipped = %d, want 1 or more", n)
	}
	select {
	case <-started:
		t.Fatal("a second turn started while the first still ran")
	default:
	}

	// Once the first turn ended, the next one runs. The skip wrapper frees
	// the job a moment after the turn returns: a turn due before is skipped
	// too.
	close(release)
	deadline := time.Now().Add(30 * time.Second)
	for ran := false; !ran; {
		if time.Now().After(deadline) {
			t.Fatalf("no turn within 30 s after the running one ended (%d skipped)", sc.Skipped("slow"))
		}
		waitTimers(t, clock, 1)
		clock.Advance(time.Minute)
		select {
		case <-started:
			ran = true
		case <-warnings:
		case <-time.After(10 * time.Second):
			t.Fatal("no turn after the running one ended")
		}
	}
	if sc.Skipped("unknown") != 0 {
		t.Error("an unknown job has skipped turns")
	}
}

func TestSchedulerShutdownWaitsForRunningTurns(t *testing.T) {
	jobs := []Job{{Name: "a", Schedule: "@every 1m", Seeds: []string{"example.org"}}}
	started, cancelled, release := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var ended atomic.Bool
	sc, clock := fakeScheduler(t, jobs, func(ctx context.Context, _ Job) {
		close(started)
		<-ctx.Done() // Shutdown cancels the turn's context
		close(cancelled)
		<-release // the turn takes a while to stop cleanly
		ended.Store(true)
	}, nil)
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(free) // before the scheduler's Shutdown, if the test fails
	sc.Start()
	waitTimers(t, clock, 1)
	clock.Advance(time.Minute)
	receive(t, started, "turn")

	endedAtShutdown := make(chan bool, 1)
	go func() {
		if err := sc.Shutdown(); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		endedAtShutdown <- ended.Load()
	}()
	receive(t, cancelled, "cancellation of the running turn")
	// The turn is held: Shutdown must wait for it, not return.
	returned := false
	if !eventually(func() bool {
		select {
		case <-endedAtShutdown:
			returned = true
			return true
		default:
			return waitingIn("(*Scheduler).Shutdown")
		}
	}) {
		t.Fatal("Shutdown neither returned nor waits for the running turn")
	}
	if returned {
		t.Fatal("Shutdown returned before the running turn ended")
	}
	free()
	if !receive(t, endedAtShutdown, "return from Shutdown") {
		t.Error("Shutdown returned before the running turn ended")
	}
}

// eventually polls cond until it holds, for 10 seconds at most, a
// millisecond apart (a poll takes a dump of every goroutine's stack).
func eventually(cond func() bool) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if cond() {
			return true
		}
	}
	return false
}

// waitingIn reports whether a goroutine is blocked in a WaitGroup's Wait
// called by fn (or by a function literal in it, however inlined): it shows
// that Shutdown waits for the turns, where watching it not return would
// need a pause of arbitrary length.
func waitingIn(fn string) bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if i := strings.Index(g, "sync.(*WaitGroup).Wait("); i >= 0 {
			// The frame below Wait's is its caller's; a frame is two lines.
			rest := strings.SplitN(g[i:], "\n", 4)
			if len(rest) == 4 && strings.Contains(rest[2], "/capture/jobs.") && strings.Contains(rest[2], fn) {
				return true
			}
		}
	}
	return false
}

func TestNewSchedulerRefusesABadSchedule(t *testing.T) {
	for _, c := range []struct{ schedule, want string }{
		{"61 * * * *", `job "a": schedule "61 * * * *": end of range (61) above maximum (59): 61`},
		{"@every 1ms", `job "a": schedule "@every 1ms": interval must be at least 1s`},
		{"0 0 30 2 *", `job "a": schedule "0 0 30 2 *": never fires`},
	} {
		_, err := NewScheduler([]Job{
			{Name: "ok", Schedule: "@daily"},
			{Name: "a", Schedule: c.schedule},
		}, func(context.Context, Job) {}, nil)
		if err == nil || err.Error() != c.want {
			t.Errorf("schedule %q: got %v, want %s", c.schedule, err, c.want)
		}
	}
}

// chanHandler sends the warnings and errors logged to a channel.
type chanHandler chan<- slog.Record

func (h chanHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h chanHandler) Handle(_ context.Context, r slog.Record) error {
	h <- r.Clone()
	return nil
}
func (h chanHandler) WithAttrs([]slog.Attr) slog.Handler { return h } // the component attribute is not checked
func (h chanHandler) WithGroup(string) slog.Handler      { return h }

// attr is the value of a record's attribute key, as text.
func attr(r slog.Record, key string) string {
	var v string
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value.String()
			return false
		}
		return true
	})
	return v
}

// A turn that comes due as Shutdown begins must not start: its capture would
// begin with its context already cancelled, and serve waits for it to close
// the index.
func TestNoTurnStartsOnceShutdownBegan(t *testing.T) {
	ran := false
	sc, _ := fakeScheduler(t, []Job{{Name: "a", Schedule: "@daily"}}, nil, nil)
	if err := sc.Shutdown(); err != nil {
		t.Fatal(err)
	}
	sc.turn(t.Context(), &entry{job: Job{Name: "a"}}, func(context.Context, Job) { ran = true })
	if ran {
		t.Errorf("a turn started after Shutdown returned")
	}
	// Before Shutdown a turn runs, and Shutdown waits for it.
	sc2, _ := fakeScheduler(t, []Job{{Name: "b", Schedule: "@daily"}}, nil, nil)
	sc2.turn(t.Context(), &entry{job: Job{Name: "b"}}, func(context.Context, Job) { ran = true })
	if !ran {
		t.Errorf("a turn before Shutdown did not run")
	}
}

// A turn that panics is logged, and the scheduler goes on: the process
// lives, and the job is freed for its next turns.
func TestSchedulerGoesOnAfterATurnPanics(t *testing.T) {
	turns := make(chan int32, 10)
	logged := make(chan slog.Record, 10)
	var n atomic.Int32
	sc, clock := fakeScheduler(t, []Job{{Name: "bad", Schedule: "@every 1m"}}, func(context.Context, Job) {
		i := n.Add(1)
		turns <- i
		if i == 1 {
			panic("boom")
		}
	}, slog.New(chanHandler(logged)))
	sc.Start()
	waitTimers(t, clock, 1)
	clock.Advance(time.Minute)
	receive(t, turns, "first turn")
	r := receive(t, logged, "error of the panic")
	if r.Message != "turn panicked" || attr(r, "job") != "bad" || !strings.Contains(attr(r, "err"), "boom") {
		t.Errorf("logged %q (job %q, err %q), want \"turn panicked\" (job bad, err boom)", r.Message, attr(r, "job"), attr(r, "err"))
	}
	// The skip wrapper frees the job a moment after the panic is logged: a
	// turn due before is skipped.
	deadline := time.Now().Add(10 * time.Second)
	for ran := false; !ran; {
		if time.Now().After(deadline) {
			t.Fatalf("no turn after the one that panicked: %d skipped", sc.Skipped("bad"))
		}
		waitTimers(t, clock, 1)
		clock.Advance(time.Minute)
		select {
		case <-turns:
			ran = true
		case <-logged:
		case <-time.After(10 * time.Second):
			t.Fatal("no turn after the one that panicked")
		}
	}
}
