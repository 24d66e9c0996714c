package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vellumhq/vellum/internal/testsite"
)

// splitChromiumFlags splits VELLUM_CHROMIUM_FLAGS as Vellum does: flags
// separated by spaces, each starting with "--"; a space not followed by
// "--" belongs to the flag's value (host resolver rules have spaces).
func splitChromiumFlags(v string) []string {
	var out []string
	for _, f := range strings.Split(" "+strings.TrimSpace(v), " --") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, "--"+f)
		}
	}
	return out
}

// resolverRules sends every host name and address Chromium itself would
// connect to, but the proxy's (127.0.0.1, localhost), to the sink.
func resolverRules(s *sink) string {
	return "--host-resolver-rules=MAP * " + s.tcp.Addr().String() + ", EXCLUDE 127.0.0.1, EXCLUDE localhost"
}

// reachSinkDirectly checks the rules on a Chromium without proxy: its
// direct requests, to a host name and to the site's address, reach the
// sink. Without this the test below could not see an escape.
func reachSinkDirectly(t *testing.T, s *sink, flags string, urls ...string) {
	t.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
	}
	for _, f := range splitChromiumFlags(flags) {
		name, value, ok := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		if ok {
			opts = append(opts, chromedp.Flag(name, value))
		} else {
			opts = append(opts, chromedp.Flag(name, true))
		}
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(actx)
	defer cancelCtx()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, u := range urls {
		before := s.conns.Load()
		_ = chromedp.Do(ctx, chromedp.Navigate(u)) // the sink answers 204: the navigation goes nowhere
		deadline := time.Now().Add(5 * time.Second)
		for s.conns.Load() == before && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if s.conns.Load() == before {
			t.Fatalf("Chromium with %q, no proxy, reached %s without the sink seeing it: the rules do not catch direct connections", flags, u)
		}
	}
}

// Chromium's own traffic never escapes the proxy: with every direct
// connection of Chromium mapped to a sink on 127.0.0.3, a browser capture
// of pages on 127.0.0.4, one of which names hosts that do not exist (an
// image, a dns-prefetch, a preconnect), leaves the sink untouched.
func TestBrowserCaptureReachesNothingButTheProxy(t *testing.T) {
	s := newSink(t)
	news := testsite.NewJSNews(0)
	srv := testsite.ServeOn(t, "127.0.0.4", news)
	flags := resolverRules(s)
	reachSinkDirectly(t, s, flags, "http://"+testsite.EscapeHosts[0]+"/x.png", srv.URL+testsite.JSEscapePath)
	s.reset()
	news.Reset()

	archive := filepath.Join(t.TempDir(), "archive")
	escape, story := srv.URL+testsite.JSEscapePath, srv.URL+testsite.JSStoryPath
	r := vellum(t, []string{"VELLUM_CHROMIUM_FLAGS=" + flags},
		"capture", "--archive", archive, "--delay", "0", "--no-progress", "--browser", escape, story)
	for _, page := range []string{escape, story} {
		if l := seedLine(t, r, page); !strings.HasPrefix(l, "ok") || !strings.Contains(l, "(browser") {
			t.Errorf("%s: %q, want ok with the browser (exit %d)\n%s", page, l, r.code, r.stderr)
		}
	}
	waitHit(s, 2*time.Second)
	if s.hits() != 0 {
		t.Errorf("Chromium reached the sink, not the proxy: %s", s.report())
	}
	// The browser's requests did reach the site, through the proxy.
	recs := readFullRecords(t, archive)
	for _, u := range []string{srv.URL + testsite.JSFeedPath, srv.URL + testsite.JSImages[0]} {
		if len(recordsOf(recs, "response", u)) == 0 {
			t.Errorf("no response record for %s: the browser's requests were not recorded", u)
		}
	}
	if news.Count(testsite.JSFeedPath) == 0 {
		t.Errorf("the site never served the feed")
	}
	if n := len(recordsOf(recs, "resource", "urn:view:"+escape)); n != 1 {
		t.Errorf("%d screenshots of the escape page", n)
	}

	// The check is worth something only if the flags reached Chromium:
	// without the EXCLUDE of the proxy's address, Chromium's connections
	// to the proxy itself go to the sink.
	if t.Failed() {
		return
	}
	s.reset()
	noExclude := "--host-resolver-rules=MAP * " + s.tcp.Addr().String()
	vellum(t, []string{"VELLUM_CHROMIUM_FLAGS=" + noExclude}, "capture", "--archive", filepath.Join(t.TempDir(), "archive"),
		"--delay", "0", "--no-progress", "--browser", "--browser-timeout", "10s", story)
	if s.conns.Load() == 0 {
		t.Errorf("VELLUM_CHROMIUM_FLAGS=%q did not reach Chromium (its proxy connections did not go to the sink): "+
			"the check above proved nothing", noExclude)
	}
}

