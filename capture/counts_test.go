package capture_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
)

// countsSite is a front page linking two articles, a page robots.txt
// forbids, an old address that redirects to an article already linked, and
// a page that is gone; it shows an image robots.txt forbids.
func countsSite(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
		case "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<img src="/private/pic.png"><a href="/a.html">a</a> <a href="/b.html">b</a>
				<a href="/private/x.html">x</a> <a href="/old">old</a> <a href="/gone.html">gone</a>`)
		case "/a.html", "/b.html":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<article><p>A story of some length, told in full.</p></article>")
		case "/old":
			http.Redirect(w, r, "/a.html", http.StatusMovedPermanently)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Every count of a run is the sum of what the run lists: pages are the
// pages with a change, robots.txt skips are not errors, and each skipped or
// failed URL is recorded with its reason (in vellum.db and runs/<id>.json).
func TestRunCountsAreTheSumsOfWhatTheRunLists(t *testing.T) {
	srv := countsSite(t)
	cfg := testConfig(t)
	cfg.Depth = 1
	res := run(t, cfg, srv.URL+"/")
	c := res.Run.Counts
	if c.Pages != 3 || c.New != 3 || len(res.Changes) != 3 {
		t.Errorf("pages: counts %+v, changes %+v; want the front page and two articles (a redirect to one is no page)", c, res.Changes)
	}
	if c.Errors != 1 || c.Skipped != 2 || res.Stats.Errors != 1 || res.Stats.Skipped != 2 {
		t.Errorf("counts %+v, stats %+v; want 1 error (the gone page) and 2 skipped (robots.txt)", c, res.Stats)
	}
	if res.Run.Status != index.RunOK {
		t.Errorf("status %s (%s)", res.Run.Status, res.Run.Error)
	}
	want := []string{
		"page failed " + srv.URL + "/gone.html: HTTP 404 Not Found",
		"page skipped " + srv.URL + "/private/x.html: disallowed by robots.txt",
		"requisite skipped " + srv.URL + "/private/pic.png: disallowed by robots.txt",
	}
	list := func(ps []index.Problem) string {
		var out []string
		for _, p := range ps {
			out = append(out, fmt.Sprintf("%s %s %s: %s", p.Kind, p.Outcome, p.URL, p.Reason))
		}
		sort.Strings(out)
		return strings.Join(out, "\n")
	}
	idx, err := index.Open(context.Background(), filepath.Join(cfg.Archive, layout.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	got, err := idx.Problems(context.Background(), res.RunID)
	if err != nil || list(got) != strings.Join(want, "\n") {
		t.Errorf("skipped and failed URLs in vellum.db (%v):\n%s\nwant:\n%s", err, list(got), strings.Join(want, "\n"))
	}
	data, err := os.ReadFile(filepath.Join(cfg.Archive, layout.RunsDir, res.RunID+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var sum capture.RunSummary
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	if list(sum.Problems) != strings.Join(want, "\n") || sum.Counts != c {
		t.Errorf("runs/%s.json: counts %+v, problems:\n%s", res.RunID, sum.Counts, list(sum.Problems))
	}
}
