package replay

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
)

var benchIndex struct {
	once sync.Once
	idx  *index.Index
	urls []string
	err  error
}

// synthIndex opens the million-capture index of bench/synthindex (made once
// and cached in the temporary directory) and its sample of URLs.
func synthIndex(b *testing.B) (*index.Index, []string) {
	b.Helper()
	s := &benchIndex
	s.once.Do(func() {
		cmd := exec.Command("go", "run", "./bench/synthindex", "-cached", "-n", "1000000")
		cmd.Dir, cmd.Stderr = "..", os.Stderr
		out, err := cmd.Output()
		if err != nil {
			s.err = err
			return
		}
		dir := strings.TrimSpace(string(out))
		if s.idx, s.err = index.Open(context.Background(), filepath.Join(dir, layout.IndexFile)); s.err != nil {
			return
		}
		f, err := os.Open(filepath.Join(dir, "urls.txt"))
		if err != nil {
			s.err = err
			return
		}
		defer f.Close()
		for sc := bufio.NewScanner(f); sc.Scan(); {
			s.urls = append(s.urls, sc.Text())
		}
		if len(s.urls) == 0 {
			s.err = errors.New("no URLs in the sample")
		}
	})
	if s.err != nil {
		b.Fatalf("synthetic index: %v", s.err)
	}
	return s.idx, s.urls
}

// BenchmarkCDXHandler answers CDX API requests end to end (parameters,
// lookup, encoding; no network) on a million captures, one sample URL per
// request, on one goroutine and on all of them. queries/s is b.N over the
// elapsed time: for "parallel", the throughput of every core together.
//
// The sample's captures are looked up once first, so the exact and closest
// queries find them in the index's capture cache, as a busy server's hot
// URLs do; the index package's benchmarks give the cost without it ("sql").
func BenchmarkCDXHandler(b *testing.B) {
	idx, urls := synthIndex(b)
	h := CDXHandler(idx, CDXOptions{})
	warm := &discardWriter{h: http.Header{}}
	for _, u := range urls {
		h.ServeHTTP(warm, httptest.NewRequest(http.MethodGet, "/web/cdx?url="+url.QueryEscape(u), nil))
	}
	for _, bc := range []struct{ name, params string }{
		{"exact", ""},
		{"exact-json", "&output=json"},
		{"closest-1", "&closest=20220615120000&limit=1&output=json"},
		{"prefix-100", "&matchType=host&limit=100&output=json"},
	} {
		targets := make([]string, len(urls))
		for i, u := range urls {
			targets[i] = "/web/cdx?url=" + url.QueryEscape(u) + bc.params
		}
		run := func(b *testing.B, next func() int) {
			rec := &discardWriter{h: http.Header{}}
			req := httptest.NewRequest(http.MethodGet, targets[0], nil)
			for i := next(); i >= 0; i = next() {
				req.URL, _ = url.ParseRequestURI(targets[i%len(targets)])
				clear(rec.h)
				rec.code = 0
				h.ServeHTTP(rec, req)
				if rec.code != 0 && rec.code != http.StatusOK {
					b.Errorf("%s: %d", req.URL, rec.code)
					return
				}
			}
		}
		b.Run(bc.name+"/serial", func(b *testing.B) {
			i := 0
			run(b, func() int {
				if !b.Loop() {
					return -1
				}
				i++
				return i
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
		})
		b.Run(bc.name+"/parallel", func(b *testing.B) {
			var n atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				run(b, func() int {
					if !pb.Next() {
						return -1
					}
					return int(n.Add(1))
				})
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
		})
	}
}

// discardWriter is a ResponseWriter that keeps only the status.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(p), nil
}
