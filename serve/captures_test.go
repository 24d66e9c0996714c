package serve

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// gatedCapture is a CaptureFunc that reports a run id and progress, then
// waits until the test lets the capture of that URL end (or ctx ends).
type gatedCapture struct {
	release map[string]chan struct{}
}

func newGated(urls ...string) *gatedCapture {
	g := &gatedCapture{release: map[string]chan struct{}{}}
	for _, u := range urls {
		g.release[u] = make(chan struct{})
	}
	return g
}

func (g *gatedCapture) run(ctx context.Context, req CaptureRequest, update func(string, CaptureProgress)) (CaptureOutcome, error) {
	update("run-"+req.URLs[0], CaptureProgress{PagesFound: 1})
	select {
	case <-g.release[req.URLs[0]]:
	case <-ctx.Done():
		return CaptureOutcome{RunID: "run-" + req.URLs[0]}, ctx.Err()
	}
	if strings.Contains(req.URLs[0], "bad") {
		return CaptureOutcome{RunID: "run-" + req.URLs[0], Seeds: []SeedStatus{{URL: req.URLs[0], Line: "FAILED " + req.URLs[0] + ": 404"}}}, nil
	}
	return CaptureOutcome{RunID: "run-" + req.URLs[0], Seeds: []SeedStatus{
		{URL: req.URLs[0], OK: true, Line: "ok     200 " + req.URLs[0], Replay: "/web/20260101000000/" + req.URLs[0]}}}, nil
}

