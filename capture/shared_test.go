package capture_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/capture/frontier"
	"github.com/vellumhq/vellum/internal/redistest"
)

// sharedSite is a small site whose pages share a stylesheet (with a
// background image) and a logo, and two redirects to one page no page
// links to. gate, when not nil, is called with each request's path first.
func sharedSite(t *testing.T, gate func(path string)) *httptest.Server {
	pages := map[string]string{
		"/":       `<a href="/a">a</a> <a href="/b">b</a> <a href="/m1">m1</a> <a href="/m2">m2</a>`,
		"/a":      `<a href="/c">c</a> <a href="/">home</a>`,
		"/b":      `<a href="/c">c</a> <a href="/d">d</a>`,
		"/c":      `<a href="/d">d</a>`,
		"/d":      `the end`,
		"/target": `moved here`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if gate != nil {
			gate(r.URL.Path)
		}
		switch p := r.URL.Path; {
		case p == "/m1" || p == "/m2":
			http.Redirect(w, r, "/target", http.StatusMovedPermanently)
		case p == "/s.css":
			w.Header().Set("Content-Type", "text/css")
			fmt.Fprint(w, "body { background: url(/bg.png) }")
		case p == "/logo.png" || p == "/bg.png":
			w.Header().Set("Content-Type", "image/png")
			fmt.Fprint(w, "\x89PNG\r\n\x1a\n"+p)
		case pages[p] != "":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<html><head><link rel="stylesheet" href="/s.css"></head><body><img src="/logo.png">%s</body></html>`, pages[p])
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// sharedConfig is a worker's config on the run's frontier in Redis at url.
func sharedConfig(t *testing.T, url, runID, worker string, opts frontier.Options) capture.Config {
	t.Helper()
	c, err := frontier.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cfg := testConfig(t)
	cfg.Depth = 3
	cfg.RunID, cfg.Worker = runID, worker
	opts.Poll = 10 * time.Millisecond
	cfg.Frontier = frontier.NewRedis(c, runID, opts)
	return cfg
}

// TestSharedFrontierOneRun: two workers (in one process here) on one
// frontier capture a site as one run: every URL once across their files
// (the shared stylesheet and logo, the redirects' one target), each
// worker's files named with the run and the worker, and the seed reported
// by the worker that fetched it, the other saying another worker did.
func TestSharedFrontierOneRun(t *testing.T) {
	url := "redis://" + redistest.Start(t).Addr + "/0"
	srv := sharedSite(t, nil)
	cfgs := []capture.Config{sharedConfig(t, url, "20261206T120000Z-abcd", "w1", frontier.Options{}), sharedConfig(t, url, "20261206T120000Z-abcd", "w2", frontier.Options{})}
	results := runWorkers(t, cfgs, srv.URL+"/")
	if t.Failed() {
		return
	}
	recs := sharedRecords(t, cfgs)
	for _, p := range sitePaths {
		if got := find(recs, "response", srv.URL+p); len(got) != 1 {
			t.Errorf("%s: %d response records across the workers, want 1", p, len(got))
		}
	}
	if n := len(find(recs, "metadata", "urn:pageinfo:"+srv.URL+"/c")); n != 1 {
		t.Errorf("/c: %d metadata records, want 1", n)
	}
	fetched, elsewhere := 0, 0
	for _, res := range results {
		s := res.Seeds[0]
		switch {
		case s.Status == 200 && !s.Elsewhere:
			fetched++
		case s.Elsewhere && s.OK() && strings.Contains(s.Line(), "captured by another worker"):
			elsewhere++
		}
	}
	if fetched != 1 || elsewhere != 1 {
		t.Errorf("seed results %+v / %+v: want one fetched, one by another worker", results[0].Seeds[0], results[1].Seeds[0])
	}
}

// sitePaths are the URLs of sharedSite a run from / captures.
var sitePaths = []string{"/", "/a", "/b", "/c", "/d", "/m1", "/m2", "/target", "/s.css", "/bg.png", "/logo.png"}

// runWorkers runs the workers at once, each from seed.
func runWorkers(t *testing.T, cfgs []capture.Config, seed string) []*capture.Result {
	t.Helper()
	results := make([]*capture.Result, len(cfgs))
	var wg sync.WaitGroup
	for i, cfg := range cfgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			res, err := capture.Run(ctx, cfg, []string{seed})
			if err != nil {
				t.Errorf("worker %s: %v", cfg.Worker, err)
			}
			results[i] = res
		}()
	}
	wg.Wait()
	return results
}

// sharedRecords reads the records of every worker's files, checking their
// names: <run>-<worker>-<serial>.warc.gz.
func sharedRecords(t *testing.T, cfgs []capture.Config) []rec {
	t.Helper()
	var recs []rec
	for i, cfg := range cfgs {
		for _, f := range warcFiles(t, cfg.Archive) {
			if want := cfg.RunID + "-" + cfg.Worker + "-"; !strings.HasPrefix(filepath.Base(f), want) {
				t.Errorf("worker %d wrote %s, want %s<serial>.warc.gz", i, filepath.Base(f), want)
			}
		}
		if len(warcFiles(t, cfg.Archive)) > 0 { // a worker may have found nothing left to do
			recs = append(recs, readArchive(t, cfg.Archive)...)
		}
	}
	return recs
}

// TestSharedFrontierRedisRestart: Redis killed while a page is being
// fetched and started again: the workers wait, say so, and carry on, and
// every URL is still captured once.
func TestSharedFrontierRedisRestart(t *testing.T) {
	rd := redistest.Start(t)
	url := "redis://" + rd.Addr + "/0"
	hit, resume := make(chan struct{}), make(chan struct{})
	var once sync.Once
	srv := sharedSite(t, func(p string) {
		if p == "/b" {
			once.Do(func() {
				close(hit)
				<-resume
			})
		}
	})
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	var cfgs []capture.Config
	for _, w := range []string{"w1", "w2"} {
		cfgs = append(cfgs, sharedConfig(t, url, "20261206T120000Z-abcf", w, frontier.Options{Log: log}))
	}
	done := make(chan []*capture.Result)
	go func() { done <- runWorkers(t, cfgs, srv.URL+"/") }()
	select {
	case <-hit:
	case <-time.After(time.Minute):
		t.Fatal("/b never fetched")
	}
	rd.Stop(t)
	for deadline := time.Now().Add(time.Minute); !strings.Contains(logs.String(), "redis unavailable: waiting to retry"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no worker noticed Redis was down:\n%s", logs.String())
		}
	}
	rd.Restart(t)
	close(resume)
	<-done
	if t.Failed() {
		return
	}
	if !strings.Contains(logs.String(), "redis is back: carrying on") {
		t.Errorf("no worker said it carried on:\n%s", logs.String())
	}
	recs := sharedRecords(t, cfgs)
	for _, p := range sitePaths {
		if got := find(recs, "response", srv.URL+p); len(got) != 1 {
			t.Errorf("%s: %d response records across the workers, want 1", p, len(got))
		}
	}
}

// TestSharedFrontierConfig: what a worker on a shared frontier cannot do is
// refused before it starts.
func TestSharedFrontierConfig(t *testing.T) {
	base := testConfig(t)
	base.RunID = "20261206T120000Z-abcd"
	base.Frontier = frontier.NewRedis(nil, base.RunID, frontier.Options{})
	if err := base.Validate(); err != nil {
		t.Fatalf("Validate = %v", err)
	}
	for name, tc := range map[string]struct {
		set  func(*capture.Config)
		want string
	}{
		"no run":  {func(c *capture.Config) { c.RunID = "" }, "run ID"},
		"resume":  {func(c *capture.Config) { c.Resume = true }, "not resumed"},
		"browser": {func(c *capture.Config) { c.Browser.Mode = capture.BrowserAuto }, "--browser=auto"},
	} {
		cfg := base
		tc.set(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate = %v, want %q", name, err, tc.want)
		}
	}
}

// leaseLost is a frontier whose worker's lease is lost at once.
type leaseLost struct{ *frontier.Redis }

func (leaseLost) Keepalive(context.Context, string) error { return frontier.ErrLeaseLost }

// TestSharedFrontierLeaseLost: a worker whose lease expired stops, with
// one line that says why, its files closed.
func TestSharedFrontierLeaseLost(t *testing.T) {
	url := "redis://" + redistest.Start(t).Addr + "/0"
	srv := sharedSite(t, nil)
	cfg := sharedConfig(t, url, "20261206T120000Z-abce", "w1", frontier.Options{})
	cfg.Frontier = leaseLost{cfg.Frontier.(*frontier.Redis)}
	cfg.Delay = 200 * time.Millisecond // the run outlasts the lease's loss
	res, err := capture.Run(context.Background(), cfg, []string{srv.URL + "/"})
	if err == nil || !strings.Contains(err.Error(), "lease on the shared frontier expired") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Run = %v, want the lost lease said in one line", err)
	}
	if res == nil {
		t.Fatal("no result")
	}
	if open, _ := filepath.Glob(filepath.Join(cfg.Archive, "warcs", "*", "*", "*", "*.open")); len(open) > 0 {
		t.Errorf("files left open: %v", open)
	}
}
