package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/index/postgres"
	"github.com/vellumhq/vellum/internal/pgtest"
	"github.com/vellumhq/vellum/storage"
)

// An archive's SQLite index copied to PostgreSQL reads the same: captures
// (a retried URL's final attempt), pages and their search, runs with their
// changes and problems, and the upload state. Copying again changes
// nothing.
func TestCopyFromSQLite(t *testing.T) {
	ctx := context.Background()
	src, err := index.Open(ctx, filepath.Join(t.TempDir(), "vellum.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	const run = "20240101T100000Z-abcd"
	file := "warcs/2024/01/01/" + run + "-00001.warc.gz"
	var caps []index.Capture
	for i := range 6000 { // more than one chunk
		caps = append(caps, index.Capture{URLKey: fmt.Sprintf("com,example)/p%d", i%3000), Timestamp: fmt.Sprintf("20240101%06d", i),
			URL: fmt.Sprintf("http://example.com/p%d", i%3000), Type: "response", MIME: "text/html", Status: 200 + i/3000*300,
			Digest: "sha256:x", Length: 10, Offset: int64(i * 100), Filename: file})
	}
	page := index.Page{RecordID: "<urn:uuid:m>", ConcurrentTo: "<urn:uuid:r>", URLKey: "com,example)/p1", Timestamp: "20240101000001",
		URL: "http://example.com/p1", Filename: file, Offset: 1, PageMeta: index.PageMeta{Title: "Café society", Authors: []string{"A"}, Text: "words"}}
	if err := src.Add(ctx, caps, []index.Page{page}); err != nil {
		t.Fatal(err)
	}
	started := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)
	r := index.Run{ID: run, Job: "news", Seeds: []string{"http://example.com/"}, Started: started, Ended: started.Add(time.Hour),
		Status: index.RunOK, Counts: index.RunCounts{Pages: 3000}}
	if err := src.SaveRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := src.AddChanges(ctx, []index.Change{{RunID: run, URL: "http://example.com/p1", Change: index.ChangeNew, TS: "20240101000001"}}); err != nil {
		t.Fatal(err)
	}
	if err := src.AddProblems(ctx, []index.Problem{{RunID: run, URL: "http://example.com/x", Kind: "page", Outcome: index.OutcomeFailed, Reason: "HTTP 500"}}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []storage.File{{Name: file, Size: 1, SHA256: "a"}, {Name: "b.warc.gz", Size: 2, SHA256: "b"}} {
		if err := src.MarkPending(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	_ = src.MarkUploaded(ctx, file)
	_ = src.MarkFailed(ctx, "b.warc.gz", errors.New("S3 down"))

	dst, err := postgres.Open(ctx, pgtest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	for range 2 {
		st, err := dst.CopyFrom(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		if st != (postgres.CopyStats{Captures: 6000, Pages: 1, Runs: 1, Changes: 1, Problems: 1, Files: 2}) {
			t.Errorf("CopyFrom = %+v", st)
		}
	}
	same := func(what string, a, b any, errA, errB error) {
		t.Helper()
		if errA != nil || errB != nil || !reflect.DeepEqual(a, b) {
			t.Errorf("%s differs:\nsqlite   %+v (%v)\npostgres %+v (%v)", what, a, b, errA, errB)
		}
	}
	n1, e1 := src.Count(ctx)
	n2, e2 := dst.Count(ctx)
	same("Count", n1, n2, e1, e2)
	if n2 != 3000 {
		t.Errorf("Count = %d, want 3000: each URL's first attempt superseded by its retry", n2)
	}
	c1, e1 := src.Captures(ctx, "com,example)/p7")
	c2, e2 := dst.Captures(ctx, "com,example)/p7")
	same("Captures", c1, c2, e1, e2)
	f1, e1 := src.CapturesOfFile(ctx, file)
	f2, e2 := dst.CapturesOfFile(ctx, file)
	same("CapturesOfFile", len(f1), len(f2), e1, e2)
	p1, e1 := src.PagesOf(ctx, page.URLKey)
	p2, e2 := dst.PagesOf(ctx, page.URLKey)
	same("PagesOf", p1, p2, e1, e2)
	r1, e1 := src.Runs(ctx, index.JobAny, 0)
	r2, e2 := dst.Runs(ctx, index.JobAny, 0)
	same("Runs", r1, r2, e1, e2)
	ch1, e1 := src.Changes(ctx, run, "")
	ch2, e2 := dst.Changes(ctx, run, "")
	same("Changes", ch1, ch2, e1, e2)
	pr1, e1 := src.Problems(ctx, run)
	pr2, e2 := dst.Problems(ctx, run)
	same("Problems", pr1, pr2, e1, e2)
	pe1, e1 := src.Pending(ctx)
	pe2, e2 := dst.Pending(ctx)
	same("Pending", pe1, pe2, e1, e2)
	if st, _ := dst.FileState(ctx, file); st != index.StateUploaded {
		t.Errorf("an uploaded file is %q after the copy", st)
	}
	res, err := dst.Search(ctx, index.SearchQuery{Words: "cafe"})
	if err != nil || res.Total != 1 {
		t.Errorf("search after the copy: %+v, %v", res, err)
	}
}
