package index

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/warc"
)

var synth struct {
	once sync.Once
	idx  *Index
	urls []string
	err  error
}

// synthIndex opens the million-capture index of bench/synthindex, which
// makes it once and caches it in the temporary directory (a minute or so the
// first time), and returns it with its sample of URLs. It stays open for the
// whole run.
func synthIndex(b *testing.B) (*Index, []string) {
	b.Helper()
	synth.once.Do(func() {
		cmd := exec.Command("go", "run", "./bench/synthindex", "-cached", "-n", "1000000")
		cmd.Dir, cmd.Stderr = "..", os.Stderr
		out, err := cmd.Output()
		if err != nil {
			synth.err = err
			return
		}
		dir := strings.TrimSpace(string(out))
		if synth.idx, synth.err = Open(context.Background(), filepath.Join(dir, layout.IndexFile)); synth.err != nil {
			return
		}
		f, err := os.Open(filepath.Join(dir, "urls.txt"))
		if err != nil {
			synth.err = err
			return
		}
		defer f.Close()
		for sc := bufio.NewScanner(f); sc.Scan(); {
			synth.urls = append(synth.urls, sc.Text())
		}
		if len(synth.urls) == 0 {
			synth.err = errors.New("no URLs in the sample")
		}
	})
	if synth.err != nil {
		b.Fatalf("synthetic index: %v", synth.err)
	}
	return synth.idx, synth.urls
}

type lookupFunc func(ctx context.Context, idx *Index, u string) (int, error)

// benchLookups runs one lookup per op over the sample URLs: "sql" with the
// capture cache off (every lookup a SQLite query), "cached" with the sample
// in the cache; each on one goroutine and on all cores ("parallel" ns/op is
// wall time per lookup of all goroutines together).
func benchLookups(b *testing.B, cacheable bool, lookup lookupFunc) {
	idx, urls := synthIndex(b)
	ctx := context.Background()
	r, err := idx.readers.get(ctx, idx.path)
	if err != nil {
		b.Fatal(err)
	}
	modes := []string{"sql"}
	if cacheable {
		modes = append(modes, "cached")
	}
	for _, mode := range modes {
		r.cache.invalidate()
		r.cache.limit = 0
		if mode == "cached" {
			r.cache.limit = cacheCaptures
			for _, u := range urls {
				if _, err := lookup(ctx, idx, u); err != nil {
					b.Fatal(err)
				}
			}
		}
		var rows atomic.Int64
		b.Run(mode+"/serial", func(b *testing.B) {
			rows.Store(0)
			i := 0
			for b.Loop() {
				n, err := lookup(ctx, idx, urls[i%len(urls)])
				if err != nil {
					b.Fatal(err)
				}
				rows.Add(int64(n))
				i++
			}
			b.ReportMetric(float64(rows.Load())/float64(b.N), "rows/op")
		})
		b.Run(mode+"/parallel", func(b *testing.B) {
			rows.Store(0)
			var next atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					n, err := lookup(ctx, idx, urls[int(next.Add(1))%len(urls)])
					if err != nil {
						b.Error(err)
						return
					}
					rows.Add(int64(n))
				}
			})
			b.ReportMetric(float64(rows.Load())/float64(b.N), "rows/op")
		})
	}
	r.cache.limit = cacheCaptures
}

func countRows(ctx context.Context, idx *Index, q Query) (int, error) {
	n := 0
	err := idx.Lookup(ctx, q, func(Capture) error { n++; return nil })
	return n, err
}

// BenchmarkLookupExact is the CDX query of one URL: all its captures.
func BenchmarkLookupExact(b *testing.B) {
	benchLookups(b, true, func(ctx context.Context, idx *Index, u string) (int, error) {
		return countRows(ctx, idx, Query{URL: u})
	})
}

// BenchmarkLookupClosest is replay's choice of a capture: the three nearest
// to a time, as Index.Closest gives them.
func BenchmarkLookupClosest(b *testing.B) {
	benchLookups(b, true, func(ctx context.Context, idx *Index, u string) (int, error) {
		key, err := warc.SURT(u)
		if err != nil {
			return 0, err
		}
		caps, err := idx.Closest(ctx, key, "20220615120000", 3)
		return len(caps), err
	})
}

// BenchmarkLookupPrefix reads the first 100 captures under a URL's host.
func BenchmarkLookupPrefix(b *testing.B) {
	benchLookups(b, false, func(ctx context.Context, idx *Index, u string) (int, error) {
		scheme, rest, _ := strings.Cut(u, "://")
		host, _, _ := strings.Cut(rest, "/")
		return countRows(ctx, idx, Query{URL: scheme + "://" + host + "/*", Limit: 100})
	})
}
