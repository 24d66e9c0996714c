package postgres_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

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

// A write while the server is down waits for it: the worker's batch is
// written once the server is back, with a line when it began waiting and
// one when it was done.
func TestWriteWaitsForTheServer(t *testing.T) {
	ctx := context.Background()
	s := pgtest.Start(t)
	x, err := postgres.Open(ctx, s.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	var logs bytes.Buffer
	waiting := make(chan struct{})
	h := &signalHandler{Handler: slog.NewTextHandler(&logs, nil), level: slog.LevelWarn, once: &sync.Once{}, ch: waiting}
	x.SetRetry(time.Minute, slog.New(h))
	c := index.Capture{URLKey: "com,example)/", Timestamp: "20240101000000", URL: "http://example.com/", Type: "response",
		MIME: "text/html", Status: 200, Digest: "sha256:a", Length: 1, Offset: 1, Filename: "warcs/a.warc.gz"}
	s.Stop(t)
	done := make(chan error, 1)
	go func() { done <- x.WriteBatch(ctx, index.Batch{Captures: []index.Capture{c}}) }()
	select {
	case <-waiting:
	case err := <-done:
		t.Fatalf("WriteBatch with the server down returned at once: %v", err)
	}
	s.Restart(t)
	if err := <-done; err != nil {
		t.Fatalf("WriteBatch once the server was back: %v", err)
	}
	if n, err := x.Count(ctx); err != nil || n != 1 {
		t.Errorf("Count = %d, %v; want the one capture", n, err)
	}
	for _, want := range []string{"PostgreSQL cannot be reached", "PostgreSQL reached again"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, logs.String())
		}
	}
}

// signalHandler closes ch at the first record of level or above.
type signalHandler struct {
	slog.Handler
	level slog.Level
	once  *sync.Once
	ch    chan struct{}
}

func (h *signalHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= h.level {
		h.once.Do(func() { close(h.ch) })
	}
	return err
}
