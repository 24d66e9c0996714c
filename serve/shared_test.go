package serve

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vellumhq/vellum/storage"
)

// sharedIndex is an index the caller opened, as a cluster's PostgreSQL
// index: it counts the remote imports and pending listings asked of it.
type sharedIndex struct {
	storage.FileState // upload state calls other than Pending are not made
	syncs, pendings   atomic.Int64
}

func (x *sharedIndex) SyncRemote(context.Context, storage.Store, func(string) bool) (int, error) {
	x.syncs.Add(1)
	return 0, nil
}

func (x *sharedIndex) UpdateSearch(context.Context) (int, error) { return 0, nil }

func (x *sharedIndex) Pending(context.Context) ([]storage.File, error) {
	x.pendings.Add(1)
	return nil, nil
}

// A node on a shared index keeps no local state: it makes no archive
// folder and no vellum.db, imports no remote CDXJ file (at start or in its
// loop, which runs: it lists pending uploads), and leaves the index open
// for its caller. Without Shared, the same node imports them.
func TestNodeOnASharedIndexKeepsNoLocalState(t *testing.T) {
	for _, shared := range []bool{true, false} {
		archive := filepath.Join(t.TempDir(), "node")
		idx := &sharedIndex{}
		n, err := Open(context.Background(), Config{Archive: archive, Index: idx, Shared: shared, SyncEvery: time.Millisecond,
			Remote: &storage.Remote{Store: &stuckRemote{}, Open: noUploads, Name: "s3://bucket/p"}})
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for idx.pendings.Load() < 3 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if n.Index() != nil {
			t.Errorf("shared %v: Index() = %v, want nil: the node opened no index of its own", shared, n.Index())
		}
		if err := n.Close(); err != nil {
			t.Fatal(err)
		}
		if idx.pendings.Load() < 3 {
			t.Fatalf("shared %v: the remote loop did not run", shared)
		}
		if _, err := os.Stat(archive); err == nil {
			t.Errorf("shared %v: the node made its archive folder", shared)
		}
		if got := idx.syncs.Load(); shared && got != 0 || !shared && got < 3 {
			t.Errorf("shared %v: %d remote imports", shared, got)
		}
	}
}
