package jobs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/redis/go-redis/v9"
	"github.com/vellumhq/vellum/internal/redistest"
)

func TestMain(m *testing.M) { os.Exit(redistest.Main(m)) }

// redisClient is a client of its own on url, as a scheduler node has.
func redisClient(t *testing.T, url string) *redis.Client {
	t.Helper()
	o, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(o)
	t.Cleanup(func() { c.Close() })
	return c
}

// ranTurn is a turn a scheduler node ran.
type ranTurn struct {
	node string
	due  time.Time
}

// lockedScheduler is a scheduler node on a fake clock at t0 whose turns
// are decided by a RedisTurnLock on url; each turn it runs is sent to runs
// and then waits for release.
func lockedScheduler(t *testing.T, url, node string, jobs []Job, runs chan<- ranTurn, release <-chan struct{}, logs io.Writer) (*Scheduler, *clockwork.FakeClock) {
	t.Helper()
	var sc *Scheduler
	stop := make(chan struct{})
	sc, clock := fakeScheduler(t, jobs, func(_ context.Context, j Job) {
		runs <- ranTurn{node, *sc.entry(j.Name).due.Load()}
		select {
		case <-release:
		case <-stop:
		}
	}, slog.New(slog.NewTextHandler(logs, nil)))
	// Runs before the scheduler's Shutdown (cleanups run last first): a
	// test that failed mid-turn does not leave the turn waiting.
	t.Cleanup(func() { close(stop) })
	lock := NewRedisTurnLock(redisClient(t, url))
	lock.Node = node
	sc.TurnLock = lock
	sc.turnRetry = time.Minute
	return sc, clock
}

// waitValue polls the turn's key until its value starts with prefix.
func waitValue(t *testing.T, c *redis.Client, key, prefix string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if v, _ := c.Get(t.Context(), key).Result(); strings.HasPrefix(v, prefix) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s never became %q…", key, prefix)
}

// TestTurnLockRunsEachTurnOnce: two scheduler nodes with the same jobs
// file; each turn runs on one of them, and the other, which waited while
// the turn was held, does not run it after.
// An @every schedule is aligned to the epoch with a TurnLock: the node
// whose clock runs a minute ahead after the first turn names the turns as
// the other does.
func TestTurnLockRunsEachTurnOnce(t *testing.T) {
	for _, sched := range []string{"0 * * * *", "@every 1h"} {
		t.Run(sched, func(t *testing.T) { testTurnsOnce(t, sched) })
	}
}

func testTurnsOnce(t *testing.T, sched string) {
	url := redistest.Shared(t).URL(t)
	jobs := []Job{{Name: "hourly", Schedule: sched, Seeds: []string{"example.org"}}}
	runs := make(chan ranTurn, 10)
	release := make(chan struct{})
	logs := map[string]*syncBuffer{"a": {}, "b": {}}
	a, ca := lockedScheduler(t, url, "a", jobs, runs, release, logs["a"])
	b, cb := lockedScheduler(t, url, "b", jobs, runs, release, logs["b"])
	clocks := map[string]*clockwork.FakeClock{"a": ca, "b": cb}
	elsewhere := map[string]int{}
	a.Start()
	b.Start()
	check := redisClient(t, url)
	for turn := 1; turn <= 3; turn++ {
		waitTimers(t, ca, 1)
		waitTimers(t, cb, 1)
		ca.Advance(time.Hour)
		cb.Advance(time.Hour)
		r := receive(t, runs, "turn run")
		if want := t0.Add(time.Duration(turn) * time.Hour); !r.due.Equal(want) {
			t.Fatalf("turn %d ran for %v, want %v", turn, r.due, want)
		}
		other := map[string]string{"a": "b", "b": "a"}[r.node]
		// The other node found the turn held and waits on it (its next
		// turn's timer and its retry's).
		if len(runs) > 0 {
			t.Fatalf("turn %d ran on %s and on %s", turn, r.node, (<-runs).node)
		}
		waitTimers(t, clocks[other], 2)
		release <- struct{}{}
		waitValue(t, check, turnKey("hourly", r.due), "done "+r.node)
		clocks[other].Advance(time.Minute) // it looks again: the turn ran
		elsewhere[other]++
		waitLog(t, logs[other], "turn runs on another scheduler node", elsewhere[other])
		select {
		case r2 := <-runs:
			t.Fatalf("turn %d ran twice: on %s and on %s", turn, r.node, r2.node)
		default:
		}
	}
	if a.Skipped("hourly")+b.Skipped("hourly") != 0 {
		t.Errorf("turns skipped: %d on a, %d on b", a.Skipped("hourly"), b.Skipped("hourly"))
	}
}

