package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vellumhq/vellum/capture/browser"
	"github.com/vellumhq/vellum/capture/extract"
	"github.com/vellumhq/vellum/capture/record"
	"github.com/vellumhq/vellum/index"
)

// BrowserMode says which pages a capture loads in headless Chromium.
type BrowserMode string

const (
	BrowserOff  BrowserMode = ""     // static capture only
	BrowserOn   BrowserMode = "on"   // every page
	BrowserAuto BrowserMode = "auto" // a page that looks built by script, after its static capture
)

// ParseBrowserMode reads a --browser value (or a job's browser:): true or
// on, auto, false or off.
func ParseBrowserMode(s string) (BrowserMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "on", "yes", "1":
		return BrowserOn, nil
	case "auto":
		return BrowserAuto, nil
	case "false", "off", "no", "0", "":
		return BrowserOff, nil
	}
	return BrowserOff, fmt.Errorf("--browser %q: want true, auto or false", s)
}

// BrowserConfig is how a capture uses the browser.
type BrowserConfig struct {
	Mode    BrowserMode
	Path    string         // Chromium to run ("" = Debian's chromium, then PATH)
	Timeout time.Duration  // one page in the browser: load, scroll, quiet network (0 = 30 s)
	Tabs    int            // pages in the browser at once (0 = 2)
	Flags   map[string]any // extra Chromium flags (tests make its direct traffic observable)
}

// browsing is a run's browser: Chromium, and the proxy on loopback that all
// its traffic goes through, out through the collector like any fetch.
type browsing struct {
	b     *browser.Browser
	proxy *browser.Proxy

	// Chromium's peak memory (PSS over its processes), sampled while the
	// run goes: stopSampling ends the sampler and waits for it.
	peak         atomic.Int64
	stopSampling func()

	// docs are the documents the browser fetched (top-level navigations),
	// by URL, until the page that fetched them takes them: a page's chain of
	// redirects and its final response.
	mu   sync.Mutex
	docs map[string]doc
}

// doc is a document the browser fetched, or the SSRF guard's refusal of
// it (err, with f nil).
type doc struct {
	f    *record.Fetched
	err  error
	when time.Time
}

// docTTL is how long a document no page took is kept: a popup's, a frame's.
const docTTL = 10 * time.Minute

// keep keeps a document the browser fetched until its page takes it, and
// forgets those no page took.
func (bs *browsing) keep(u string, d doc) {
	now := time.Now()
	bs.mu.Lock()
	defer bs.mu.Unlock()
	d.when = now
	bs.docs[u] = d
	for k, d := range bs.docs {
		if now.Sub(d.when) > docTTL {
			delete(bs.docs, k)
		}
	}
}

// isNavigation says whether a request of the browser loads a document in
// the top frame: Sec-Fetch-Dest says so where the browser sends it (https
// and loopback); elsewhere a navigation is the request that asks for an
// upgrade to https.
func isNavigation(h http.Header) bool {
	if dest := h.Get("Sec-Fetch-Dest"); dest != "" {
		return dest == "document"
	}
	return h.Get("Upgrade-Insecure-Requests") == "1"
}

// startBrowser starts the proxy and Chromium for the run. Without Chromium,
// --browser fails; --browser=auto captures statically, with a warning.
func (c *crawl) startBrowser(ctx context.Context) error {
	bc := c.cfg.Browser
	path, err := browser.Find(bc.Path)
	if err != nil {
		if bc.Mode == BrowserAuto {
			c.log.Warn("--browser=auto: no browser, every page is captured statically", "err", err)
			c.cfg.Browser.Mode = BrowserOff
			return nil
		}
		return err
	}
	ca, err := browser.NewCA()
	if err != nil {
		return fmt.Errorf("browser: %w", err)
	}
	bs := &browsing{docs: map[string]doc{}}
	bs.proxy = browser.NewProxy(ca, http.HandlerFunc(c.proxyFetch), c.log)
	addr, err := bs.proxy.Start()
	if err != nil {
		return fmt.Errorf("browser proxy: %w", err)
	}
	bs.b, err = browser.Start(ctx, browser.Options{
		Path: path, Proxy: addr, SPKI: ca.SPKI(), UserAgent: c.cfg.UserAgent,
		Tabs: bc.Tabs, Timeout: bc.Timeout, ExtraFlags: bc.Flags, Logger: c.log,
	})
	if err != nil {
		bs.proxy.Close()
		return fmt.Errorf("browser: %w", err)
	}
	bs.stopSampling = bs.sample(time.Second)
	c.browsing = bs
	return nil
}

