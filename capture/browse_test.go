package capture_test

import (
	"fmt"
	"net/http"
	"os"
	"sync"
	"testing"

	"github.com/vellumhq/vellum/capture"
)

// With --browser=auto, a page whose load in the browser goes wrong (here
// the site answers the second load with a 503) keeps its static capture:
// the seed is ok, with one metadata record and no screenshot.
func TestAutoKeepsTheStaticCaptureWhenTheBrowserGetsAnErrorPage(t *testing.T) {
	var mu sync.Mutex
	loads := 0
	srv := newCounting(t, map[string]http.HandlerFunc{
		"/": func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			loads++
			n := loads
			mu.Unlock()
			if n > 1 {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<!DOCTYPE html><title>App</title><div id="root"></div><script src="/app.js"></script>`)
		},
		"/app.js": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, `document.getElementById("root").textContent = "built";`)
		},
	})
	cfg := testConfig(t)
	cfg.Retries = 0
	cfg.Browser = capture.BrowserConfig{Mode: capture.BrowserAuto, Path: os.Getenv("CHROMIUM")}
	res := run(t, cfg, srv.URL+"/")
	if srv.Count("/") < 2 {
		t.Fatalf("the page was requested %d times: the browser never loaded it (is Chromium installed?)", srv.Count("/"))
	}
	if res.Stats.Browsed != 1 || res.Stats.ChromiumPeak <= 0 {
		t.Errorf("%d pages in the browser, Chromium's peak memory %d bytes: want 1 and a figure", res.Stats.Browsed, res.Stats.ChromiumPeak)
	}
	if s := res.Seeds[0]; !s.OK() || s.Status != 200 {
		t.Errorf("seed: %s; want the static capture's 200", s.Line())
	}
	recs := readArchive(t, cfg.Archive)
	if n := len(find(recs, "metadata", "urn:pageinfo:"+srv.URL+"/")); n != 1 {
		t.Errorf("%d metadata records for the page, want 1 (the static capture's)", n)
	}
	if n := len(find(recs, "resource", "urn:view:"+srv.URL+"/")); n != 0 {
		t.Errorf("%d screenshots of the error page", n)
	}
}

// The browser asks for a stylesheet again on every page that has it (here
// the site forbids caching it): the run's second copy, identical, is a
// revisit of its first, not a second response record.
func TestTheBrowsersRepeatedRequisiteIsARevisitOfTheRunsOwnCapture(t *testing.T) {
	css := "body { color: #123456 }"
	srv := newCounting(t, map[string]http.HandlerFunc{
		"/a": browserPage("A"),
		"/b": browserPage("B"),
		"/shared.css": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/css")
			w.Header().Set("Cache-Control", "no-store")
			fmt.Fprint(w, css)
		},
	})
	cfg := testConfig(t)
	cfg.Browser = capture.BrowserConfig{Mode: capture.BrowserOn, Path: os.Getenv("CHROMIUM"), Tabs: 1}
	res := run(t, cfg, srv.URL+"/a", srv.URL+"/b")
	for _, s := range res.Seeds {
		if !s.OK() {
			t.Errorf("seed %s", s.Line())
		}
	}
	if n := srv.Count("/shared.css"); n != 2 {
		t.Fatalf("the stylesheet was requested %d times; the test needs the browser to ask for it on each page", n)
	}
	recs := readArchive(t, cfg.Archive)
	resp, rev := find(recs, "response", srv.URL+"/shared.css"), find(recs, "revisit", srv.URL+"/shared.css")
	if len(resp) != 1 || len(rev) != 1 {
		t.Fatalf("%d response and %d revisit records for the stylesheet, want 1 and 1", len(resp), len(rev))
	}
	if got, want := rev[0].Header.Get("WARC-Refers-To"), resp[0].Header.Get("WARC-Record-ID"); got != want {
		t.Errorf("the revisit refers to %s, want the run's response %s", got, want)
	}
}

func browserPage(title string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!DOCTYPE html><title>%s</title><link rel="stylesheet" href="/shared.css"><p>%s</p>`, title, title)
	}
}
