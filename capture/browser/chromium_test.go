package browser

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestFindSaysHowToInstall(t *testing.T) {
	_, err := Find("/nonexistent/chromium")
	if err == nil {
		t.Fatal("Find of a missing path: no error")
	}
	msg := err.Error()
	for _, want := range []string{"apt-get install chromium", "--chromium PATH", "/nonexistent/chromium"} {
		if !strings.Contains(msg, want) {
			t.Errorf("Find error %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("Find error is more than one line: %q", msg)
	}
}

// One Chromium for every case: pages that build themselves, and pages
// that misbehave, each followed by a page that must still load.
func TestLoad(t *testing.T) {
	fw := newFixtureForwarder(t)
	s := newFixtureSite(t)
	tlsSite, spki := newTLSSite(t)
	const timeout = 8 * time.Second
	b := startBrowser(t, fw, Options{Tabs: 2, Timeout: timeout, SPKI: []string{spki}})
	limit := timeout + answerWithin + 20*time.Second // generous: a busy machine

	simpleLoads := func(t *testing.T) {
		t.Helper()
		p, err, _ := loadWithin(t, b, s.srv.URL+"/simple", limit)
		if err != nil {
			t.Fatalf("the next page: %v", err)
		}
		if !strings.Contains(p.HTML, "Simple page") {
			t.Errorf("the next page's HTML lacks its text: %.200s", p.HTML)
		}
	}

	t.Run("script-built page", func(t *testing.T) {
		p, err, _ := loadWithin(t, b, s.srv.URL+"/go-news", limit)
		if err != nil {
			t.Fatal(err)
		}
		if p.URL != s.srv.URL+"/news" {
			t.Errorf("URL = %s, want the redirect's target %s/news", p.URL, s.srv.URL)
		}
		if !strings.HasPrefix(p.HTML, "<!DOCTYPE html>") {
			t.Errorf("HTML does not start with its doctype: %.60q", p.HTML)
		}
		if !strings.Contains(p.HTML, "Fetched headline 7731") || !strings.Contains(p.HTML, "arrived by fetch()") {
			t.Errorf("rendered HTML lacks the text fetched after load: %.400s", p.HTML)
		}
		for _, img := range []string{"/img/1.png", "/img/6.png"} {
			if !s.requested(img) {
				t.Errorf("%s (inserted on scroll) was never requested", img)
			}
			if !strings.Contains(p.HTML, `src="`+img+`"`) {
				t.Errorf("rendered HTML lacks <img src=%q>", img)
			}
		}
		if !s.requested("/api/article.json") {
			t.Error("the JSON was never requested")
		}
		if esc := s.escapes(); len(esc) > 0 {
			t.Errorf("requests that did not go through the proxy: %v", esc)
		}
		if st := fw.strays(); len(st) > 0 {
			t.Errorf("requests at the proxy that are not the page's: %q", st)
		}
		if !p.Quiet {
			t.Error("the network did not go quiet")
		}
		if p.Requests < 9 { // 2 redirect hops, JSON, 6 images
			t.Errorf("Requests = %d, want at least 9", p.Requests)
		}
		if ct := http.DetectContentType(p.Screenshot); ct != "image/png" {
			t.Errorf("screenshot is %s", ct)
		}
		img, err := png.Decode(bytes.NewReader(p.Screenshot))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		bounds := img.Bounds()
		if bounds.Dx() != p.Width || bounds.Dy() != p.Height {
			t.Errorf("screenshot is %dx%d, Page says %dx%d", bounds.Dx(), bounds.Dy(), p.Width, p.Height)
		}
		if p.Width != 1280 || p.Height < 6000 {
			t.Errorf("screenshot is %dx%d, want the whole page: 1280 wide, 6000+ tall", p.Width, p.Height)
		}
		if b.RSS() <= 0 {
			t.Error("RSS of a running Chromium is 0")
		}
	})

	// The MITM path: TLS to a certificate that only the SPKI list trusts,
	// through the proxy's CONNECT.
	t.Run("DOM changed after the network went idle", func(t *testing.T) {
		p, err, _ := loadWithin(t, b, s.srv.URL+"/clock", limit)
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`<b id="ms">(\d+)</b>`).FindStringSubmatch(p.HTML)
		if m == nil {
			t.Fatalf("no clock in the page: %.300s", p.HTML)
		}
		// Taken once the network was quiet for 300 ms after the load event;
		// a take from before (when nothing was in flight any more) that the
		// quiet period did not replace would show less.
		if ms, _ := strconv.Atoi(m[1]); ms < 250 {
			t.Errorf("the page was taken %d ms after its load event, before the quiet period ended", ms)
		}
	})

	t.Run("smooth scrolling page", func(t *testing.T) {
		if _, err, _ := loadWithin(t, b, s.srv.URL+"/smooth", limit); err != nil {
			t.Fatal(err)
		}
		if !s.requested("/img/smooth.png") {
			t.Error("the photo at the end of a page with scroll-behavior: smooth was never requested")
		}
	})

	t.Run("every position seen", func(t *testing.T) {
		p, err, _ := loadWithin(t, b, s.srv.URL+"/markers", limit)
		if err != nil {
			t.Fatal(err)
		}
		if seen := strings.Count(p.HTML, "<i>seen</i>"); seen != markers {
			t.Errorf("%d of %d markers were seen in view by the page's IntersectionObserver", seen, markers)
		}
	})

	t.Run("page grown at its load event", func(t *testing.T) {
		if _, err, _ := loadWithin(t, b, s.srv.URL+"/grows", limit); err != nil {
			t.Fatal(err)
		}
		if !s.requested("/img/grown.png") {
			t.Error("the photo at the end of what the page added at its load event was never requested")
		}
	})

	t.Run("settled pages", func(t *testing.T) {
		for _, c := range []struct {
			path    string
			settled bool
		}{
			{"/simple", true},  // nothing pending: taken at once
			{"/later", true},   // its timer is due long after the quiet window
			{"/clock", false},  // an interval
			{"/late", false},   // a timer due within the window, which fetches
			{"/markers", true}, // observers, but nothing scheduled
			{"/cleared", true}, // an interval cleared by clearTimeout
		} {
			p, err, _ := loadWithin(t, b, s.srv.URL+c.path, limit)
			if err != nil {
				t.Fatalf("%s: %v", c.path, err)
			}
			if p.Settled != c.settled {
				t.Errorf("%s: Settled = %v, want %v", c.path, p.Settled, c.settled)
			}
			if c.path == "/late" && !strings.Contains(p.HTML, "Late text 4417") {
				t.Errorf("/late was taken before its timer's fetch: %.300s", p.HTML)
			}
		}
	})

	t.Run("https trusted by SPKI", func(t *testing.T) {
		p, err, _ := loadWithin(t, b, tlsSite.URL+"/", limit)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(p.HTML, "Secure text 5150") {
			t.Errorf("the https page did not load: %.300s", p.HTML)
		}
		host := strings.TrimPrefix(tlsSite.URL, "https://")
		if !slices.Contains(fw.tunneledTo(), host) {
			t.Errorf("no CONNECT %s at the proxy; tunnels: %q", host, fw.tunneledTo())
		}
	})

	t.Run("hanging page", func(t *testing.T) {
		_, err, _ := loadWithin(t, b, s.srv.URL+"/hang", limit)
		if err == nil || !strings.Contains(err.Error(), "stopped answering") || strings.Contains(err.Error(), "\n") {
			t.Errorf("a page that hangs: err = %v, want one line saying it stopped answering", err)
		}
		simpleLoads(t)
	})

	t.Run("popup loop", func(t *testing.T) {
		p, err, _ := loadWithin(t, b, s.srv.URL+"/popups", limit)
		if err != nil {
			t.Fatal(err)
		}
		if !hasProblem(p, "popup(s) refused (first: "+s.srv.URL+"/popup/0)") {
			t.Errorf("popups not reported: %q", p.Problems)
		}
		if s.requested("/popup/0") || s.requested("/popup/again") {
			t.Error("a popup was loaded")
		}
		simpleLoads(t)
	})

	t.Run("navigation away", func(t *testing.T) {
		p, err, _ := loadWithin(t, b, s.srv.URL+"/away", limit)
		if err != nil {
			t.Fatal(err)
		}
		if !hasProblem(p, "navigation away to "+s.srv.URL+"/elsewhere refused") {
			t.Errorf("navigation away not reported: %q", p.Problems)
		}
		if p.URL != s.srv.URL+"/away" || !strings.Contains(p.HTML, "Stay here") {
			t.Errorf("the page archived is %s: %.200s", p.URL, p.HTML)
		}
		if s.requested("/elsewhere") {
			t.Error("the navigation away reached the site")
		}
		simpleLoads(t)
	})

	t.Run("two tabs at most", func(t *testing.T) {
		errc := make(chan error, 3)
		for i := range 3 {
			go func() {
				_, err := b.Load(context.Background(), fmt.Sprintf("%s/gate/%d", s.srv.URL, i))
				errc <- err
			}()
		}
		waitFor(t, limit, "two pages at the site", func() bool { now, _ := s.gated(); return now == 2 })
		// A third page would arrive now if Load let it: give it every
		// chance, then let the pages answer.
		deadline := time.Now().Add(2 * time.Second)
		for time.Now().Before(deadline) {
			if _, most := s.gated(); most > 2 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		close(s.gate)
		for range 3 {
			if err := <-errc; err != nil {
				t.Error(err)
			}
		}
		if _, most := s.gated(); most != 2 {
			t.Errorf("%d pages loaded at once, want at most Tabs = 2", most)
		}
	})

	// Last: it kills the Chromium the others use.
	t.Run("chromium killed", func(t *testing.T) {
		errc := make(chan error, 1)
		go func() {
			_, err := b.Load(context.Background(), s.srv.URL+"/held")
			errc <- err
		}()
		select {
		case <-s.held:
		case <-time.After(limit):
			t.Fatal("the page never reached the site")
		}
		pid := b.pid()
		if pid == 0 {
			t.Fatal("no Chromium process")
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-errc:
			want := "browser crashed while loading " + s.srv.URL + "/held"
			if err == nil || err.Error() != want {
				t.Errorf("the load under a killed Chromium: err = %v, want %q", err, want)
			}
		case <-time.After(limit):
			t.Fatal("the load under a killed Chromium did not return")
		}
		simpleLoads(t)
		if n := b.Restarts(); n != 1 {
			t.Errorf("Restarts = %d, want 1", n)
		}
		if b.pid() == pid || b.pid() == 0 {
			t.Errorf("Chromium pid %d after the restart (was %d)", b.pid(), pid)
		}
	})

	t.Run("close", func(t *testing.T) {
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(b.dir); !os.IsNotExist(err) {
			t.Errorf("the profiles' directory %s is still there (%v)", b.dir, err)
		}
		if _, err := b.Load(context.Background(), s.srv.URL+"/simple"); err == nil {
			t.Error("Load after Close: no error")
		}
	})
}

// waitFor polls cond until it holds; the limit is far above what it needs.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %s", what, limit)
		}
	}
}

