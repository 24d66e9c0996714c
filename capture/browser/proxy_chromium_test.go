package browser

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// proxyFixture serves a page that builds its title by script: a gzipped
// script POSTs to a JSON endpoint, which streams its answer, and sets the
// title from it; an image comes along. No origin exists: the handler is
// the whole site, as the capture engine will be.
func proxyFixture(t *testing.T) http.HandlerFunc {
	js := gzipped(t, `fetch("/data.json", {method: "POST", body: "ping"})
	.then(r => r.json()).then(d => { document.title = d.title + " over " + location.protocol; });`)
	return func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, `<!doctype html><title>loading</title><script src="/app.js"></script><img src="/dot.svg" width="10" height="10">`)
		case "/app.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(js)
		case "/data.json":
			body, _ := io.ReadAll(r.Body)
			if r.Method != "POST" || string(body) != "ping" {
				http.Error(w, "want POST ping", http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"title": "built `)
			w.(http.Flusher).Flush()
			io.WriteString(w, `by script"}`)
		case "/dot.svg":
			w.Header().Set("Content-Type", "image/svg+xml")
			io.WriteString(w, `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>`)
		default:
			http.NotFound(w, r)
		}
	}
}

// sink listens where the page's URLs point and counts the connections that
// reach it: every request must go through the proxy, so it stays at 0.
func sink(t *testing.T, ip string) (port string, count *atomic.Int32) {
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	count = new(atomic.Int32)
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			count.Add(1)
			c.Close()
		}
	})
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	_, port, _ = net.SplitHostPort(ln.Addr().String())
	return port, count
}

// Real Chromium loads an https page (the MITM path) and an http page
// through the proxy: the pages render, their script's POST and the
// gzipped script work, and the handler saw every request Chromium made.
func TestProxyInChromium(t *testing.T) {
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(path); err != nil {
		t.Fatalf("Chromium not found at %s; `make test` installs Debian's chromium", path)
	}
	var log handlerLog
	_, addr, ca := startProxy(t, log.wrap(proxyFixture(t)))
	httpsPort, httpsHits := sink(t, "127.0.0.1")
	httpPort, httpHits := sink(t, "127.0.0.2")

	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()), // the SPKI list works only with a profile of its own
		chromedp.ProxyServer(addr),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"), // loopback goes through the proxy too
		chromedp.Flag("ignore-certificate-errors-spki-list", strings.Join(ca.SPKI(), ",")),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("no-default-browser-check", true),
	)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	var mu sync.Mutex
	var requested []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requested = append(requested, e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("chromium: %v", err)
	}

	for _, tc := range []struct{ url, title string }{
		{"https://127.0.0.1:" + httpsPort + "/", "built by script over https:"},
		{"http://127.0.0.2:" + httpPort + "/", "built by script over http:"},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(tc.url)); err != nil {
			t.Fatalf("navigate %s: %v", tc.url, err)
		}
		var title string
		var imageLoaded bool
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			title, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`document.title`))
			imageLoaded, _ = chromedp.Run(ctx, chromedp.Evaluate[bool](`document.images[0].complete && document.images[0].naturalWidth === 10`))
			if title == tc.title && imageLoaded {
				break
			}
		}
		if title != tc.title || !imageLoaded {
			t.Errorf("%s: title %q, image loaded %v; want %q and the image\nhandler saw: %v", tc.url, title, imageLoaded, tc.title, log.urls())
		}
	}

	// Every request Chromium logged reached the handler.
	var missing []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		seen := map[string]bool{}
		for _, r := range log.all() {
			seen[r.URL] = true
		}
		mu.Lock()
		missing = missing[:0]
		for _, u := range requested {
			if !seen[u] {
				missing = append(missing, u)
			}
		}
		mu.Unlock()
		if len(missing) == 0 {
			break
		}
	}
	if len(missing) > 0 {
		t.Errorf("Chromium requested %v, which the handler never saw", missing)
	}
	seen := map[string]bool{}
	for _, r := range log.all() {
		seen[r.Method+" "+r.URL] = true
	}
	for _, want := range []string{"GET /", "GET /app.js", "POST /data.json", "GET /dot.svg"} {
		method, path, _ := strings.Cut(want, " ")
		for _, origin := range []string{"https://127.0.0.1:" + httpsPort, "http://127.0.0.2:" + httpPort} {
			if !seen[method+" "+origin+path] {
				t.Errorf("the handler never saw %s %s%s", method, origin, path)
			}
		}
	}
	if n, m := httpsHits.Load(), httpHits.Load(); n+m != 0 {
		t.Errorf("%d connections reached the https origin's address and %d the http one's, past the proxy", n, m)
	}
}
