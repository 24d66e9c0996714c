// Command scaleindex measures the capture index at scale, SQLite beside
// PostgreSQL, for bench/scale.sh: it loads an archive's vellum.db (made by
// bench/synthindex, a million captures) into a PostgreSQL index, then on
// each index measures index writes/s (the rows of new WARC records, in the
// batches a capture's Batcher writes) and replay lookups/s (Closest, the
// lookup of /web/<ts>/<url>, from several goroutines at once).
//
//	scaleindex -archive DIR -urls FILE -pg postgres://… [-writes 100000] [-lookups 20000] [-conc 4]
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/index/postgres"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/warc"
)

// store is what the measures ask of either index.
type store interface {
	WriteBatch(ctx context.Context, b index.Batch) error
	Closest(ctx context.Context, urlkey, ts string, n int) ([]index.Capture, error)
	Count(ctx context.Context) (int64, error)
}

var (
	_ store = (*index.Index)(nil)
	_ store = (*postgres.Index)(nil)
)

func main() {
	archive := flag.String("archive", "", "archive `DIR` whose vellum.db holds the captures (copied first: it is not written)")
	urlsFile := flag.String("urls", "", "`FILE` of archived URLs to look up, one a line")
	pgURL := flag.String("pg", "", "PostgreSQL `URL` of an empty database")
	writes := flag.Int("writes", 100_000, "capture rows written in the writes measure")
	lookups := flag.Int("lookups", 20_000, "lookups in the lookups measure")
	conc := flag.Int("conc", 4, "goroutines looking up at once")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("scaleindex: ")
	if *archive == "" || *urlsFile == "" || *pgURL == "" {
		log.Fatal("usage: scaleindex -archive DIR -urls FILE -pg URL [-writes N] [-lookups N] [-conc N]")
	}
	ctx := context.Background()
	urls, err := readLines(*urlsFile)
	if err != nil || len(urls) == 0 {
		log.Fatalf("%s: no URLs (%v)", *urlsFile, err)
	}
	work, err := os.MkdirTemp("", "scaleindex-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(work)
	if err := copyFile(layout.Index(*archive), layout.Index(work)); err != nil {
		log.Fatal(err)
	}
	lite, err := index.Open(ctx, layout.Index(work))
	if err != nil {
		log.Fatal(err)
	}
	defer lite.Close()
	pg, err := postgres.Open(ctx, *pgURL)
	if err != nil {
		log.Fatal(err)
	}
	defer pg.Close()

	start := time.Now()
	st, err := pg.CopyFrom(ctx, lite)
	if err != nil {
		log.Fatal(err)
	}
	load := time.Since(start)
	fmt.Printf("load   postgres  %d captures copied from vellum.db in %.1f s: %.0f rows/s\n",
		st.Captures, load.Seconds(), float64(st.Captures)/load.Seconds())
	// What an operator runs after a bulk load (autovacuum would, later):
	// statistics for the planner, and the visibility map that lets a lookup
	// read the index alone.
	start = time.Now()
	conn, err := pgx.Connect(ctx, *pgURL)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("vacuum postgres  VACUUM ANALYZE in %.1f s\n", time.Since(start).Seconds())
	var table, indexes int64
	if err := conn.QueryRow(ctx, `SELECT pg_table_size('captures'), pg_indexes_size('captures')`).Scan(&table, &indexes); err != nil {
		log.Fatal(err)
	}
	conn.Close(ctx)
	fmt.Printf("size   postgres  captures: table %.0f MB, indexes %.0f MB, %.0f bytes a capture\n",
		float64(table)/1e6, float64(indexes)/1e6, float64(table+indexes)/float64(st.Captures))

	for _, ix := range []struct {
		name string
		s    store
	}{{"sqlite", lite}, {"postgres", pg}} {
		n, err := ix.s.Count(ctx)
		if err != nil {
			log.Fatal(err)
		}
		w, err := measureWrites(ctx, ix.s, *writes)
		if err != nil {
			log.Fatalf("%s: writes: %v", ix.name, err)
		}
		l, found, err := measureLookups(ctx, ix.s, urls, *lookups, *conc)
		if err != nil {
			log.Fatalf("%s: lookups: %v", ix.name, err)
		}
		fmt.Printf("index  %-8s  captures %d  writes/s %.0f  lookups/s %.0f (%d goroutines, %d URLs each once, %.1f%% found)\n",
			ix.name, n, w, l, *conc, min(*lookups, len(urls)), 100*float64(found)/float64(min(*lookups, len(urls))))
	}
}

// measureWrites writes n capture rows of one new WARC file in batches of
// 1,000 (the Batcher's), each batch one transaction, and returns rows/s.
func measureWrites(ctx context.Context, s store, n int) (float64, error) {
	const batch = 1000
	name := fmt.Sprintf("warcs/2026/12/06/20261206T000000Z-%04x-00000.warc.gz", rand.IntN(1<<16))
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	start := time.Now()
	for i := 0; i < n; i += batch {
		caps := make([]index.Capture, 0, batch)
		for j := i; j < min(i+batch, n); j++ {
			u := fmt.Sprintf("http://host%d.example/new/%d/%d.html", rng.IntN(1000), rng.IntN(1_000_000), j)
			key, err := warc.SURT(u)
			if err != nil {
				return 0, err
			}
			caps = append(caps, index.Capture{URLKey: key, Timestamp: "20261206000000", URL: u, Type: "response",
				MIME: "text/html", Status: 200, Digest: fmt.Sprintf("sha1:%032d", j), Length: 2000,
				Offset: int64(j) * 2000, Filename: name, RecordID: fmt.Sprintf("<urn:uuid:%08d-0000-4000-8000-000000000000>", j)})
		}
		if err := s.WriteBatch(ctx, index.Batch{Captures: caps}); err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// measureLookups runs Closest lookups (20 captures nearest a time, as
// replay asks) of up to n distinct URLs of urls, each once in a shuffled
// order, from conc goroutines, and returns lookups/s and how many found a
// capture. Each URL once: the SQLite index's in-process cache of recent
// URL keys (readers.go) would otherwise answer the repeats.
func measureLookups(ctx context.Context, s store, urls []string, n, conc int) (float64, int64, error) {
	keys := make([]string, len(urls))
	for i, u := range urls {
		k, err := warc.SURT(u)
		if err != nil {
			return 0, 0, err
		}
		keys[i] = k
	}
	rand.New(rand.NewPCG(99, 1)).Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	keys = keys[:min(n, len(keys))]
	var next, found atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, conc)
	start := time.Now()
	for range conc {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(keys)) {
					return
				}
				caps, err := s.Closest(ctx, keys[i], "20240615000000", 20)
				if err != nil {
					errs <- err
					return
				}
				if len(caps) > 0 {
					found.Add(1)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, 0, err
	}
	return float64(len(keys)) / time.Since(start).Seconds(), found.Load(), nil
}

func readLines(name string) ([]string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); l != "" {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}

// copyFile copies src to dst with cp, keeping sparse files sparse.
func copyFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if out, err := exec.Command("cp", "--sparse=always", src, dst).CombinedOutput(); err != nil {
		return fmt.Errorf("copy %s: %v %s", src, err, out)
	}
	return nil
}
