package frontier

import (
	"context"
	"errors"
	"time"
)

// Kind is what an item is fetched as.
type Kind string

const (
	// Page is fetched in its host's turn: one page of a host at a time
	// across the cluster, with the host's delay between pages.
	Page Kind = "page"
	// Requisite (an image, a stylesheet) is fetched by whichever worker
	// asks next, without the host's turn, as the engine's requisite pool.
	Requisite Kind = "req"
)

// Item is a URL a run will fetch, with what the engine needs to fetch it
// (as index.FrontierItem holds it for a single machine's resume).
type Item struct {
	URL     string `json:"u"`
	Kind    Kind   `json:"k"`
	Depth   int    `json:"d,omitempty"`
	Seed    int    `json:"s"` // index of the seed it is (pages), -1 otherwise
	Scope   string `json:"sc,omitempty"`
	Referer string `json:"r,omitempty"`
}

// Claim is an item given to one worker: until it is Done, or the worker's
// lease expires, nobody else gets it.
type Claim struct {
	ID     string
	Worker string
	Host   string // a page's host; "" for a requisite
	Item   Item
}

// State is a run's frontier as a whole.
type State struct {
	Queued   int64            // items waiting to be claimed
	InFlight int64            // items claimed and not done
	Open     int64            // workers that joined and have not left (their files are open)
	Counters map[string]int64 // the run's counters: queued, done, pages, requeued and Incr's
}

// Drained reports that nothing is left to fetch: workers close their files.
func (s State) Drained() bool { return s.Queued == 0 && s.InFlight == 0 }

// Ended reports that the run is over: drained, and every worker has closed
// its files (left, or lost its lease).
func (s State) Ended() bool { return s.Drained() && s.Open == 0 }

var (
	// ErrDrained is Next's answer when the run has nothing left to fetch
	// and nothing in flight that could add more.
	ErrDrained = errors.New("frontier: drained")
	// ErrLeaseLost says a worker's lease expired: its claims went back to
	// the queue for others, and it must stop taking work.
	ErrLeaseLost = errors.New("frontier: worker lease lost")
)

// Frontier is what the crawl engine needs of a shared frontier.
type Frontier interface {
	// Join registers a worker with open files; its lease starts.
	Join(ctx context.Context, worker string) error
	// Keepalive renews the worker's lease until ctx ends (nil) or the
	// lease is lost (ErrLeaseLost).
	Keepalive(ctx context.Context, worker string) error
	// Add queues the items not seen by the run before (and, for pages,
	// within the run's page budget); added[i] says whether items[i] was.
	Add(ctx context.Context, items ...Item) (added []bool, err error)
	// Next waits for a claim: ErrDrained when there will be none.
	Next(ctx context.Context, worker string) (Claim, error)
	// Fetched ends a page's turn of its host: the host's next page may
	// start after delay (the larger of --delay and Crawl-delay).
	Fetched(ctx context.Context, c Claim, delay time.Duration) error
	// Done finishes a claim, after the items it led to were added.
	Done(ctx context.Context, c Claim) error
	// Leave unregisters a worker whose files are closed; claims it still
	// holds go back to the queue.
	Leave(ctx context.Context, worker string) error
	// State is the run's frontier as a whole.
	State(ctx context.Context) (State, error)
}

var _ Frontier = (*Redis)(nil)
