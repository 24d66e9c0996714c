package serve

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/storage/local"
)

// TestOpenBuildsAnEmptyIndexFromTheWARCs: a node opened on WARC files and
// no index builds the index from them, and says so; a second Open does not.
func TestOpenBuildsAnEmptyIndexFromTheWARCs(t *testing.T) {
	archive := t.TempDir()
	warcs := filepath.Join(archive, "warcs", "2024", "03", "01")
	if err := os.MkdirAll(warcs, 0o755); err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile(filepath.Join("..", "warc", "testdata", "golden.warc"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(warcs, "golden-00000.warc"), golden, 0o644); err != nil {
		t.Fatal(err)
	}
	for i, wantBuild := range []bool{true, false} {
		var log bytes.Buffer
		n, err := Open(context.Background(), Config{Archive: archive, Logger: slog.New(slog.NewTextHandler(&log, nil))})
		if err != nil {
			t.Fatal(err)
		}
		count, err := n.Index().Count(context.Background())
		if err != nil || count == 0 {
			t.Errorf("open #%d: %d captures (%v), want the WARC's", i+1, count, err)
		}
		if built := strings.Contains(log.String(), "index is empty; building it from the WARC files"); built != wantBuild {
			t.Errorf("open #%d: built the index: %v, want %v\n%s", i+1, built, wantBuild, log.String())
		}
		if err := n.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStoreReadsTheRemoteWhenNoLocalCopy: replay's store finds a record
// that only the remote store holds, and the local copy first.
func TestStoreReadsTheRemoteWhenNoLocalCopy(t *testing.T) {
	archive, remoteDir := t.TempDir(), t.TempDir()
	ctx := context.Background()
	remote := local.New(remoteDir)
	for _, key := range []string{"warcs/remote.warc.gz", "warcs/both.warc.gz"} {
		if err := remote.Put(ctx, key, strings.NewReader("remote copy"), 11); err != nil {
			t.Fatal(err)
		}
	}
	if err := local.New(archive).Put(ctx, "warcs/both.warc.gz", strings.NewReader("local copy"), 10); err != nil {
		t.Fatal(err)
	}
	n, err := Open(ctx, Config{Archive: archive, Remote: &storage.Remote{Store: remote, Open: noUploads, Name: "remote"}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	for key, want := range map[string]string{"warcs/remote.warc.gz": "remote copy", "warcs/both.warc.gz": "local copy"} {
		rc, err := n.Store().Open(ctx, key, 0, -1)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if string(got) != want {
			t.Errorf("%s: %q, want %q", key, got, want)
		}
	}
}
