package upload

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/storage/local"
	"github.com/vellumhq/vellum/warc"
)

// putter records the keys it stored; down makes every upload fail.
type putter struct {
	mu   sync.Mutex
	keys []string
	down error
}

func (p *putter) PutFile(_ context.Context, key, path string, size int64, _ string) error {
	if p.down != nil {
		return p.down
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != size {
		return errors.New("local file not as announced")
	}
	p.mu.Lock()
	p.keys = append(p.keys, key)
	p.mu.Unlock()
	return nil
}

func testRemote(p *putter) *storage.Remote {
	return &storage.Remote{Store: local.New(os.TempDir()), Name: "s3://bucket/vellum", Open: func(context.Context) (storage.FilePutter, error) {
		return p, nil
	}}
}

// writeWARC writes a WARC file and its CDXJ into the archive's date folder.
func writeWARC(t *testing.T, archive, stem string) warc.ClosedFile {
	t.Helper()
	dir := filepath.Join(archive, "warcs", "2024", "03", "01")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	body := []byte("WARC/1.1 " + stem)
	if err := os.WriteFile(filepath.Join(dir, stem+".warc.gz"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, stem+".cdxj"), []byte("cdxj "+stem+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return warc.ClosedFile{Filename: "warcs/2024/03/01/" + stem + ".warc.gz", Size: int64(len(body))}
}

func openIndex(t *testing.T, archive string) *index.Index {
	t.Helper()
	idx, _, err := index.OpenArchive(context.Background(), archive, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	return idx
}

// A session sends the files an earlier run left behind and each file the
// capture closes, a WARC before its CDXJ, and counts them.
func TestSessionUploadsEarlierAndClosedFiles(t *testing.T) {
	ctx := context.Background()
	archive := t.TempDir()
	idx := openIndex(t, archive)
	writeWARC(t, archive, "earlier")
	p := &putter{}
	s, err := Start(ctx, archive, idx, testRemote(p), true, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.FileClosed(writeWARC(t, archive, "now"))
	var out bytes.Buffer
	if err := s.Finish(ctx, &out); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if got, want := out.String(), "uploaded 4 files to s3://bucket/vellum\n"; got != want {
		t.Errorf("Finish printed %q, want %q", got, want)
	}
	for _, stem := range []string{"earlier", "now"} {
		w := slices.Index(p.keys, "warcs/2024/03/01/"+stem+".warc.gz")
		c := slices.Index(p.keys, "warcs/2024/03/01/"+stem+".cdxj")
		if w < 0 || c < w {
			t.Errorf("uploaded %q: want %s's WARC, then its CDXJ", p.keys, stem)
		}
	}
	if pending, _ := idx.Pending(ctx); len(pending) != 0 {
		t.Errorf("still pending after the uploads: %v", pending)
	}
}

// When the store is down, Finish says how many files stay local, the
// cause once (not the store's name again) and what to run.
func TestSessionReportsPending(t *testing.T) {
	ctx := context.Background()
	archive := t.TempDir()
	idx := openIndex(t, archive)
	p := &putter{down: errors.New("s3://bucket/vellum: dial tcp 127.0.0.1:9: connection\nrefused")}
	s, err := Start(ctx, archive, idx, testRemote(p), true, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.FileClosed(writeWARC(t, archive, "now"))
	var out bytes.Buffer
	err = s.Finish(ctx, &out)
	s.Close()
	want := "2 files kept locally, pending upload to s3://bucket/vellum: dial tcp 127.0.0.1:9: connection refused; run `vellum upload`"
	if err == nil || err.Error() != want {
		t.Errorf("Finish = %v, want %q", err, want)
	}
	if out.Len() != 0 {
		t.Errorf("Finish printed %q with nothing uploaded", out.String())
	}
	if len(p.keys) != 0 {
		t.Errorf("uploaded %q to a store that is down", p.keys)
	}
}

// MarkLocal leaves uploaded files alone and marks the others pending, a
// WARC of another tool (no CDXJ beside it) on its own.
func TestMarkLocal(t *testing.T) {
	ctx := context.Background()
	archive := t.TempDir()
	idx := openIndex(t, archive)
	done := writeWARC(t, archive, "done")
	writeWARC(t, archive, "todo")
	other := filepath.Join(archive, "warcs", "2024", "03", "01", "other.warc")
	if err := os.WriteFile(other, []byte("WARC/1.0"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Uploaded as a capture uploads it: with its digest, which MarkLocal
	// does not compute.
	sum, err := storage.FileSHA256(filepath.Join(archive, filepath.FromSlash(done.Filename)))
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.MarkPending(ctx, storage.File{Name: done.Filename, Size: done.Size, SHA256: sum}); err != nil {
		t.Fatal(err)
	}
	if err := idx.MarkUploaded(ctx, done.Filename); err != nil {
		t.Fatal(err)
	}
	if err := MarkLocal(ctx, archive, idx); err != nil {
		t.Fatal(err)
	}
	pending, err := idx.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range pending {
		names = append(names, f.Name)
	}
	slices.Sort(names)
	want := []string{
		"warcs/2024/03/01/done.cdxj", "warcs/2024/03/01/other.warc",
		"warcs/2024/03/01/todo.cdxj", "warcs/2024/03/01/todo.warc.gz",
	}
	if !slices.Equal(names, want) {
		t.Errorf("pending %q, want %q", names, want)
	}
}