// --browser=auto loads in the browser only the page that looks built by
// script, and the status lines say which.
func TestBrowserAutoChoosesPerPage(t *testing.T) {
	site := testsite.NewJSNewsSite(t, 0)
	article, story := site.HTTP.URL+testsite.JSArticlePath, testsite.StoryURL(site.HTTP)
	archive := filepath.Join(t.TempDir(), "archive")
	r := vellum(t, nil, "capture", "--archive", archive, "--delay", "0", "--no-progress", "--browser=auto", article, story)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if l := seedLine(t, r, article); !strings.HasPrefix(l, "ok") || strings.Contains(l, "(browser") {
		t.Errorf("static article: %q, want ok without the browser", l)
	}
	if l := seedLine(t, r, story); !strings.HasPrefix(l, "ok") || !regexp.MustCompile(`\(browser: .+\)$`).MatchString(l) {
		t.Errorf("script-built page: %q, want it to end with (browser: REASON)", l)
	}
	if n := site.Count(testsite.JSArticlePath); n != 1 {
		t.Errorf("the static article was requested %d times, want once (no browser load)", n)
	}
	recs := readFullRecords(t, archive)
	if n := len(recordsOf(recs, "resource", "urn:view:"+article)); n != 0 {
		t.Errorf("%d screenshots of the static article", n)
	}
	if md := metadataOf(t, recs, article); !strings.Contains(md.Text, testsite.JSArticleText) {
		t.Errorf("static article's metadata text: %q", md.Text)
	}
	checkBrowserRecords(t, recs, site.HTTP.URL, story)
}

