package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browser is a headless Chromium (Debian's chromium) driven over CDP, with
// a log of every request the page made.
type browser struct {
	ctx context.Context

	mu        sync.Mutex
	requests  []string         // every URL requested, in order
	responses map[string]int64 // URL → status
	failed    map[string]string
	inflight  map[network.RequestID]bool // sent, neither finished nor failed
}

// newBrowser starts Chromium for the test. `make test` installs it; a
// missing browser fails the test.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(path); err != nil {
		t.Fatalf("Chromium not found at %s; `make test` installs Debian's chromium", path)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("no-default-browser-check", true),
		// Site isolation off: the content origin's frame then shares the
		// page's renderer, so its requests are logged and evalFrame reaches
		// it. CSP, sandboxing and origin checks do not depend on it.
		chromedp.Flag("disable-site-isolation-trials", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,InterestFeedContentSuggestions,IsolateOrigins,site-per-process"),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	b := &browser{ctx: ctx, responses: map[string]int64{}, failed: map[string]string{}, inflight: map[network.RequestID]bool{}}
	if err := chromedp.Listen(ctx, b.onEvent); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return b
}

func (b *browser) onEvent(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, e.Request.URL)
		b.inflight[e.RequestID] = true
	case *network.EventResponseReceived:
		b.responses[e.Response.URL] = e.Response.Status
	case *network.EventLoadingFinished:
		delete(b.inflight, e.RequestID)
	case *network.EventLoadingFailed:
		b.failed[string(e.RequestID)] = e.ErrorText
		delete(b.inflight, e.RequestID)
	}
}

// open loads url and waits until the page is loaded and the network has
// been quiet for a moment (lazy loaders and fonts come after onload).
func (b *browser) open(t *testing.T, url string) {
	t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("navigate %s: %v", url, err)
	}
	b.settle()
}

// settle waits until every request has finished and none has started for
// 300 ms (at most 10 s).
func (b *browser) settle() {
	deadline := time.Now().Add(10 * time.Second)
	last, since := -1, time.Now()
	for time.Now().Before(deadline) {
		b.mu.Lock()
		n, busy := len(b.requests), len(b.inflight) > 0
		b.mu.Unlock()
		if n != last || busy {
			last, since = n, time.Now()
		} else if time.Since(since) > 300*time.Millisecond {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// requestsOutside lists the requests that went anywhere but the allowed origins.
func (b *browser) requestsOutside(origins ...string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, u := range b.requests {
		ok := strings.HasPrefix(u, "data:") || strings.HasPrefix(u, "blob:") || u == "about:blank"
		for _, o := range origins {
			if strings.HasPrefix(u, o+"/") || u == o {
				ok = true
			}
		}
		if !ok {
			out = append(out, u)
		}
	}
	return out
}

// requestsFor describes the requests whose URL contains part, with the
// status or error each got, for failure messages.
func (b *browser) requestsFor(part string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, u := range b.requests {
		if strings.Contains(u, part) {
			out = append(out, fmt.Sprintf("%s (status %d)", u, b.responses[u]))
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// archivedStatus is the best HTTP status the browser saw for the image-like
// memento of target at origin, whatever its timestamp: origin/web/<ts>im_/target
// (0 when never fetched). A resource linked from a stylesheet carries the
// stylesheet's capture time, not the page's.
func (b *browser) archivedStatus(origin, target string) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	var best int64
	for u, st := range b.responses {
		rest, ok := strings.CutPrefix(u, origin+"/web/")
		if !ok || !strings.HasSuffix(rest, "im_/"+target) || len(rest) != 14+len("im_/")+len(target) {
			continue
		}
		if best != 200 {
			best = st
		}
	}
	return best
}

// status is the HTTP status the browser saw for a URL (0 when never fetched).
func (b *browser) status(url string) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.responses[url]
}

// evalFrame evaluates a JavaScript expression in the first frame whose URL
// starts with prefix (the content frame the UI shows), in a world of its
// own: it sees the frame's DOM, not the page's variables.
func evalFrame[T any](t *testing.T, b *browser, prefix, expr string) T {
	t.Helper()
	var v T
	tree, err := chromedp.Call(b.ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		t.Fatalf("frame tree: %v", err)
	}
	var find func(*page.FrameTree) *page.FrameTree
	find = func(ft *page.FrameTree) *page.FrameTree {
		if strings.HasPrefix(ft.Frame.URL, prefix) {
			return ft
		}
		for _, c := range ft.ChildFrames {
			if f := find(c); f != nil {
				return f
			}
		}
		return nil
	}
	ft := find(tree.FrameTree)
	if ft == nil {
		t.Fatalf("no frame at %s", prefix)
	}
	world, err := chromedp.Call(b.ctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: ft.Frame.ID, WorldName: "test"})
	if err != nil {
		t.Fatalf("isolated world: %v", err)
	}
	yes := true
	r, err := chromedp.Call(b.ctx, runtime.Evaluate, runtime.EvaluateParams{Expression: expr,
		ContextID: world.ExecutionContextID, ReturnByValue: &yes, AwaitPromise: &yes})
	if err != nil || r.ExceptionDetails != nil {
		t.Fatalf("evaluate %s in %s: %v %v", expr, prefix, err, r.ExceptionDetails)
	}
	if err := json.Unmarshal([]byte(r.Result.Value), &v); err != nil {
		t.Fatalf("evaluate %s: result %s: %v", expr, r.Result.Value, err)
	}
	return v
}
