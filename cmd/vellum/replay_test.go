package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/internal/testsite"
)

// startServe runs `vellum serve` and returns the UI origin (and the content
// origin when asked for one). The server stops when the test ends.
func startServe(t *testing.T, archive string, extra ...string) (ui, content string) {
	t.Helper()
	return startServeEnv(t, nil, archive, extra...)
}

// startServeEnv is startServe with extra environment variables.
func startServeEnv(t *testing.T, env []string, archive string, extra ...string) (ui, content string) {
	t.Helper()
	args := append([]string{"serve", "--archive", archive, "--addr", "127.0.0.1:0", "--log-level", "warn"}, extra...)
	verifyWARCsAtEnd(t, archive) // before the server's stop, so it runs after it
	cmd := exec.Command(vellumBin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Errorf("vellum serve did not stop on SIGINT")
		}
	})
	lines := bufio.NewScanner(out)
	want := 2
	if strings.Contains(strings.Join(extra, " "), "--unsafe-single-origin") {
		want = 1
	}
	origin := regexp.MustCompile(`http://(?:127\.0\.0\.1|localhost):\d+`)
	for i := 0; i < want; i++ {
		if !lines.Scan() {
			t.Fatalf("vellum serve printed nothing: %s", stderr.String())
		}
		o := origin.FindString(lines.Text())
		if i == 0 {
			ui = o
		} else {
			content = o
		}
	}
	go io.Copy(io.Discard, out)
	return ui, content
}

// captureFixture captures the article (and the old link that redirects) and
// stops the live site, so replay has only the archive.
func captureFixture(t *testing.T) (archive string, site *testsite.Site, ts string) {
	t.Helper()
	site = testsite.New(t)
	archive = filepath.Join(t.TempDir(), "archive")
	r := vellum(t, nil, "capture", "--archive", archive, "--delay", "0", site.ArticleURL(), site.URL("/old-story"))
	if r.code != 0 {
		t.Fatalf("capture: %s%s", r.stdout, r.stderr)
	}
	m := regexp.MustCompile(`/web/(\d{14})/`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no replay path in %q", r.stdout)
	}
	site.Main.Close()
	site.CDN.Close()
	return archive, site, m[1]
}

func TestReplayInChromiumLoadsEverythingFromTheArchiveOnly(t *testing.T) {
	archive, site, ts := captureFixture(t)
	ui, content := startServe(t, archive)
	b := newBrowser(t)
	page := ui + "/web/" + ts + "/" + site.ArticleURL()
	b.open(t, page)
	// The UI frames the page, served from the content origin.
	frame := content + "/web/" + ts + "mp_/"
	// Fonts load when text needs them, after onload: wait for the face, then
	// for the network to settle, before looking at requests.
	fontLoaded := evalFrame[bool](t, b, frame, `document.fonts.load('16px "`+testsite.FontFamily+`"').then(() => document.fonts.check('16px "`+testsite.FontFamily+`"'))`)
	b.settle()

	if out := b.requestsOutside(ui, content); len(out) > 0 {
		t.Errorf("the replayed page made requests outside the replay origins: %v", out)
	}
	if got := evalFrame[string](t, b, frame, `document.title`); !strings.HasPrefix(got, "Borderland river floods") {
		t.Errorf("title %q", got)
	}
	if got := evalFrame[string](t, b, frame, `document.documentElement.dataset.appRan || ""`); got != "yes" {
		t.Errorf("the archived script did not run")
	}
	// Every image decoded with the fixture's pixel size: from the archive.
	sizes := evalFrame[map[string][]int](t, b, frame, `Object.fromEntries(Array.from(document.images).map(i => [i.id, [i.naturalWidth, i.naturalHeight]]))`)
	want := map[string][]int{"lead": {400, 300}, "pic": {200, 100}, "lazy": {100, 80}, "lazyset": {100, 80}, "cdnphoto": {300, 200}}
	for id, wh := range want {
		if got := sizes[id]; len(got) != 2 || got[0] != wh[0] || got[1] != wh[1] {
			t.Errorf("image #%s: natural size %v, want %v", id, got, wh)
		}
	}
	// The pixels are the archived ones: the CDN photo is blue.
	rgb := evalFrame[[]int](t, b, frame, `(() => { const i = document.getElementById("cdnphoto"); const c = document.createElement("canvas");
		c.width = i.naturalWidth; c.height = i.naturalHeight; const g = c.getContext("2d"); g.drawImage(i, 0, 0);
		return Array.from(g.getImageData(150, 100, 1, 1).data.slice(0, 3)); })()`)
	if len(rgb) != 3 || rgb[2] < 150 || rgb[0] > 80 {
		t.Errorf("CDN photo pixel %v, want blue", rgb)
	}
	// The web font, reached only through two stylesheets, came from the archive.
	// A stylesheet links it at the stylesheet's own capture time, which is a
	// second or two after the page's when the capture crosses a second.
	font := site.URL("/fonts/serif.ttf")
	if st := b.archivedStatus(content, font); st != 200 {
		t.Errorf("font %s: status %d from the archive; the browser's font requests: %s", font, st, b.requestsFor("/fonts/"))
	}
	// …and Chromium decoded it and uses it for the text.
	if !fontLoaded {
		t.Errorf("the archived web font %q did not load", testsite.FontFamily)
	}
	for _, p := range []string{"/img/hero-bg.png", "/img/inline-bg.png", "/img/poster.png"} {
		if st := b.archivedStatus(content, site.URL(p)); st != 200 {
			t.Errorf("%s: status %d from the archive; the browser's requests for it: %s", p, st, b.requestsFor(p))
		}
	}
	if !eval[bool](t, b, `!!document.getElementById("vellum-bar")`) {
		t.Errorf("no capture bar above the replayed page")
	}
}

