package serve

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/vellumhq/vellum/internal/oneline"
)

// CaptureRequest is a capture asked for over HTTP (the API, Save Page
// Now): seeds and how far to follow their links, or a job of the jobs file
// to run now.
type CaptureRequest struct {
	URLs    []string
	Depth   int
	Scope   string // page, prefix, host or domain; "" for the capture default
	Browser bool   // load the pages in headless Chromium
	Job     string // a job of the jobs file to run now; URLs are then empty
}

// The states of a queued capture.
const (
	StateQueued  = "queued"
	StateRunning = "running"
	StateDone    = "done"   // the run ended and every seed was archived
	StateFailed  = "failed" // the run could not run or end, or a seed failed
)

// CaptureProgress is how far a running capture has come.
type CaptureProgress struct {
	PagesFound int64 // pages found so far: seeds and links in scope
	PagesDone  int64 // of those, pages finished
	Pages      int64 // pages archived
	Requisites int64
	Bytes      int64
	Errors     int64
}

// SeedStatus is what became of one seed.
type SeedStatus struct {
	URL    string // as asked for
	OK     bool   // archived whole
	Line   string // its status line, as `vellum capture` prints it
	Replay string // /web/<ts>/<url> of the capture; "" when nothing was archived
}

// CaptureOutcome is what a CaptureFunc reports of a finished run.
type CaptureOutcome struct {
	RunID string
	Seeds []SeedStatus
}

// CaptureFunc runs one request to its end, calling update with the run's
// id when it starts and with its progress as it goes. cmd/vellum wires the
// capture engine (serve does not import it); ctx ends when the node
// closes.
type CaptureFunc func(ctx context.Context, req CaptureRequest, update func(runID string, p CaptureProgress)) (CaptureOutcome, error)

// CaptureState is a queued capture as the API reports it.
type CaptureState struct {
	ID       string
	State    string
	Request  CaptureRequest
	Position int // place in the queue while queued: 1 is next
	RunID    string
	Progress CaptureProgress
	Seeds    []SeedStatus // in the order asked; lines say "queued" until the run ends
	Error    string       // why the run could not run or end
	Queued   time.Time
	Started  time.Time
	Ended    time.Time
}

// QueueFullError is returned by Submit when the queue is full.
type QueueFullError struct {
	RetryAfter time.Duration // a guess at when a place frees up
}

func (e *QueueFullError) Error() string {
	return fmt.Sprintf("the capture queue is full; try again in %s", e.RetryAfter)
}

// JobBusyError is returned by Submit for a job already queued or running.
type JobBusyError struct {
	Job string
	ID  string // the capture that runs it
}

func (e *JobBusyError) Error() string {
	return fmt.Sprintf("job %s is already queued or running (capture %s)", e.Job, e.ID)
}

// ErrCapturesClosed is returned by Submit once the node is closing.
var ErrCapturesClosed = errors.New("serve: the node is closing; no capture is queued")

// keepFinished is how many finished captures the queue remembers: their
// states answer the API's polls; the runs themselves are in the index.
const keepFinished = 1000

// Captures is the node's bounded queue of captures asked for over HTTP
// and the workers that run them. Its state is held in memory only.
type Captures struct {
	run  CaptureFunc
	log  *slog.Logger
	work chan *task // the queue: bounded, never blocks a request

	mu       sync.Mutex
	closed   bool
	tasks    map[string]*task
	finished []string          // ids of finished tasks, oldest first
	jobs     map[string]string // job → id of its queued or running task
	seq      int64
	took     []time.Duration // how long the last runs took, for Retry-After
	workers  int
}

type task struct {
	st  CaptureState
	seq int64
}

// newCaptures makes the queue; start starts its workers.
func newCaptures(run CaptureFunc, workers, depth int, log *slog.Logger) *Captures {
	return &Captures{run: run, log: log.With("component", "captures"), work: make(chan *task, depth),
		tasks: map[string]*task{}, jobs: map[string]string{}, workers: workers}
}

// start starts the workers, counted in wg; they end when ctx ends.
func (q *Captures) start(ctx context.Context, wg *sync.WaitGroup) {
	for range q.workers {
		wg.Go(func() { q.worker(ctx) })
	}
}

// close refuses new captures; the workers end with their context.
func (q *Captures) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
}

