package storage_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/storage/local"
	"github.com/vellumhq/vellum/storage/storetest"
)

var errDown = errors.New("store down")

// downThenUp connects to a local store once up is set; before that it fails as
// a remote store that is down would.
type downThenUp struct {
	dir   string
	up    atomic.Bool
	tries atomic.Int64
}

func (f *downThenUp) connect(context.Context) (*local.Store, error) {
	f.tries.Add(1)
	if !f.up.Load() {
		return nil, errDown
	}
	return local.New(f.dir), nil
}

// TestLazyConformance runs the suite on a Lazy store whose store was down
// at its first use and came up afterwards: the failed connection is not
// kept, and the store works as soon as it answers.
func TestLazyConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storage.Store {
		f := &downThenUp{dir: t.TempDir()}
		l := storage.NewLazy(f.connect)
		if _, err := l.Stat(context.Background(), "warcs/x.cdxj"); !errors.Is(err, errDown) || errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("Stat while the store is down: %v, want the connection's error", err)
		}
		f.up.Store(true)
		return l
	})
}

// TestLazyConnectsOnce: calls at once while the store is up make one
// connection, and later calls reuse it.
func TestLazyConnectsOnce(t *testing.T) {
	f := &downThenUp{dir: t.TempDir()}
	f.up.Store(true)
	l := storage.NewLazy(f.connect)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.Put(context.Background(), "k", strings.NewReader("v"), 1); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	s, err := l.Connect(context.Background())
	if err != nil || s == nil || s.Root != f.dir {
		t.Fatalf("Connect: %v, %v", s, err)
	}
	if n := f.tries.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}
