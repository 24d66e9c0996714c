package upload

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/vellumhq/vellum/storage"
)

// Two machines share one upload state, as the workers of a cluster share
// a PostgreSQL index. Another machine's pending file is not this one's to
// send: through LocalState, a session uploads its own files, counts only
// them, and ends without an error for the other machine's file, which
// stays pending for it, its attempts untouched.
func TestLocalStateLeavesOtherMachinesFiles(t *testing.T) {
	ctx := context.Background()
	shared := openIndex(t, t.TempDir())
	other := "warcs/2024/03/01/other-machine-00001.warc.gz"
	if err := shared.MarkPending(ctx, storage.File{Name: other, Size: 10}); err != nil {
		t.Fatal(err)
	}
	archive := t.TempDir()
	writeWARC(t, archive, "mine")
	p := &putter{}
	s, err := Start(ctx, archive, LocalState(archive, shared), testRemote(p), true, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := s.Finish(ctx, &out); err != nil {
		t.Errorf("Finish: %v", err)
	}
	if got, want := out.String(), "uploaded 2 files to s3://bucket/vellum\n"; got != want {
		t.Errorf("Finish printed %q, want %q", got, want)
	}
	if slices.Contains(p.keys, other) {
		t.Errorf("uploaded another machine's file: %q", p.keys)
	}
	pending, err := shared.Pending(ctx)
	if err != nil || len(pending) != 1 || pending[0].Name != other || pending[0].Attempts != 0 {
		t.Errorf("pending in the shared state: %+v (%v), want the other machine's file, never tried", pending, err)
	}
}
