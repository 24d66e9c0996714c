package serve

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/storage"
)

// stuckRemote is a remote store whose listings, after the first (Open's),
// hang until their context ends, as on a network that stopped answering,
// and then use the index, as the sync loop does after each call.
type stuckRemote struct {
	storage.Store // other methods are not called
	idx           *index.Index

	calls    atomic.Int64
	inFlight atomic.Int64
	stuck    chan struct{} // closed when a listing hangs
	once     sync.Once

	mu        sync.Mutex
	idxErrors []error // what using the index after the hang returned
}

func (s *stuckRemote) List(ctx context.Context, _ string, _ func(storage.Info) error) error {
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	if s.calls.Add(1) == 1 {
		return nil
	}
	s.once.Do(func() { close(s.stuck) })
	<-ctx.Done()
	_, err := s.idx.Count(context.Background())
	s.mu.Lock()
	s.idxErrors = append(s.idxErrors, err)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *stuckRemote) Open(context.Context, string, int64, int64) (io.ReadCloser, error) {
	return nil, storage.ErrNotFound
}

// fakeScheduler records its calls and whether the index was open when it
// was shut down.
type fakeScheduler struct {
	idx              *index.Index
	started, stopped int
	shutdownErr      error
}

func (f *fakeScheduler) Start() { f.started++ }

func (f *fakeScheduler) Shutdown() error {
	f.stopped++
	_, f.shutdownErr = f.idx.Count(context.Background())
	return nil
}

func noUploads(context.Context) (storage.FilePutter, error) {
	return nil, errors.New("no uploads here")
}

// TestCloseWaitsForTheLoopsBeforeClosingTheIndex: when Close returns, the
// remote sync loop has left its store call and used the index only while
// it was open, and the scheduler was shut down before the index closed.
// (serve used to start the loop with
// `go` and close the index without waiting for it.)
func TestCloseWaitsForTheLoopsBeforeClosingTheIndex(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // frees a loop that Close failed to stop
	rem := &stuckRemote{stuck: make(chan struct{})}
	n, err := Open(ctx, Config{Archive: t.TempDir(), SyncEvery: 1, // the loop runs at once
		Remote: &storage.Remote{Store: rem, Open: noUploads, Name: "s3://stuck/p"}})
	if err != nil {
		t.Fatal(err)
	}
	rem.idx = n.Index()
	sched := &fakeScheduler{idx: n.Index()}
	n.Schedule(sched)
	<-rem.stuck // the loop is inside the store

	if err := n.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if k := rem.inFlight.Load(); k != 0 {
		t.Fatalf("Close returned while the sync loop was still inside a store call (%d)", k)
	}
	rem.mu.Lock()
	for _, err := range rem.idxErrors {
		if err != nil {
			t.Errorf("the sync loop used the index after it was closed: %v", err)
		}
	}
	rem.mu.Unlock()
	if sched.started != 1 || sched.stopped != 1 || sched.shutdownErr != nil {
		t.Errorf("scheduler started %d, shut down %d times, index at shutdown: %v; want 1, 1, open",
			sched.started, sched.stopped, sched.shutdownErr)
	}
	if _, err := n.Index().Count(context.Background()); err == nil {
		t.Error("the index is still open after Close")
	}
}
