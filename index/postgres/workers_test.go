package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/index/postgres"
	"github.com/vellumhq/vellum/internal/pgtest"
)

// Workers write to one index at once, each through its own Batcher and
// its own connection pool, as the nodes of a cluster do: the same URLs,
// each worker retrying some of them within its run. Every worker's final
// attempts are served, and nothing else.
func TestWorkersWriteAtOnce(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Database(t)
	const workers, urls = 4, 500
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			x, err := postgres.Open(ctx, dsn)
			if err != nil {
				errs[w] = err
				return
			}
			defer x.Close()
			b := x.NewBatcher()
			run := fmt.Sprintf("20240101T10000%dZ-%04x", w, w)
			file := "warcs/2024/01/01/" + run + "-00001.warc.gz"
			for u := range urls {
				url := fmt.Sprintf("http://example.com/%d", u)
				c := index.Capture{URLKey: fmt.Sprintf("com,example)/%d", u), Timestamp: fmt.Sprintf("2024010110%02d%02d", w, u%60),
					URL: url, Type: "response", MIME: "text/html", Status: 200, Digest: "sha256:x", Length: 1,
					Offset: int64(u * 10), Filename: file}
				caps := []index.Capture{c}
				if u%5 == 0 { // a retried URL: a failed attempt before
					failed := c
					failed.Offset, failed.Status, failed.Timestamp = c.Offset+1, 503, "20240101000000"
					caps = append(caps, failed)
				}
				if err := b.Add(caps, nil); err != nil {
					errs[w] = err
					return
				}
			}
			errs[w] = b.Close()
		})
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Fatalf("worker %d: %v", w, err)
		}
	}
	x, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if n, err := x.Count(ctx); err != nil || n != workers*urls {
		t.Errorf("Count = %d, %v; want %d: one capture of each URL by each worker", n, err, workers*urls)
	}
	for _, u := range []int{0, 5, 7, 495} {
		caps, err := x.Captures(ctx, fmt.Sprintf("com,example)/%d", u))
		if err != nil {
			t.Fatal(err)
		}
		if len(caps) != workers {
			t.Errorf("URL %d: %d captures, want %d", u, len(caps), workers)
		}
		for _, c := range caps {
			if c.Status != 200 {
				t.Errorf("URL %d: a failed attempt is served: %+v", u, c)
			}
		}
	}
}
