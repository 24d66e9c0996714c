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
