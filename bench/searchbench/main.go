package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
)

func main() {
	n := flag.Int("n", 100_000, "articles to generate")
	archive := flag.String("archive", "", "archive `DIR` whose vellum.db is written (it must not exist)")
	queries := flag.Int("queries", 300, "queries of each kind")
	seed := flag.Uint64("seed", 1, "generator seed")
	reuse := flag.Bool("reuse", false, "query DIR/vellum.db as an earlier run with the same -n and -seed left it (KEEP=1), without writing it")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("searchbench: ")
	if *archive == "" || *n < 1 || *queries < 1 {
		log.Fatal("usage: searchbench -archive DIR [-n 100000] [-queries 300] [-seed 1]")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *archive, *n, *queries, *seed, *reuse); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, archive string, n, queries int, seed uint64, reuse bool) error {
	db := filepath.Join(archive, layout.IndexFile)
	if _, err := os.Stat(db); (err == nil) != reuse {
		return fmt.Errorf("%s: exists %v, -reuse %v", db, err == nil, reuse)
	}
	if err := os.MkdirAll(archive, 0o755); err != nil {
		return err
	}
	idx, err := index.Open(ctx, db)
	if err != nil {
		return err
	}
	defer idx.Close()

	g := newGenerator(seed)
	var prev index.Page
	var words, bytes int
	start := time.Now()
	var sample []index.Page // articles whose words make three-word queries
	for i := 0; i < n; i += 1000 {
		pages := g.pages(i, min(i+1000, n), &prev)
		for _, p := range pages {
			words += len(strings.Fields(p.Text))
			bytes += len(p.Text) + len(p.Title)
		}
		if len(sample) < queries {
			sample = append(sample, pages[0])
		}
		if reuse {
			continue
		}
		if err := idx.Add(ctx, nil, pages); err != nil {
			return err
		}
	}
	if !reuse {
		if err := build(ctx, idx, db, n, words, bytes, start); err != nil {
			return err
		}
	}
	return query(ctx, idx, g, sample, queries, seed)
}

// build reports the writing of the page rows and times their indexing.
func build(ctx context.Context, idx *index.Index, db string, n, words, bytes int, start time.Time) error {
	rows := time.Since(start)
	fmt.Printf("articles          %d (%.0f words each on average), page rows written at %.0f rows/s\n",
		n, float64(words)/float64(n), float64(n)/rows.Seconds())

	start = time.Now()
	k, err := idx.UpdateSearch(ctx)
	if err != nil {
		return err
	}
	build := time.Since(start)
	fmt.Printf("full-text index   %d pages indexed in %.1f s: %.0f rows/s (%.1f MB of text/s)\n",
		k, build.Seconds(), float64(k)/build.Seconds(), float64(bytes)/1e6/build.Seconds())
	if fi, err := os.Stat(db); err == nil {
		fmt.Printf("vellum.db         %.0f MB\n", float64(fi.Size())/1e6)
	}
	return nil
}

// query times the searches of each kind.
func query(ctx context.Context, idx *index.Index, g *generator, sample []index.Page, queries int, seed uint64) error {

	qr := rand.New(rand.NewPCG(seed, 0x9e77))
	kinds := []struct {
		name string
		make func(i int) string
	}{
		{"one word", func(int) string { return g.vocab[logUniform(qr, 100, 20000)] }},
		{"three words", func(i int) string { return threeWords(qr, sample[i%len(sample)].Text, g) }},
		{"prefix", func(int) string {
			w := g.vocab[logUniform(qr, 100, 20000)]
			return w[:min(4, len(w))] + "*"
		}},
		{"common word", func(int) string { return g.vocab[qr.IntN(20)] }},
	}
	fmt.Printf("%-12s %8s %8s %8s %8s %8s %9s %10s  %s\n", "query", "p50 ms", "p99 ms", "max ms", "CPU p50", "CPU p99", "hits avg", "total avg", "slowest")
	for _, kind := range kinds {
		var times, cpus []time.Duration
		var hits, total int
		slowest, slowestWords := time.Duration(0), ""
		for i := range queries + 10 {
			q := index.SearchQuery{Words: kind.make(i)}
			t0, c0 := time.Now(), cpuTime()
			res, err := idx.Search(ctx, q)
			d, c := time.Since(t0), cpuTime()-c0
			if err != nil {
				return fmt.Errorf("%q: %w", q.Words, err)
			}
			if i < 10 {
				continue // warming up
			}
			times, cpus = append(times, d), append(cpus, c)
			if d > slowest {
				slowest, slowestWords = d, q.Words
			}
			hits += len(res.Hits)
			total += res.Total
		}
		slices.Sort(times)
		slices.Sort(cpus)
		fmt.Printf("%-12s %8.2f %8.2f %8.2f %8.2f %8.2f %9.1f %10.1f  %q\n", kind.name, ms(pct(times, 50)), ms(pct(times, 99)), ms(times[len(times)-1]),
			ms(pct(cpus, 50)), ms(pct(cpus, 99)), float64(hits)/float64(len(times)), float64(total)/float64(len(times)), slowestWords)
	}
	return nil
}

// logUniform is a rank between lo and hi, each order of magnitude as likely.
func logUniform(r *rand.Rand, lo, hi int) int {
	return int(math.Exp(math.Log(float64(lo)) + r.Float64()*(math.Log(float64(hi))-math.Log(float64(lo)))))
}

// threeWords picks three different words of a text that are not among
// the 100 most common, as a reader remembering an article would.
func threeWords(r *rand.Rand, text string, g *generator) string {
	common := map[string]bool{}
	for _, w := range g.vocab[:100] {
		common[w] = true
	}
	var pool []string
	for _, w := range strings.Fields(strings.ToLower(text)) {
		w = strings.Trim(w, ".,")
		if !common[w] && !slices.Contains(pool, w) {
			pool = append(pool, w)
		}
	}
	r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	return strings.Join(pool[:min(3, len(pool))], " ")
}

func pct(sorted []time.Duration, p int) time.Duration {
	return sorted[min(len(sorted)-1, (len(sorted)*p+99)/100-1)]
}

// cpuTime is the CPU time the process has used (all its threads: the
// query's, and the garbage collector's): a query's CPU time is not
// stretched by waiting for a core on a busy machine, as its wall time is.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