// TestTurnLockNodeDiedHoldingTheTurn: a node took a turn and died before
// running it; its hold expires and the node that waited runs the turn,
// once.
func TestTurnLockNodeDiedHoldingTheTurn(t *testing.T) {
	url := redistest.Shared(t).URL(t)
	jobs := []Job{{Name: "hourly", Schedule: "0 * * * *", Seeds: []string{"example.org"}}}
	due := t0.Add(time.Hour)
	dead := NewRedisTurnLock(redisClient(t, url))
	dead.Node, dead.Lease = "dead", 300*time.Millisecond
	if h, done, err := dead.Take(t.Context(), "hourly", due, due.Add(time.Hour)); h == nil || done || err != nil {
		t.Fatalf("the node that dies: %v %v %v", h, done, err)
	} // and nothing more: no Keep, no Finish, no Release
	runs := make(chan ranTurn, 10)
	release := make(chan struct{})
	close(release)
	sc, clock := lockedScheduler(t, url, "alive", jobs, runs, release, io.Discard)
	sc.Start()
	waitTimers(t, clock, 1)
	clock.Advance(time.Hour)
	deadline := time.Now().Add(10 * time.Second)
	for len(runs) == 0 && time.Now().Before(deadline) {
		waitTimers(t, clock, 2) // it waits on the held turn
		clock.Advance(time.Minute)
		time.Sleep(20 * time.Millisecond)
	}
	r := receive(t, runs, "the turn the dead node held")
	if r.node != "alive" || !r.due.Equal(due) {
		t.Fatalf("ran %+v, want the turn due %v on the live node", r, due)
	}
	waitValue(t, redisClient(t, url), turnKey("hourly", due), "done alive")
	if len(runs) != 0 {
		t.Fatalf("the turn ran again: %+v", <-runs)
	}
}

// syncBuffer is a log destination the scheduler's goroutines write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// waitLog polls logs until msg was logged n times.
func waitLog(t *testing.T, logs *syncBuffer, msg string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Count(logs.String(), msg) >= n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%q not logged %d times:\n%s", msg, n, logs.String())
}

// TestTurnLockLostStopsTheRun: a node whose hold on a turn is taken over
// (its renewal came too late) stops its run rather than run the turn
// alongside the new holder, and does not mark the turn done.
func TestTurnLockLostStopsTheRun(t *testing.T) {
	url := redistest.Shared(t).URL(t)
	jobs := []Job{{Name: "hourly", Schedule: "0 * * * *", Seeds: []string{"example.org"}}}
	stopped := make(chan error, 1)
	var logs syncBuffer
	var sc *Scheduler
	sc, clock := fakeScheduler(t, jobs, func(ctx context.Context, j Job) {
		key := turnKey(j.Name, *sc.entry(j.Name).due.Load())
		// Another node took the turn over.
		if err := redisClient(t, url).Set(context.Background(), key, "run other", time.Minute).Err(); err != nil {
			stopped <- err
			return
		}
		select {
		case <-ctx.Done():
			stopped <- nil
		case <-time.After(10 * time.Second):
			stopped <- errors.New("the run went on after its turn was lost")
		}
	}, slog.New(slog.NewTextHandler(&logs, nil)))
	lock := NewRedisTurnLock(redisClient(t, url))
	lock.Node, lock.Lease = "slow", 150*time.Millisecond
	sc.TurnLock = lock
	sc.Start()
	waitTimers(t, clock, 1)
	clock.Advance(time.Hour)
	if err := receive(t, stopped, "the run's end"); err != nil {
		t.Fatal(err)
	}
	waitLog(t, &logs, "lost the turn's lock while the job ran", 1)
	if v, _ := redisClient(t, url).Get(t.Context(), turnKey("hourly", t0.Add(time.Hour))).Result(); v != "run other" {
		t.Errorf("the turn's key is %q, want the new holder's", v)
	}
}

// TestTurnLockReleasedOnShutdown: a node stopping while it runs a turn
// gives the turn up, not done, so that another node takes it at once.
func TestTurnLockReleasedOnShutdown(t *testing.T) {
	url := redistest.Shared(t).URL(t)
	jobs := []Job{{Name: "hourly", Schedule: "0 * * * *", Seeds: []string{"example.org"}}}
	started := make(chan struct{}, 1)
	sc, clock := fakeScheduler(t, jobs, func(ctx context.Context, j Job) {
		started <- struct{}{}
		<-ctx.Done()
	}, nil)
	lock := NewRedisTurnLock(redisClient(t, url))
	lock.Node = "stopping"
	sc.TurnLock = lock
	sc.Start()
	waitTimers(t, clock, 1)
	clock.Advance(time.Hour)
	receive(t, started, "the turn's run")
	_ = sc.Shutdown()
	due := t0.Add(time.Hour)
	if n, err := redisClient(t, url).Exists(t.Context(), turnKey("hourly", due)).Result(); err != nil || n != 0 {
		t.Fatalf("the turn's key after Shutdown: %d, %v; want it deleted", n, err)
	}
	other := NewRedisTurnLock(redisClient(t, url))
	other.Node = "other"
	if h, done, err := other.Take(t.Context(), "hourly", due, due.Add(time.Hour)); h == nil || done || err != nil {
		t.Fatalf("another node's Take: %v %v %v; want the turn", h, done, err)
	}
}