func TestReplayedRedirectStaysInTheArchive(t *testing.T) {
	archive, site, ts := captureFixture(t)
	ui, content := startServe(t, archive)
	b := newBrowser(t)
	b.open(t, ui+"/web/"+ts+"/"+site.URL("/old-story"))
	// The framed page tells the UI where the redirect led; the UI shows it in the address bar.
	loc := eval[string](t, b, `location.href`)
	if !strings.HasPrefix(loc, ui+"/web/") || !strings.HasSuffix(loc, "/"+site.URL("/2014/08/story2.html")) {
		t.Errorf("the archived 301 led to %s", loc)
	}
	if got := evalFrame[string](t, b, content+"/web/", `document.querySelector("h1").textContent`); got != "Bridge reopens" {
		t.Errorf("redirect target page h1 %q", got)
	}
	if out := b.requestsOutside(ui, content); len(out) > 0 {
		t.Errorf("requests outside the replay origins: %v", out)
	}
}

// TestSingleOriginReplayKeepsTheBanner replays with --unsafe-single-origin:
// content on the UI's origin, unframed, with the capture banner.
func TestSingleOriginReplayKeepsTheBanner(t *testing.T) {
	archive, site, ts := captureFixture(t)
	ui, _ := startServe(t, archive, "--unsafe-single-origin")
	b := newBrowser(t)
	b.open(t, ui+"/web/"+ts+"/"+site.ArticleURL())
	if got := eval[string](t, b, `document.title`); !strings.HasPrefix(got, "Borderland river floods") {
		t.Errorf("title %q", got)
	}
	if !eval[bool](t, b, `!!document.querySelector("vellum-banner")`) {
		t.Errorf("no capture banner on the replayed page")
	}
	if out := b.requestsOutside(ui); len(out) > 0 {
		t.Errorf("requests outside the replay origin: %v", out)
	}
}

func TestFramedReplayKeepsContentOnItsOwnOrigin(t *testing.T) {
	archive, site, ts := captureFixture(t)
	ui, content := startServe(t, archive, "--content-addr", "127.0.0.1:0")
	if content == "" || content == ui {
		t.Fatalf("content origin %q", content)
	}
	b := newBrowser(t)
	b.open(t, ui+"/web/"+ts+"/"+site.ArticleURL())
	if out := b.requestsOutside(ui, content); len(out) > 0 {
		t.Errorf("requests outside the UI and content origins: %v", out)
	}
	src := eval[string](t, b, `document.getElementById("vellum-content").src`)
	if !strings.HasPrefix(src, content+"/web/"+ts+"mp_/") {
		t.Errorf("the UI frames %q, want the content origin", src)
	}
	lead := content + "/web/" + ts + "im_/" + site.URL("/img/lead-")
	if b.status(lead+"400.jpg") != 200 && b.status(lead+"800.jpg") != 200 {
		t.Errorf("lead image (either srcset candidate) not served by the content origin")
	}
	// Archived scripts run on the content origin, which cannot reach the UI's DOM.
	if got := eval[string](t, b, `(() => { try { return document.getElementById("vellum-content").contentDocument ? "same" : "isolated"; } catch (e) { return "isolated"; } })()`); got != "isolated" {
		t.Errorf("framed content shares the UI's origin")
	}
}
