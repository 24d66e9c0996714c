package capture_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/internal/testsite"
	"github.com/vellumhq/vellum/warc"
)

// A page reached through a redirect is compared, and its change recorded,
// under the URL it redirects to: that is where both captures' texts are.
func TestChangeOfARedirectedPageIsFiledUnderItsTarget(t *testing.T) {
	site := testsite.New(t)
	cfg := testConfig(t)
	first := run(t, cfg, site.URL("/latest"))
	if len(first.Changes) != 1 || first.Changes[0].URL != site.ArticleURL() || first.Changes[0].Change != index.ChangeNew {
		t.Fatalf("first run's changes: %+v", first.Changes)
	}
	site.EditArticle(func(html string) string { return strings.Replace(html, "two metres", "three metres", 1) })
	cfg.RunID = ""
	second := run(t, cfg, site.URL("/latest"))
	if len(second.Changes) != 1 {
		t.Fatalf("second run's changes: %+v", second.Changes)
	}
	c := second.Changes[0]
	if c.URL != site.ArticleURL() || c.Change != index.ChangeChanged || c.PrevTS != first.Changes[0].TS || c.TS == c.PrevTS {
		t.Fatalf("change: %+v (first %+v)", c, first.Changes[0])
	}
	idx, err := index.Open(context.Background(), filepath.Join(cfg.Archive, layout.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	key, _ := warc.SURT(c.URL)
	for _, ts := range []string{c.PrevTS, c.TS} {
		if p, ok, err := idx.PageAt(context.Background(), key, ts); err != nil || !ok || !strings.Contains(p.Text, "metres") {
			t.Errorf("page text at %s: ok=%v err=%v", ts, ok, err)
		}
	}
	if second.Run.Counts.Changed != 1 || second.Stats.Revisits == 0 {
		t.Errorf("second run counts %+v, stats %+v", second.Run.Counts, second.Stats)
	}
}

// The seed counts toward MaxPages: --max-pages 5 on a front page linking
// ten articles captures the front page and four articles.
func TestMaxPagesCountsTheSeed(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path == "/" {
			for i := range 10 {
				fmt.Fprintf(w, `<a href="/a/%d.html">story %d</a>`, i, i)
			}
			return
		}
		fmt.Fprint(w, "<p>A story.</p>")
	}))
	defer srv.Close()
	cfg := testConfig(t)
	cfg.Depth, cfg.MaxPages = 1, 5
	res := run(t, cfg, srv.URL+"/")
	mu.Lock()
	defer mu.Unlock()
	pages := 0
	for p, n := range hits {
		if p == "/" || strings.HasPrefix(p, "/a/") {
			pages += n
		}
	}
	if pages != 5 || res.Stats.Pages != 5 {
		t.Errorf("--max-pages 5: the site served %d pages, the run counted %d", pages, res.Stats.Pages)
	}
}

// An article that vanishes (404) is reported changed, and so is its return.
func TestAVanishedArticleIsReported(t *testing.T) {
	var gone atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if gone.Load() {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, "<h1>Not found</h1><p>This page does not exist.</p>")
			return
		}
		fmt.Fprint(w, "<article><h1>Budget passed</h1><p>The council passed the budget on Tuesday after a long debate.</p></article>")
	}))
	defer srv.Close()
	cfg := testConfig(t)
	kinds := func(res *capture.Result) []string {
		var out []string
		for _, c := range res.Changes {
			out = append(out, c.Change)
		}
		return out
	}
	var got [][]string
	for _, g := range []bool{false, true, false} {
		gone.Store(g)
		cfg.RunID = ""
		res, _ := capture.Run(context.Background(), cfg, []string{srv.URL + "/story.html"})
		got = append(got, kinds(res))
	}
	want := [][]string{{index.ChangeNew}, {index.ChangeChanged}, {index.ChangeChanged}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("present, gone, back: %v, want %v", got, want)
	}
}
