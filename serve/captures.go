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
	if e.ID == "" {
		return fmt.Sprintf("job %s is already running (a turn of its schedule)", e.Job)
	}
	return fmt.Sprintf("job %s is already queued or running (capture %s)", e.Job, e.ID)
}

// ErrCapturesClosed is returned by Submit once the node is closing.
var ErrCapturesClosed = errors.New("serve: the node is closing; no capture is queued")

// keepFinished is how many finished captures the queue remembers: their
// states answer the API's polls; the runs themselves are in the index.
const keepFinished = 1000

// maxBatch bounds the seeds of one run made of queued captures.
const maxBatch = 100

// Captures is the node's bounded queue of captures asked for over HTTP
// and the workers that run them. Its state is held in memory only.
//
// A worker takes the first capture queued and, with it, the others queued
// with the same settings (up to maxBatch seeds): they run as one run. Each
// run of a job waits for the next second after the job's latest run (replay
// names captures to the second), so a hundred one-page captures run one by
// one would take a hundred seconds; as a batch they take one run.
type Captures struct {
	run     CaptureFunc
	log     *slog.Logger
	depth   int           // places in the queue
	wake    chan struct{} // a capture was queued
	workers int
	// jobRunning tells of a job's run outside the queue (its schedule).
	jobRunning func(job string) bool

	mu       sync.Mutex
	closed   bool
	queued   []*task // oldest first
	tasks    map[string]*task
	finished []string          // ids of finished tasks, oldest first
	jobs     map[string]string // job → id of its queued or running task
	took     []time.Duration   // how long the last runs took, for Retry-After
}

type task struct {
	st CaptureState
}

// newCaptures makes the queue; start starts its workers.
func newCaptures(run CaptureFunc, workers, depth int, log *slog.Logger) *Captures {
	return &Captures{run: run, log: log.With("component", "captures"), depth: depth, wake: make(chan struct{}, 1),
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
	if req.Job != "" && q.jobRunning != nil && q.jobRunning(req.Job) {
		return CaptureState{}, &JobBusyError{Job: req.Job}
	}
	if len(q.queued) >= q.depth {
		return CaptureState{}, &QueueFullError{RetryAfter: q.retryAfter()}
	}
	t := &task{st: CaptureState{ID: newCaptureID(), State: StateQueued, Request: req, Queued: time.Now().UTC()}}
	for _, u := range req.URLs {
		t.st.Seeds = append(t.st.Seeds, SeedStatus{URL: u, Line: "queued " + u})
	}
	q.queued = append(q.queued, t)
	q.signal()
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
		st.Position = slices.Index(q.queued, t) + 1
	}
	return st
}

// signal wakes a worker. q.mu is held.
func (q *Captures) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// take removes the first queued capture and the others that can run with
// it from the queue; nil when it is empty or closed. q.mu is held.
func (q *Captures) take() []*task {
	if len(q.queued) == 0 || q.closed {
		return nil
	}
	first := q.queued[0]
	batch := []*task{first}
	seeds := len(first.st.Request.URLs)
	rest := q.queued[:0]
	for _, t := range q.queued[1:] {
		if sameRun(first.st.Request, t.st.Request) && seeds+len(t.st.Request.URLs) <= maxBatch {
			batch = append(batch, t)
			seeds += len(t.st.Request.URLs)
			continue
		}
		rest = append(rest, t)
	}
	clear(q.queued[len(rest):])
	q.queued = rest
	if len(q.queued) > 0 {
		q.signal() // for another worker
	}
	return batch
}

// sameRun reports whether two captures of URLs can share a run.
func sameRun(a, b CaptureRequest) bool {
	return a.Job == "" && b.Job == "" && a.Depth == b.Depth && a.Scope == b.Scope && a.Browser == b.Browser
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
		q.mu.Lock()
		batch := q.take()
		q.mu.Unlock()
		if batch != nil {
			q.runBatch(ctx, batch)
			continue
		}
		select {
		case <-ctx.Done():
			q.drain(ctx.Err())
			return
		case <-q.wake:
		}
	}
}

// drain fails what is still queued when the node closes.
func (q *Captures) drain(cause error) {
	q.mu.Lock()
	left := q.queued
	q.queued = nil
	q.mu.Unlock()
	for _, t := range left {
		q.finish(t, nil, fmt.Errorf("not run: %w", cause))
	}
}

// runBatch runs captures as one run and gives each its seeds' outcome.
func (q *Captures) runBatch(ctx context.Context, batch []*task) {
	if ctx.Err() != nil {
		for _, t := range batch {
			q.finish(t, nil, fmt.Errorf("not run: %w", ctx.Err()))
		}
		return
	}
	req := batch[0].st.Request
	req.URLs = nil
	q.mu.Lock()
	now := time.Now().UTC()
	for _, t := range batch {
		t.st.State, t.st.Started = StateRunning, now
		for i := range t.st.Seeds {
			t.st.Seeds[i].Line = "running " + t.st.Seeds[i].URL
		}
		req.URLs = append(req.URLs, t.st.Request.URLs...)
	}
	q.mu.Unlock()
	out, err := q.run(ctx, req, func(runID string, p CaptureProgress) {
		q.mu.Lock()
		for _, t := range batch {
			t.st.RunID, t.st.Progress = runID, p
		}
		q.mu.Unlock()
	})
	seeds := out.Seeds
	for _, t := range batch {
		var mine []SeedStatus
		if out.Seeds != nil {
			mine = []SeedStatus{}
		}
		for _, u := range t.st.Request.URLs {
			switch {
			case len(seeds) > 0 && seeds[0].URL == u:
				mine, seeds = append(mine, seeds[0]), seeds[1:]
			case mine != nil: // the run ended without this seed's outcome
				mine = append(mine, SeedStatus{URL: u, Line: "FAILED " + u + ": the run gave no outcome for it"})
			}
		}
		if t.st.Request.Job != "" {
			mine = out.Seeds
		}
		if out.RunID != "" {
			q.mu.Lock()
			t.st.RunID = out.RunID
			q.mu.Unlock()
		}
		q.finish(t, mine, err)
	}
}

// finish records how a task ended (seeds: its seeds' outcome; nil keeps
// their lines) and forgets the oldest finished tasks.
func (q *Captures) finish(t *task, seeds []SeedStatus, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	st := &t.st
	st.Ended = time.Now().UTC()
	if seeds != nil {
		st.Seeds = seeds
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
