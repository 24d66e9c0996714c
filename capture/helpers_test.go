package capture_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/warc"
)

// rec is a record read back from an archive.
type rec struct {
	File   string
	Offset int64
	Header warc.Header
	Block  []byte
}

func (r rec) Type() string   { return r.Header.Get("WARC-Type") }
func (r rec) Target() string { return r.Header.Get("WARC-Target-URI") }

// testConfig is a capture config for loopback fixtures: no delay, quick retries.
func testConfig(t *testing.T) capture.Config {
	cfg := capture.DefaultConfig()
	cfg.Archive = t.TempDir()
	cfg.Delay = 0
	cfg.RetryBackoff = 10 * time.Millisecond
	return cfg
}

func run(t *testing.T, cfg capture.Config, seeds ...string) *capture.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := capture.Run(ctx, cfg, seeds)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

// warcFiles lists the finished WARC files of an archive.
func warcFiles(t *testing.T, archive string) []string {
	t.Helper()
	names, err := index.WARCFiles(archive)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = filepath.Join(archive, filepath.FromSlash(n))
	}
	return out
}

// readArchive reads every record of every WARC file in the archive, and
// checks that each file verifies clean.
func readArchive(t *testing.T, archive string) []rec {
	t.Helper()
	var out []rec
	files := warcFiles(t, archive)
	if len(files) == 0 {
		t.Fatalf("no WARC files in %s", archive)
	}
	for _, path := range files {
		st, err := warc.VerifyFile(path, func(p warc.Problem) {
			t.Errorf("%s: offset %d %s: %s", filepath.Base(path), p.Offset, p.RecordID, p.Msg)
		})
		if err != nil || st.Records == 0 {
			t.Errorf("verify %s: %v (%d records)", path, err, st.Records)
		}
		out = append(out, readFile(t, path)...)
	}
	return out
}

func readFile(t *testing.T, path string) []rec {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := warc.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []rec
	for {
		rr, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		b, err := io.ReadAll(rr.Block)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, rec{File: path, Offset: rr.Offset, Header: rr.Header, Block: b})
	}
}

// find returns the records of a type for a target URI.
func find(recs []rec, typ, target string) []rec {
	var out []rec
	for _, r := range recs {
		if r.Type() == typ && r.Target() == target {
			out = append(out, r)
		}
	}
	return out
}

func one(t *testing.T, recs []rec, typ, target string) rec {
	t.Helper()
	got := find(recs, typ, target)
	if len(got) != 1 {
		t.Fatalf("want 1 %s record for %s, got %d", typ, target, len(got))
	}
	return got[0]
}

// httpBody splits an HTTP message block at the end of its header.
func httpBody(block []byte) (head, body []byte) {
	i := bytes.Index(block, []byte("\r\n\r\n"))
	if i < 0 {
		return block, nil
	}
	return block[:i+4], block[i+4:]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