// Without Chromium, --browser stops before fetching anything with one line
// saying how to install it; --browser=auto warns and captures statically.
func TestBrowserCaptureWithoutChromium(t *testing.T) {
	site := testsite.NewJSNewsSite(t, 0)
	story := testsite.StoryURL(site.HTTP)
	missing := filepath.Join(t.TempDir(), "nonexistent", "chromium")

	t.Run("browser", func(t *testing.T) {
		site.Reset()
		archive := filepath.Join(t.TempDir(), "archive")
		r := vellum(t, nil, "capture", "--archive", archive, "--delay", "0", "--no-progress", "--browser", "--chromium", missing, story)
		if r.code == 0 {
			t.Errorf("exit 0 without Chromium:\n%s", r.stdout)
		}
		msg := strings.TrimSpace(r.stderr)
		if strings.Contains(msg, "\n") || !strings.Contains(msg, "apt-get install chromium") {
			t.Errorf("stderr %q: want one line that says `apt-get install chromium`", msg)
		}
		if req, _, _ := site.Stats(); req != 0 {
			t.Errorf("%d requests reached the site: the capture did not stop at start", req)
		}
	})
	t.Run("auto", func(t *testing.T) {
		site.Reset()
		archive := filepath.Join(t.TempDir(), "archive")
		r := vellum(t, nil, "capture", "--archive", archive, "--delay", "0", "--no-progress", "--browser=auto", "--chromium", missing, story)
		if r.code != 0 {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(strings.ToLower(r.stderr), "chromium") {
			t.Errorf("no warning about the missing Chromium on stderr: %q", r.stderr)
		}
		if l := seedLine(t, r, story); !strings.HasPrefix(l, "ok") || strings.Contains(l, "(browser") {
			t.Errorf("status line %q, want a static capture", l)
		}
		recs := readFullRecords(t, archive)
		if len(recordsOf(recs, "response", story)) != 1 || len(recordsOf(recs, "response", site.HTTP.URL+testsite.JSFeedPath)) != 0 {
			t.Errorf("want the page captured statically, without its feed")
		}
	})
}

// `browser: true` and `browser: auto` in a jobs file, through `vellum run`.
func TestRunJobsWithBrowser(t *testing.T) {
	site := testsite.NewJSNewsSite(t, 0)
	story, article := testsite.StoryURL(site.HTTP), site.HTTP.URL+testsite.JSArticlePath
	archive := filepath.Join(t.TempDir(), "archive")
	jobs := writeJobs(t, fmt.Sprintf(`jobs:
  - name: live
    seeds: [%s]
    delay: 0s
    browser: true
  - name: mixed
    seeds: [%s]
    delay: 0s
    browser: auto
`, story, article))
	r := vellum(t, nil, "run", "--jobs", jobs, "--archive", archive, "--no-progress")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	runs := runLine.FindAllStringSubmatch(r.stdout, -1)
	if len(runs) != 2 || runs[0][3] != "OK" || runs[1][3] != "OK" {
		t.Errorf("want two runs OK:\n%s", r.stdout)
	}
	recs := readFullRecords(t, archive)
	checkBrowserRecords(t, recs, site.HTTP.URL, story)
	if n := len(recordsOf(recs, "resource", "urn:view:"+article)); n != 0 {
		t.Errorf("browser: auto loaded the static article in the browser (%d screenshots)", n)
	}
}

// A Chromium that dies while it loads a page is started again: that page
// fails with one line saying so, and the next page is captured in the new
// Chromium.
func TestBrowserCrashFailsThePageAndTheNextOneLoads(t *testing.T) {
	marker := fmt.Sprintf("--vellum-test-run=%d", time.Now().UnixNano())
	var killed atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/crash", func(w http.ResponseWriter, r *http.Request) {
		if killed.Add(1) == 1 {
			killed.Add(int32(killMarked(marker)) - 1)
		}
		// Never answer: the page is in the browser when it dies.
		<-r.Context().Done()
	})
	mux.HandleFunc("/after", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>After</title><p>Loaded after the crash.</p>")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	archive := filepath.Join(t.TempDir(), "archive")
	// --delay keeps the two pages of the host one after the other.
	r := vellum(t, []string{"VELLUM_CHROMIUM_FLAGS=" + marker}, "capture", "--archive", archive, "--delay", "10ms",
		"--no-progress", "--browser", "--browser-timeout", "20s", srv.URL+"/crash", srv.URL+"/after")
	if killed.Load() < 1 {
		t.Fatalf("no Chromium process with %s was found to kill\n%s%s", marker, r.stdout, r.stderr)
	}
	if r.code == 0 {
		t.Errorf("exit 0 with a page that failed\n%s", r.stdout)
	}
	want := "browser crashed while loading " + srv.URL + "/crash"
	if l := seedLine(t, r, srv.URL+"/crash"); !strings.HasPrefix(l, "FAILED") || !strings.Contains(l, want) {
		t.Errorf("the page loading when Chromium died: %q, want FAILED and %q", l, want)
	}
	if n := strings.Count(r.stdout+r.stderr, want); n != 1 {
		t.Errorf("the crash is said %d times, want once:\n%s%s", n, r.stdout, r.stderr)
	}
	if l := seedLine(t, r, srv.URL+"/after"); !strings.HasPrefix(l, "ok") {
		t.Errorf("the page after the crash: %q, want ok", l)
	}
	recs := readFullRecords(t, archive)
	if n := len(recordsOf(recs, "resource", "urn:view:"+srv.URL+"/after")); n != 1 {
		t.Errorf("%d screenshots of the page after the crash, want 1 (from the restarted Chromium)", n)
	}
}

// killMarked kills every process whose command line holds marker (the
// main Chromium process, given the flag by VELLUM_CHROMIUM_FLAGS) and says
// how many it killed.
func killMarked(marker string) int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	n := 0
	for _, d := range dirs {
		cmdline, err := os.ReadFile(d + "/cmdline")
		if err != nil || !bytes.Contains(cmdline, []byte(marker)) {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(d))
		if err == nil && syscall.Kill(pid, syscall.SIGKILL) == nil {
			n++
		}
	}
	return n
}