// Submit queues a capture and returns its state, or a *QueueFullError, a
// *JobBusyError or ErrCapturesClosed. It never waits.
func (q *Captures) Submit(req CaptureRequest) (CaptureState, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return CaptureState{}, ErrCapturesClosed
	}
	if id, ok := q.jobs[req.Job]; ok && req.Job != "" {
		return CaptureState{}, &JobBusyError{Job: req.Job, ID: id}
	}
	q.seq++
	t := &task{seq: q.seq, st: CaptureState{ID: newCaptureID(), State: StateQueued, Request: req, Queued: time.Now().UTC()}}
	for _, u := range req.URLs {
		t.st.Seeds = append(t.st.Seeds, SeedStatus{URL: u, Line: "queued " + u})
	}
	select {
	case q.work <- t:
	default:
		return CaptureState{}, &QueueFullError{RetryAfter: q.retryAfter()}
	}
	q.tasks[t.st.ID] = t
	if req.Job != "" {
		q.jobs[req.Job] = t.st.ID
	}
	return q.stateOf(t), nil
}

// Get returns the state of a capture the queue remembers.
func (q *Captures) Get(id string) (CaptureState, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	t, ok := q.tasks[id]
	if !ok {
		return CaptureState{}, false
	}
	return q.stateOf(t), true
}

// stateOf copies t's state, with its place in the queue. q.mu is held.
func (q *Captures) stateOf(t *task) CaptureState {
	st := t.st
	st.Seeds = slices.Clone(st.Seeds)
	if st.State == StateQueued {
		st.Position = 1
		for _, o := range q.tasks {
			if o.st.State == StateQueued && o.seq < t.seq {
				st.Position++
			}
		}
	}
	return st
}

// retryAfter guesses when a place in the queue frees up: the mean time of
// the recent runs, from 1 s to 5 min (10 s before any run ended). q.mu is held.
func (q *Captures) retryAfter() time.Duration {
	if len(q.took) == 0 {
		return 10 * time.Second
	}
	var sum time.Duration
	for _, d := range q.took {
		sum += d
	}
	return min(max((sum/time.Duration(len(q.took))).Round(time.Second), time.Second), 5*time.Minute)
}

func (q *Captures) worker(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			q.drain(ctx.Err())
			return
		case t := <-q.work:
			q.runTask(ctx, t)
		}
	}
}

// drain fails what is still queued when the node closes.
func (q *Captures) drain(cause error) {
	for {
		select {
		case t := <-q.work:
			q.finish(t, CaptureOutcome{}, fmt.Errorf("not run: %w", cause))
		default:
			return
		}
	}
}

func (q *Captures) runTask(ctx context.Context, t *task) {
	if ctx.Err() != nil {
		q.finish(t, CaptureOutcome{}, fmt.Errorf("not run: %w", ctx.Err()))
		return
	}
	q.mu.Lock()
	t.st.State, t.st.Started = StateRunning, time.Now().UTC()
	for i := range t.st.Seeds {
		t.st.Seeds[i].Line = "running " + t.st.Seeds[i].URL
	}
	req := t.st.Request
	q.mu.Unlock()
	out, err := q.run(ctx, req, func(runID string, p CaptureProgress) {
		q.mu.Lock()
		t.st.RunID, t.st.Progress = runID, p
		q.mu.Unlock()
	})
	q.finish(t, out, err)
}

// finish records how a task ended and forgets the oldest finished tasks.
func (q *Captures) finish(t *task, out CaptureOutcome, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	st := &t.st
	st.Ended = time.Now().UTC()
	if out.RunID != "" {
		st.RunID = out.RunID
	}
	if out.Seeds != nil || st.Request.Job != "" {
		st.Seeds = out.Seeds
	}
	st.State = StateDone
	for i := range st.Seeds {
		if !st.Seeds[i].OK {
			st.State = StateFailed
		}
	}
	if err != nil {
		st.State, st.Error = StateFailed, oneline.Of(err)
		for i := range st.Seeds {
			if st.Seeds[i].Line == "running "+st.Seeds[i].URL || st.Seeds[i].Line == "queued "+st.Seeds[i].URL {
				st.Seeds[i].Line = "FAILED " + st.Seeds[i].URL + ": " + st.Error
			}
		}
	}
	if !st.Started.IsZero() {
		q.took = append(q.took, st.Ended.Sub(st.Started))
		if len(q.took) > 20 {
			q.took = q.took[1:]
		}
	}
	if st.Request.Job != "" && q.jobs[st.Request.Job] == st.ID {
		delete(q.jobs, st.Request.Job)
	}
	if st.State == StateFailed {
		q.log.Warn("capture failed", "id", st.ID, "run", st.RunID, "err", st.Error)
	}
	q.finished = append(q.finished, st.ID)
	if len(q.finished) > keepFinished {
		delete(q.tasks, q.finished[0])
		q.finished = q.finished[1:]
	}
}

// newCaptureID is a random id a capture is polled by: unguessable, so
// that one client cannot follow another's captures by counting.
func newCaptureID() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