func hasProblem(p *Page, s string) bool {
	for _, pr := range p.Problems {
		if strings.Contains(pr, s) {
			return true
		}
	}
	return false
}

// A binary that is not Chromium fails Start at once, with an error that
// names it.
func TestStartNotChromium(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := Start(ctx, Options{Path: "/bin/false"})
	if err == nil {
		b.Close()
		t.Fatal("Start of /bin/false: no error")
	}
	if !strings.Contains(err.Error(), "start chromium /bin/false") {
		t.Errorf("err = %v, want it to name the binary", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("err is more than one line: %q", err)
	}
}

// A tab is reused for the next page unless that navigation would stay in
// the tab's document (a fragment), which loads nothing.
func TestSameDocument(t *testing.T) {
	for _, c := range []struct {
		from, to string
		want     bool
	}{
		{"http://a/x", "http://a/x", false}, // loads the page again
		{"http://a/x", "http://a/x#top", true},
		{"http://a/x#top", "http://a/x#end", true},
		{"http://a/x#top", "http://a/x", false},
		{"http://a/x", "http://a/y#top", false},
	} {
		if got := sameDocument(c.from, c.to); got != c.want {
			t.Errorf("sameDocument(%s, %s) = %v, want %v", c.from, c.to, got, c.want)
		}
	}
}
