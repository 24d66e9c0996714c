package indextest

import (
	"testing"
	"time"

	"github.com/vellumhq/vellum/index"
)

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func count(t *testing.T, x Index, url string) int {
	t.Helper()
	caps, err := x.Captures(ctx, key(t, url))
	if err != nil {
		t.Fatal(err)
	}
	return len(caps)
}

// A crawl's records reach the index through a Batcher within its
// interval; those of a WARC file still being written are not served until
// the file exists under its name, and then its retried attempts are
// settled.
func batcher(t *testing.T, x Index) {
	b := x.NewBatcher()
	defer func() {
		if err := b.Close(); err != nil {
			t.Errorf("Batcher.Close: %v", err)
		}
	}()
	writing := "warcs/2024/01/01/" + runA + "-00002.warc.gz"
	b.FileOpened(writing)
	first := capture(t, "http://example.com/open", "20240101100000", writing, 10)
	first.Status = 503
	retry := capture(t, "http://example.com/open", "20240101100100", writing, 20)
	if err := b.Add([]index.Capture{first, retry, capture(t, "http://example.com/final", "20240101100000", fileA, 10)},
		[]index.Page{page(t, "http://example.com/open", "20240101100100", writing, 30, "Open", "text")}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a final file's capture is served", func() bool { return count(t, x, "http://example.com/final") == 1 })
	if n := count(t, x, "http://example.com/open"); n != 0 {
		t.Errorf("%d captures of a file being written are served", n)
	}
	if ps, _ := x.PagesOf(ctx, key(t, "http://example.com/open")); len(ps) != 0 {
		t.Errorf("a page of a file being written is served: %+v", ps)
	}
	b.FileClosed(writing)
	eventually(t, "a closed file's captures are served", func() bool { return count(t, x, "http://example.com/open") > 0 })
	caps, _ := x.Captures(ctx, key(t, "http://example.com/open"))
	if len(caps) != 1 || caps[0].Status != 200 {
		t.Errorf("captures of the closed file: %+v; want its final attempt only", caps)
	}
	if ps, _ := x.PagesOf(ctx, key(t, "http://example.com/open")); len(ps) != 1 {
		t.Errorf("pages of the closed file: %+v", ps)
	}
}
