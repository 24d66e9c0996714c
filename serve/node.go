package serve

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/storage/local"
)

// Config configures a Node.
type Config struct {
	Archive   string          // archive directory; made when missing
	Remote    *storage.Remote // the store replayed from (records with no local copy, CDXJ files other machines uploaded) and uploaded to; nil: none
	SyncEvery time.Duration   // how often the remote loop runs (default a minute)
	Logger    *slog.Logger    // nil: no logging

	// Index is an index the caller opened, and closes after Close; nil:
	// the node opens the archive's vellum.db (building it from the WARC
	// files when it is empty).
	Index Index
	// Shared says Index is shared by the machines of a cluster
	// (PostgreSQL): the node then imports no remote CDXJ file, since the
	// workers that uploaded them wrote their rows, and a replay node keeps
	// no local state.
	Shared bool
	// UploadState keeps the upload state of the node's own files; nil:
	// the index. With a shared index the caller narrows it to the files
	// this machine holds, or the node would try other machines' uploads.
	UploadState storage.FileState

	// Capture runs the captures asked for over HTTP (the API, Save Page
	// Now), on CaptureWorkers workers (default 2) fed by a queue of
	// CaptureQueue places (default 100). nil: no capture can be asked for.
	Capture        CaptureFunc
	CaptureWorkers int
	CaptureQueue   int
	// JobRunning tells whether a job has a run going on outside the
	// queue (a turn of its schedule): asking for another is refused as
	// busy, as one already queued is. nil: only the queue is looked at.
	JobRunning func(job string) bool
}

// Index is the index as a node uses it: it brings the words of new pages
// into search and keeps the upload state; with a remote store, it imports
// the CDXJ files other machines uploaded. *index.Index is one, and so is
// the PostgreSQL index (asserted in cmd/vellum, which imports both).
type Index interface {
	storage.FileState
	SyncRemote(ctx context.Context, remote storage.Store, haveLocal func(warcName string) bool) (int, error)
	UpdateSearch(ctx context.Context) (int, error)
}

var _ Index = (*index.Index)(nil)

// Scheduler runs jobs on their schedules. Shutdown stops it and waits for
// the runs it started.
type Scheduler interface {
	Start()
	Shutdown() error
}

// Node is the archive of one `vellum serve` process: it owns the index,
// the stores replay reads from, the remote sync loop and the scheduler,
// from Open to Close.
type Node struct {
	cfg   Config
	log   *slog.Logger
	idx   Index
	own   *index.Index // the archive's vellum.db, when the node opened it
	store storage.Store

	cancel context.CancelFunc // ends the loops
	loops  sync.WaitGroup

	captures *Captures // nil without Config.Capture

	mu    sync.Mutex
	sched Scheduler
}

// Open opens the archive's index, building it from the WARC files when it
// is empty, unless Config.Index is given; with a remote store, it imports
// the remote CDXJ files (so a fresh node serves the bucket from the start;
// not on a shared index) and starts the loop that keeps doing so and
// retries pending uploads; and it starts the loop that indexes the words
// of new pages for search (search.go). The loops end
// when ctx ends or Close is called; Close must be called either way.
func Open(ctx context.Context, cfg Config) (*Node, error) {
	if cfg.SyncEvery <= 0 {
		cfg.SyncEvery = time.Minute
	}
	if cfg.CaptureWorkers <= 0 {
		cfg.CaptureWorkers = 2
	}
	if cfg.CaptureQueue <= 0 {
		cfg.CaptureQueue = 100
	}
	n := &Node{cfg: cfg, log: cfg.Logger}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	if n.idx = cfg.Index; n.idx == nil {
		idx, err := openIndex(ctx, cfg.Archive, n.log)
		if err != nil {
			return nil, err
		}
		n.idx, n.own = idx, idx
	}
	n.store = local.New(cfg.Archive)
	ctx, n.cancel = context.WithCancel(ctx)
	if cfg.Capture != nil {
		n.captures = newCaptures(cfg.Capture, cfg.CaptureWorkers, cfg.CaptureQueue, n.log)
		n.captures.jobRunning = cfg.JobRunning
		n.captures.start(ctx, &n.loops)
	}
	n.loops.Add(1)
	go func() {
		defer n.loops.Done()
		n.searchLoop(ctx)
	}()
	if cfg.Remote != nil {
		n.store = &storage.Layered{Local: local.New(cfg.Archive), Remote: cfg.Remote.Store}
		if !cfg.Shared {
			n.syncRemote(ctx)
		}
		n.loops.Add(1)
		go func() {
			defer n.loops.Done()
			n.remoteLoop(ctx)
		}()
	}
	return n, nil
}

// Index is the archive's index the node opened, open until Close; nil
// when Config.Index was given.
func (n *Node) Index() *index.Index { return n.own }

// Store is what replay reads records from: the local archive, and the
// remote store for records with no local copy.
func (n *Node) Store() storage.Store { return n.store }

// Captures is the queue of captures asked for over HTTP; nil when
// Config.Capture is.
func (n *Node) Captures() *Captures { return n.captures }

// Schedule starts s; Close shuts it down, before it closes the index
// that s's runs may use.
func (n *Node) Schedule(s Scheduler) {
	n.mu.Lock()
	n.sched = s
	n.mu.Unlock()
	s.Start()
}

// Close shuts the scheduler down, refuses new captures, ends the loops and
// the running captures (interrupted, as by Ctrl-C) and waits for them, and
// closes the index it opened (a Config.Index is the caller's to close).
func (n *Node) Close() error {
	var errs []error
	n.mu.Lock()
	s := n.sched
	n.sched = nil
	n.mu.Unlock()
	if s != nil {
		errs = append(errs, s.Shutdown())
	}
	if n.captures != nil {
		n.captures.close()
	}
	n.cancel()
	n.loops.Wait()
	if n.own != nil {
		errs = append(errs, n.own.Close())
	}
	return errors.Join(errs...)
}

// openIndex opens the archive's index, building it from the WARC files
// first when it is empty but WARC files are there.
func openIndex(ctx context.Context, archive string, log *slog.Logger) (*index.Index, error) {
	idx, created, err := index.OpenArchive(ctx, archive, true)
	if err != nil {
		return nil, err
	}
	if created { // a mistyped --archive must not pass for an empty archive
		log.Warn("no archive there; created a new, empty one", "archive", archive)
	}
	n, err := idx.Count(ctx)
	if err != nil {
		idx.Close()
		return nil, err
	}
	if files, _ := index.WARCFiles(archive); n == 0 && len(files) > 0 {
		log.Info("index is empty; building it from the WARC files", "files", len(files))
		st, err := idx.Rebuild(ctx, archive)
		if err != nil {
			idx.Close()
			return nil, err
		}
		for _, p := range st.Problems {
			log.Warn("WARC file damaged", "err", p)
		}
	}
	return idx, nil
}