// sample keeps Chromium's peak memory, measured every interval, until the
// returned func is called; that func waits for the sampler to end.
func (bs *browsing) sample(interval time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if rss := bs.b.RSS(); rss > bs.peak.Load() {
				bs.peak.Store(rss)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

// stopBrowser stops Chromium, then the proxy, and reports Chromium's memory.
func (c *crawl) stopBrowser() {
	bs := c.browsing
	if bs == nil {
		return
	}
	bs.stopSampling()
	if rss := bs.b.RSS(); rss > bs.peak.Load() {
		bs.peak.Store(rss)
	}
	if err := bs.b.Close(); err != nil {
		c.log.Warn("browser did not stop cleanly", "err", err)
	}
	if err := bs.proxy.Close(); err != nil {
		c.log.Warn("browser proxy did not stop cleanly", "err", err)
	}
	c.stats.chromiumPeak.Store(bs.peak.Load())
	c.log.Info("browser stopped", "pages", c.stats.browsed.Load(), "chromium_peak_mb", bs.peak.Load()>>20)
}

// proxyFetch carries one request of the browser out through the collector:
// recorded like any fetch (robots.txt obeyed, no retries, no redirects
// followed: the browser does both), the response streamed back as it comes.
func (c *crawl) proxyFetch(w http.ResponseWriter, r *http.Request) {
	u := normalize(r.URL)
	c.claim(u) // the static requisite pool skips what the browser fetched
	// The fetch ends with the run, or when the browser gives up on it (a
	// tab moved on, an event stream left open): the record is then cut
	// (WARC-Truncated: disconnect) rather than holding a connection of the
	// host for the whole time limit.
	ctx, cancel := context.WithCancel(c.runCtx)
	defer cancel()
	defer context.AfterFunc(r.Context(), cancel)()
	// Encodings the replay and the parsers read: the browser would ask for
	// br and zstd too, which would be archived as sent and replayed unrewritten.
	h := r.Header.Clone()
	h.Set("Accept-Encoding", "gzip")
	j := &fetchJob{kind: fetchBrowser, run: ctx, method: r.Method, body: r.Body, length: r.ContentLength, browserHeader: h, inChain: map[string]bool{u.String(): true}}
	wrote := false
	j.to = func(resp *http.Response) io.Writer {
		h := w.Header() // the proxy takes out the headers of one connection
		for k, vs := range resp.Header {
			h[k] = vs
		}
		w.WriteHeader(resp.StatusCode)
		wrote = true
		return flushWriter{w}
	}
	ch := c.runFetch(j, u)
	switch {
	case isNavigation(r.Header) && j.got != nil:
		c.browsing.keep(u.String(), doc{f: j.got})
	case isNavigation(r.Header):
		if refusal, ok := guardRefusal(ch.err); ok { // the page's chain ends there, for that reason
			c.browsing.keep(u.String(), doc{err: refusal})
		}
	case j.got != nil:
		c.stats.requisites.Add(1)
		if f := j.got; f.Truncated == "" && !f.FromArchive && f.Records.Response.ID != "" {
			if capt, err := index.CaptureOf(f.Records.Response); err == nil {
				c.browserPriors.Store(u.String(), priorOf(capt))
			}
		}
	}
	if ch.err != nil && ctx.Err() == nil {
		c.missed(u.String(), kindRequisite, ch.err)
	}
	if !wrote {
		status := http.StatusBadGateway
		if errors.Is(ch.err, ErrRobots) || errors.Is(ch.err, ErrExcluded) {
			status = http.StatusForbidden
		}
		msg := "no response"
		if ch.err != nil {
			msg = ch.err.Error()
		}
		http.Error(w, "Vellum: "+msg, status)
	}
}

// browse loads a page in the browser and returns its chain (the documents
// the browser fetched for it, redirects followed) and the page as rendered.
func (c *crawl) browse(ctx context.Context, j pageJob) (chain, *browser.Page) {
	bs := c.browsing
	p, err := bs.b.Load(ctx, j.u.String())
	bs.mu.Lock()
	defer bs.mu.Unlock()
	var ch chain
	u := j.u
	for hops := 0; hops <= maxRedirects; hops++ {
		d, ok := bs.docs[u.String()]
		if !ok {
			break
		}
		delete(bs.docs, u.String())
		if d.err != nil {
			ch.err = d.err
			break
		}
		f := d.f
		if ch.first == nil {
			ch.first = f
		} else {
			ch.hops++
		}
		ch.final, ch.finalURL = f, u
		if !followable(f, u) {
			break
		}
		next, _ := u.Parse(f.Header.Get("Location"))
		u = normalize(next)
	}
	switch {
	case ch.err != nil:
	case err != nil:
		ch.err = err
	case ch.final == nil:
		ch.err = fmt.Errorf("the browser fetched no document for %s", j.u)
	}
	if p != nil {
		for _, problem := range p.Problems {
			c.log.Warn("browser", "url", j.u.String(), "problem", problem)
		}
	}
	return ch, p
}

// browseReason says why a page captured statically is loaded in the
// browser too (--browser=auto), or "" when it is not: it has little text
// while scripts are present, or it says it needs scripts.
func browseReason(h extract.ScriptHints, text string) string {
	n := len(strings.Fields(text))
	switch {
	case h.Scripts == 0:
		return ""
	case h.AppRoot != "" && n < 150:
		return fmt.Sprintf("app root %s, %d words, %d scripts", h.AppRoot, n, h.Scripts)
	case h.Noscript && n < 150:
		return fmt.Sprintf("<noscript>, %d words, %d scripts", n, h.Scripts)
	case n < 50:
		return fmt.Sprintf("%d words and %d scripts", n, h.Scripts)
	}
	return ""
}

// flushWriter sends what is written to the browser at once.
type flushWriter struct{ w http.ResponseWriter }

func (f flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if fl, ok := f.w.(http.Flusher); ok {
		fl.Flush()
	}
	return n, err
}
