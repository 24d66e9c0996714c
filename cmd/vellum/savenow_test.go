package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// gatedArticle is a news page whose first fetch waits until the test lets
// it answer, so the test sees the capture's progress page for sure.
type gatedArticle struct {
	release chan struct{}
	hits    atomic.Int64
}

const savedText = "The harbour wall gave way at dawn"

func (g *gatedArticle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/2026/12/harbour.html" {
		http.NotFound(w, r)
		return
	}
	if g.hits.Add(1) == 1 {
		<-g.release
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(`<!DOCTYPE html><html><head><title>Harbour wall gives way</title></head><body><article><h1>Harbour wall gives way</h1><p>` +
		savedText + `, flooding the lower town. Residents were moved to the school.</p></article></body></html>`))
}

// waitJS polls a JavaScript predicate in the page until it is true,
// through navigations (a page being replaced answers nothing for a moment).
func waitJS(t *testing.T, b *browser, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](expr)); err == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	loc, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
	t.Fatalf("%s: not after a minute; the page is %s", what, loc)
}

// screenshotPage shows the page at 400 and 1280 px wide, checks that
// nothing is wider than the page, and writes the PNGs to
// $VELLUM_SCREENSHOTS (when set) for a person to look at.
func screenshotPage(t *testing.T, b *browser, name string) {
	t.Helper()
	for _, width := range []int64{400, 1280} {
		if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(width, 800)); err != nil {
			t.Fatal(err)
		}
		if wide := eval[bool](t, b, `document.documentElement.scrollWidth > window.innerWidth`); wide {
			t.Errorf("%s at %d px: the page is wider than the window", name, width)
		}
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if dir := os.Getenv("VELLUM_SCREENSHOTS"); dir != "" {
			if err := os.WriteFile(filepath.Join(dir, name+"-"+strconv.FormatInt(width, 10)+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestSaveNowInChromium: in a real browser, a user signs in with a token,
// is refused a form without its CSRF token (nothing queued), saves a page,
// sees its progress and lands on its replay, which shows the page's text.
func TestSaveNowInChromium(t *testing.T) {
	g := &gatedArticle{release: make(chan struct{})}
	site := httptest.NewServer(g)
	t.Cleanup(site.Close)
	released := false
	t.Cleanup(func() {
		if !released {
			close(g.release)
		}
	})
	archive := filepath.Join(t.TempDir(), "archive")
	ui, content := startServeEnv(t, []string{tokensEnv + "=" + apiToken}, archive, "--allow-targets", "127.0.0.1/32")
	b := newBrowser(t)

	b.open(t, ui+"/")
	if !eval[bool](t, b, `!!document.querySelector("form.signin input[name=token]")`) {
		t.Fatalf("no sign-in form on the home page")
	}
	screenshotPage(t, b, "home-signin")
	if err := chromedp.Do(b.ctx,
		chromedp.SendKeys(chromedp.CSS("form.signin input[name=token]"), apiToken),
		chromedp.Click(chromedp.CSS("form.signin button")),
	); err != nil {
		t.Fatal(err)
	}
	waitJS(t, b, "the save form after sign-in", `!!document.querySelector("form.save input[name=url]")`)
	screenshotPage(t, b, "home-save")

	// A form without its CSRF token is refused, and nothing is queued.
	if err := chromedp.Do(b.ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelector("form.save input[name=csrf]").remove()`),
		chromedp.SendKeys(chromedp.CSS("form.save input[name=url]"), site.URL+"/2026/12/harbour.html"),
		chromedp.Click(chromedp.CSS("form.save button")),
	); err != nil {
		t.Fatal(err)
	}
	waitJS(t, b, "the refusal", `document.title.startsWith("Refused")`)
	if code, _, runs := apiCall(t, "GET", ui+"/api/runs", "", ""); code != 200 || len(runs["runs"].([]any)) != 0 || g.hits.Load() != 0 {
		t.Fatalf("after a form without CSRF token: runs %v, site hits %d; want nothing", runs, g.hits.Load())
	}

	b.open(t, ui+"/")
	if err := chromedp.Do(b.ctx,
		chromedp.SendKeys(chromedp.CSS("form.save input[name=url]"), site.URL+"/2026/12/harbour.html"),
		chromedp.Click(chromedp.CSS("form.save button")),
	); err != nil {
		t.Fatal(err)
	}
	// The progress page, while the site holds the page back.
	waitJS(t, b, "the progress page", `location.pathname.startsWith("/save/") && /Saving|Waiting/.test(document.querySelector("h1").textContent)`)
	if !eval[bool](t, b, `!!document.querySelector("progress")`) {
		t.Errorf("no progress bar on the progress page")
	}
	screenshotPage(t, b, "save-progress")
	close(g.release)
	released = true

	// It reloads itself and lands on the replay of the new capture.
	waitJS(t, b, "the replay", `location.pathname.startsWith("/web/") && !!document.getElementById("vellum-content")`)
	loc := eval[string](t, b, `location.href`)
	if !strings.HasPrefix(loc, ui+"/web/") || !strings.HasSuffix(loc, "/"+site.URL+"/2026/12/harbour.html") {
		t.Errorf("landed on %s", loc)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		b.settle()
		text := evalFrame[string](t, b, content+"/web/", `document.body ? document.body.innerText : ""`)
		if strings.Contains(text, savedText) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replay shows %q, not the saved page", text)
		}
	}
}
