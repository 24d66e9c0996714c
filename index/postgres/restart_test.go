package postgres_test

import (
	"context"
	"testing"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/index/postgres"
	"github.com/vellumhq/vellum/internal/pgtest"
)

// An index whose server restarts fails the calls made while it is down,
// and serves again once it is back, on the same *Index: a replay node or a
// worker need not reopen it.
func TestServerRestart(t *testing.T) {
	ctx := context.Background()
	s := pgtest.Start(t)
	x, err := postgres.Open(ctx, s.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	c := index.Capture{URLKey: "com,example)/", Timestamp: "20240101000000", URL: "http://example.com/", Type: "response",
		MIME: "text/html", Status: 200, Digest: "sha256:a", Length: 1, Offset: 1, Filename: "imported/a.warc.gz"}
	if err := x.Add(ctx, []index.Capture{c}, nil); err != nil {
		t.Fatal(err)
	}
	s.Stop(t)
	if _, err := x.Count(ctx); err == nil {
		t.Fatal("Count with the server down: no error")
	}
	s.Restart(t)
	c.Offset, c.Timestamp = 2, "20240102000000"
	if err := x.Add(ctx, []index.Capture{c}, nil); err != nil {
		t.Fatalf("Add after the restart: %v", err)
	}
	if n, err := x.Count(ctx); err != nil || n != 2 {
		t.Errorf("Count after the restart = %d, %v; want 2", n, err)
	}
}