// waitState polls a capture until it is in state want.
func waitState(t *testing.T, q *Captures, id, want string) CaptureState {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, ok := q.Get(id)
		if !ok {
			t.Fatalf("capture %s forgotten", id)
		}
		if st.State == want {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("capture %s is %s, want %s", id, st.State, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func openWithCaptures(t *testing.T, run CaptureFunc, workers, depth int) *Node {
	t.Helper()
	n, err := Open(context.Background(), Config{Archive: t.TempDir(), Capture: run, CaptureWorkers: workers, CaptureQueue: depth})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCapturesQueueIsBounded: with one worker busy and the one place of
// the queue taken, a third capture is refused with a Retry-After, and the
// queued one learns its place; each capture then runs to done or failed.
func TestCapturesQueueIsBounded(t *testing.T) {
	g := newGated("http://a/", "http://bad/")
	n := openWithCaptures(t, g.run, 1, 1)
	defer n.Close()
	q := n.Captures()

	a, err := q.Submit(CaptureRequest{URLs: []string{"http://a/"}})
	if err != nil || a.State != StateQueued || a.Seeds[0].Line != "queued http://a/" {
		t.Fatalf("first capture: %+v, %v", a, err)
	}
	running := waitState(t, q, a.ID, StateRunning)
	if running.RunID != "run-http://a/" || running.Progress.PagesFound != 1 {
		t.Errorf("running capture: run %q, progress %+v; want its run id and progress", running.RunID, running.Progress)
	}
	b, err := q.Submit(CaptureRequest{URLs: []string{"http://bad/"}})
	if err != nil || b.Position != 1 {
		t.Fatalf("second capture: %+v, %v; want queued first in line", b, err)
	}
	_, err = q.Submit(CaptureRequest{URLs: []string{"http://c/"}})
	var full *QueueFullError
	if !errors.As(err, &full) || full.RetryAfter < time.Second {
		t.Fatalf("third capture on a full queue: %v; want a QueueFullError with a Retry-After", err)
	}

	close(g.release["http://a/"])
	done := waitState(t, q, a.ID, StateDone)
	if len(done.Seeds) != 1 || !done.Seeds[0].OK || done.Seeds[0].Replay == "" || done.Ended.IsZero() {
		t.Errorf("done capture: %+v", done)
	}
	close(g.release["http://bad/"])
	failed := waitState(t, q, b.ID, StateFailed)
	if !strings.HasPrefix(failed.Seeds[0].Line, "FAILED") {
		t.Errorf("failed capture's seed line: %q", failed.Seeds[0].Line)
	}
	if _, err := q.Submit(CaptureRequest{URLs: []string{"http://c/"}}); err != nil {
		t.Errorf("a capture once the queue has room: %v", err)
	}
}

// TestCapturesAJobRunsOnceAtATime: a job queued or running is not queued
// again; once it ended it can be.
func TestCapturesAJobRunsOnceAtATime(t *testing.T) {
	release := make(chan struct{})
	run := func(ctx context.Context, req CaptureRequest, update func(string, CaptureProgress)) (CaptureOutcome, error) {
		<-release
		return CaptureOutcome{RunID: "r1"}, nil
	}
	n := openWithCaptures(t, run, 1, 4)
	defer n.Close()
	q := n.Captures()
	first, err := q.Submit(CaptureRequest{Job: "daily"})
	if err != nil {
		t.Fatal(err)
	}
	var busy *JobBusyError
	if _, err := q.Submit(CaptureRequest{Job: "daily"}); !errors.As(err, &busy) || busy.ID != first.ID {
		t.Fatalf("the same job again: %v; want JobBusyError naming %s", err, first.ID)
	}
	close(release)
	if st := waitState(t, q, first.ID, StateDone); st.RunID != "r1" {
		t.Errorf("job capture's run: %q", st.RunID)
	}
	if _, err := q.Submit(CaptureRequest{Job: "daily"}); err != nil {
		t.Errorf("the job once its run ended: %v", err)
	}
}

// TestCloseEndsRunningCapturesAndRefusesNew: Close interrupts the running
// capture, waits for it, fails what was queued and refuses new captures.
func TestCloseEndsRunningCapturesAndRefusesNew(t *testing.T) {
	g := newGated("http://a/", "http://b/")
	n := openWithCaptures(t, g.run, 1, 4)
	q := n.Captures()
	a, _ := q.Submit(CaptureRequest{URLs: []string{"http://a/"}})
	waitState(t, q, a.ID, StateRunning)
	b, _ := q.Submit(CaptureRequest{URLs: []string{"http://b/"}})
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{a.ID, b.ID} {
		st, _ := q.Get(id)
		if st.State != StateFailed || st.Error == "" {
			t.Errorf("capture %s after Close: %s %q; want failed with the reason", id, st.State, st.Error)
		}
	}
	if _, err := q.Submit(CaptureRequest{URLs: []string{"http://c/"}}); !errors.Is(err, ErrCapturesClosed) {
		t.Errorf("Submit after Close: %v", err)
	}
}

// TestCapturesQueuedTogetherRunAsOneRun: captures queued with the same
// settings while the worker is busy run as one run, each with its own
// seeds' outcome; one with other settings runs on its own.
func TestCapturesQueuedTogetherRunAsOneRun(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var runs [][]string
	run := func(ctx context.Context, req CaptureRequest, update func(string, CaptureProgress)) (CaptureOutcome, error) {
		if req.URLs[0] == "http://first/" {
			<-release
		}
		mu.Lock()
		runs = append(runs, req.URLs)
		id := fmt.Sprintf("run%d", len(runs))
		mu.Unlock()
		out := CaptureOutcome{RunID: id}
		for _, u := range req.URLs {
			out.Seeds = append(out.Seeds, SeedStatus{URL: u, OK: !strings.Contains(u, "bad"), Line: "line " + u})
		}
		return out, nil
	}
	n := openWithCaptures(t, run, 1, 10)
	defer n.Close()
	q := n.Captures()
	first, _ := q.Submit(CaptureRequest{URLs: []string{"http://first/"}})
	waitState(t, q, first.ID, StateRunning)
	b, _ := q.Submit(CaptureRequest{URLs: []string{"http://b/", "http://b2/"}})
	deep, _ := q.Submit(CaptureRequest{URLs: []string{"http://deep/"}, Depth: 1})
	c, _ := q.Submit(CaptureRequest{URLs: []string{"http://bad/"}})
	if deep.Position != 2 || c.Position != 3 {
		t.Errorf("positions %d, %d; want 2 and 3", deep.Position, c.Position)
	}
	close(release)
	bs := waitState(t, q, b.ID, StateDone)
	cs := waitState(t, q, c.ID, StateFailed)
	ds := waitState(t, q, deep.ID, StateDone)
	if bs.RunID != cs.RunID || bs.RunID == ds.RunID {
		t.Errorf("runs: b %s, c %s, deep %s; want b and c in one run, deep in another", bs.RunID, cs.RunID, ds.RunID)
	}
	if len(bs.Seeds) != 2 || bs.Seeds[1].Line != "line http://b2/" || len(cs.Seeds) != 1 || cs.Seeds[0].URL != "http://bad/" {
		t.Errorf("seeds: b %+v, c %+v", bs.Seeds, cs.Seeds)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(runs) != 3 || strings.Join(runs[1], " ") != "http://b/ http://b2/ http://bad/" {
		t.Errorf("runs made: %q", runs)
	}
}

// TestAJobItsScheduleRunsIsBusy: a job whose scheduled turn is running
// (Config.JobRunning) is refused as busy, nothing queued; once the turn
// ended, it is queued.
func TestAJobItsScheduleRunsIsBusy(t *testing.T) {
	var scheduled atomic.Bool
	scheduled.Store(true)
	run := func(ctx context.Context, req CaptureRequest, update func(string, CaptureProgress)) (CaptureOutcome, error) {
		return CaptureOutcome{RunID: "r1"}, nil
	}
	n, err := Open(t.Context(), Config{Archive: t.TempDir(), Capture: run, CaptureWorkers: 1,
		CaptureQueue: 4, JobRunning: func(job string) bool { return job == "daily" && scheduled.Load() }})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	q := n.Captures()
	var busy *JobBusyError
	if _, err := q.Submit(CaptureRequest{Job: "daily"}); !errors.As(err, &busy) || !strings.Contains(err.Error(), "schedule") {
		t.Fatalf("a job its schedule runs: %v; want JobBusyError", err)
	}
	if _, err := q.Submit(CaptureRequest{Job: "weekly"}); err != nil {
		t.Errorf("another job: %v", err)
	}
	scheduled.Store(false)
	if _, err := q.Submit(CaptureRequest{Job: "daily"}); err != nil {
		t.Errorf("the job once its turn ended: %v", err)
	}
}
