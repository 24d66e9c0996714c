package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/vellumhq/vellum/internal/testsite"
)

// rwpVersion is the ReplayWeb.page release the interop test loads (`make
// test-tools` unpacks its npm package under .cache/).
const rwpVersion = "2.5.3"

// TestReplayWebPageLoadsVellumsWACZ serves ReplayWeb.page's ui.js and sw.js
// with a page embedding <replay-web-page source=the export>, on loopback, and
// has Chromium show the archived article from the WACZ alone: its text and
// every image render, and ReplayWeb.page's page list and text index hold it.
func TestReplayWebPageLoadsVellumsWACZ(t *testing.T) {
	pkg := filepath.Join(repoRoot(t), ".cache", "replaywebpage-"+rwpVersion, "package")
	for _, f := range []string{"ui.js", "sw.js"} {
		if _, err := os.Stat(filepath.Join(pkg, f)); err != nil {
			t.Fatalf("ReplayWeb.page %s is not unpacked (%v); `make test-tools` runs npm pack replaywebpage@%s", rwpVersion, err, rwpVersion)
		}
	}
	archive, site, _ := captureFixture(t)
	wacz := filepath.Join(t.TempDir(), "x.wacz")
	if r := vellum(t, nil, "export", "--archive", archive, "--wacz", wacz, "--title", "Borderland"); r.code != 0 {
		t.Fatalf("export: %s%s", r.stdout, r.stderr)
	}
	article := site.ArticleURL()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><script src="/replay/ui.js"></script></head><body>
<replay-web-page style="display:block;height:900px" source="/x.wacz" url="%s" replayBase="/replay/"></replay-web-page>
</body></html>`, article)
	})
	// The service worker serves ReplayWeb.page's frame once it runs; until
	// then (the first load) the server gives the same page.
	mux.HandleFunc("GET /replay/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html><head><script src="./ui.js"></script></head><body><replay-app-main></replay-app-main></body></html>`)
	})
	mux.HandleFunc("GET /replay/{file}", func(w http.ResponseWriter, r *http.Request) {
		f := r.PathValue("file")
		if f != "ui.js" && f != "sw.js" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/javascript")
		http.ServeFile(w, r, filepath.Join(pkg, f))
	})
	mux.HandleFunc("GET /x.wacz", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, wacz) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	b := newBrowser(t)
	if err := chromedp.Do(b.ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	frame := pollFrame(t, b, "mp_/"+article, 60*time.Second)
	title := pollFrameEval(t, b, frame, `document.body && document.body.innerText.includes(`+jsString(testsite.ArticleText)+`) ? document.title : ""`, 30*time.Second)
	if !strings.HasPrefix(title, "Borderland river floods") {
		t.Fatalf("ReplayWeb.page shows title %q", title)
	}
	// Every image decodes (lazy ones once their archived script has run).
	broken := pollFrameEval(t, b, frame, `(() => { const imgs = Array.from(document.images);
		const bad = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.id || i.src);
		return imgs.length >= 5 && bad.length == 0 ? "none" : "";
	})()`, 30*time.Second)
	if broken != "none" {
		t.Errorf("images not rendered")
	}
	// The collection's page list and text index, as the UI's list and search
	// read them from its service worker (a navigation in its scope reaches it).
	coll := collOf(t, frame)
	info := swGet(t, b, srv.URL+"/replay/w/api/c/"+coll+"?all=1")
	if !strings.Contains(info, article) || !strings.Contains(info, "Borderland river floods") {
		t.Errorf("ReplayWeb.page's page list:\n%.800s", info)
	}
	// The tab is in the worker's scope now: its fetches go through it.
	text := eval[string](t, b, `fetch("/replay/w/api/c/`+coll+`/textIndex").then(r => r.text())`)
	if !strings.Contains(text, testsite.ArticleText) {
		t.Errorf("ReplayWeb.page's text index has not the article's text:\n%.800s", text)
	}
}

// pollFrame waits for a frame whose URL contains part and returns its URL.
func pollFrame(t *testing.T, b *browser, part string, wait time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(wait)
	var seen []string
	for time.Now().Before(deadline) {
		tree, err := chromedp.Call(b.ctx, page.GetFrameTree, cdp.Empty{})
		if err != nil {
			t.Fatalf("frame tree: %v", err)
		}
		seen = seen[:0]
		var find func(*page.FrameTree) string
		find = func(ft *page.FrameTree) string {
			seen = append(seen, ft.Frame.URL)
			if strings.Contains(ft.Frame.URL, part) {
				return ft.Frame.URL
			}
			for _, c := range ft.ChildFrames {
				if u := find(c); u != "" {
					return u
				}
			}
			return ""
		}
		if u := find(tree.FrameTree); u != "" {
			return u
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no frame showing %s after %v; frames: %q; requests: %s", part, wait, seen, b.requestsFor("/"))
	return ""
}

// pollFrameEval evaluates expr in the frame at url until it returns a
// non-empty string.
func pollFrameEval(t *testing.T, b *browser, url, expr string, wait time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		if v := evalFrame[string](t, b, url, expr); v != "" || time.Now().After(deadline) {
			return v
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// collOf is the collection of a ReplayWeb.page frame URL: /replay/w/<coll>/<ts>mp_/...
func collOf(t *testing.T, frame string) string {
	_, rest, ok := strings.Cut(frame, "/replay/w/")
	coll, _, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		t.Fatalf("no collection in %s", frame)
	}
	return coll
}

// swGet loads url in the tab (under ReplayWeb.page's service worker) and
// returns the text it shows.
func swGet(t *testing.T, b *browser, url string) string {
	t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("navigate %s: %v", url, err)
	}
	return eval[string](t, b, `document.body ? document.body.innerText : ""`)
}
