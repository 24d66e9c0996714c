package storage_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/storage/local"
)

// memState is an in-memory FileState.
type memState struct {
	mu    sync.Mutex
	files map[string]storage.File
	done  map[string]bool
}

func newMemState() *memState {
	return &memState{files: map[string]storage.File{}, done: map[string]bool{}}
}

func (m *memState) MarkPending(_ context.Context, f storage.File) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[f.Name], m.done[f.Name] = f, false
	return nil
}

func (m *memState) MarkUploaded(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.done[name] = true
	return nil
}

func (m *memState) MarkFailed(_ context.Context, name string, cause error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	f := m.files[name]
	f.Attempts++
	f.LastError = cause.Error()
	m.files[name] = f
	return nil
}

func (m *memState) Pending(context.Context) ([]storage.File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []storage.File
	for n, f := range m.files {
		if !m.done[n] {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// flaky is a store that fails until up is set, and records upload order.
type flaky struct {
	mu    sync.Mutex
	up    bool
	order []string
	dst   *local.Store
}

func (f *flaky) PutFile(ctx context.Context, key, path string, size int64, sum string) error {
	f.mu.Lock()
	up := f.up
	f.order = append(f.order, key)
	f.mu.Unlock()
	if !up {
		return errors.New("connection refused")
	}
	return f.dst.PutFile(ctx, key, path, size, sum)
}

func writeFiles(t *testing.T, root string, names ...string) []storage.File {
	var out []storage.File
	for _, n := range names {
		p := filepath.Join(root, filepath.FromSlash(n))
		os.MkdirAll(filepath.Dir(p), 0o755)
		data := []byte("content of " + n)
		os.WriteFile(p, data, 0o644)
		sum, _ := storage.FileSHA256(p)
		out = append(out, storage.File{Name: n, Size: int64(len(data)), SHA256: sum})
	}
	return out
}

func TestUploaderKeepsFilesPendingWhileTheStoreIsDown(t *testing.T) {
	root, remoteDir := t.TempDir(), t.TempDir()
	state := newMemState()
	store := &flaky{dst: local.New(remoteDir)}
	up := storage.NewUploader(storage.UploaderConfig{
		Root: root, State: state, KeepLocal: true, Remote: "test remote",
		Open: func(context.Context) (storage.FilePutter, error) { return store, nil },
	})
	files := writeFiles(t, root, "warcs/2026/11/25/r-00000.warc.gz", "warcs/2026/11/25/r-00000.cdxj")
	ctx := context.Background()
	if err := up.Add(ctx, files...); err != nil {
		t.Fatal(err)
	}
	up.Wait()
	if p, _ := state.Pending(ctx); len(p) != 2 || up.LastError() == nil {
		t.Fatalf("store down: pending %v, last error %v", p, up.LastError())
	}
	store.mu.Lock()
	store.up = true
	store.mu.Unlock()
	pending, err := up.Retry(ctx, 3, 10*time.Millisecond, 50*time.Millisecond)
	if err != nil || pending != 0 {
		t.Fatalf("after the store came back: %d pending, %v", pending, err)
	}
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join(remoteDir, f.Name))
		if err != nil || string(got) != "content of "+f.Name {
			t.Errorf("%s not in the store: %v", f.Name, err)
		}
		if _, err := os.Stat(filepath.Join(root, f.Name)); err != nil {
			t.Errorf("local copy of %s gone with keep-local: %v", f.Name, err)
		}
	}
	// A WARC always goes before its CDXJ file.
	store.mu.Lock()
	defer store.mu.Unlock()
	last := store.order[len(store.order)-2:]
	if last[0] != files[0].Name || last[1] != files[1].Name {
		t.Errorf("upload order %v", store.order)
	}
}

func TestUploaderRemovesLocalCopiesOnlyAfterVerification(t *testing.T) {
	root, remoteDir := t.TempDir(), t.TempDir()
	state := newMemState()
	up := storage.NewUploader(storage.UploaderConfig{
		Root: root, State: state, KeepLocal: false, Remote: "test remote",
		Open: func(context.Context) (storage.FilePutter, error) { return local.New(remoteDir), nil },
	})
	files := writeFiles(t, root, "warcs/a.warc.gz")
	bad := files[0]
	bad.SHA256 = "00" + bad.SHA256[2:] // the store's copy will not match this
	if err := up.Add(context.Background(), bad); err != nil {
		t.Fatal(err)
	}
	up.Wait()
	if _, err := os.Stat(filepath.Join(root, "warcs/a.warc.gz")); err != nil {
		t.Fatalf("a file whose upload did not verify was removed: %v", err)
	}
	if err := up.Add(context.Background(), files[0]); err != nil {
		t.Fatal(err)
	}
	up.Wait()
	if _, err := os.Stat(filepath.Join(root, "warcs/a.warc.gz")); !os.IsNotExist(err) {
		t.Errorf("keep-local=false kept a verified file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(remoteDir, "warcs/a.warc.gz")); err != nil {
		t.Errorf("not in the store: %v", err)
	}
}
