package postgres_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/index/postgres"
	"github.com/vellumhq/vellum/internal/pgtest"
	"github.com/vellumhq/vellum/warc"
)

// lookupIndex is what the benchmark asks of either index.
type lookupIndex interface {
	Add(ctx context.Context, caps []index.Capture, pages []index.Page) error
	Closest(ctx context.Context, urlkey, ts string, n int) ([]index.Capture, error)
}

// BenchmarkClosest compares replay's lookup (the 20 captures of a URL
// nearest a time) on PostgreSQL and SQLite, on the same 50,000 captures
// (5,000 URLs of 10 captures each), from one goroutine: a small stand-in
// for bench/scale.sh's million.
func BenchmarkClosest(b *testing.B) {
	ctx := context.Background()
	const urls, per = 5000, 10
	var keys []string
	var caps []index.Capture
	for u := range urls {
		url := fmt.Sprintf("http://host%d.example/page/%d", u%30, u)
		key, _ := warc.SURT(url)
		keys = append(keys, key)
		for i := range per {
			caps = append(caps, index.Capture{URLKey: key, Timestamp: fmt.Sprintf("2024%02d01000000", i+1), URL: url,
				Type: "response", MIME: "text/html", Status: 200, Digest: "sha256:x", Length: 1000,
				Offset: int64(u*per + i), Filename: "imported/bench.warc.gz"})
		}
	}
	dsn := pgtest.Database(b)
	pg, err := postgres.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer pg.Close()
	lite, err := index.Open(ctx, filepath.Join(b.TempDir(), "vellum.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer lite.Close()
	for name, x := range map[string]lookupIndex{"postgres": pg, "sqlite": lite} {
		for i := 0; i < len(caps); i += 5000 {
			if err := x.Add(ctx, caps[i:min(i+5000, len(caps))], nil); err != nil {
				b.Fatal(err)
			}
		}
		if name == "postgres" {
			analyze(b, dsn) // what autovacuum does in time on a server
		}
		b.Run(name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				got, err := x.Closest(ctx, keys[(i*7919)%len(keys)], "20240615", 20)
				if err != nil || len(got) != per {
					b.Fatalf("Closest: %d captures, %v", len(got), err)
				}
				i++
			}
		})
	}
}

// analyze has PostgreSQL gather the statistics of the new rows, so that
// the planner reads them through their index.
func analyze(b *testing.B, dsn string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE captures`); err != nil {
		b.Fatal(err)
	}
}
