package browser

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/vellumhq/vellum/internal/oneline"
)

// debianChromium is where Debian's chromium package puts the browser.
const debianChromium = "/usr/bin/chromium"

// Find returns the Chromium binary to run: path when given, else Debian's
// chromium (/usr/bin/chromium), then chromium, chromium-browser or
// google-chrome on PATH. Its error is one line saying how to install it.
func Find(path string) (string, error) {
	if path != "" {
		p, err := exec.LookPath(path)
		if err != nil {
			return "", fmt.Errorf("chromium not found at %s: install it with `apt-get install chromium`, or give its path with --chromium PATH", path)
		}
		return p, nil
	}
	for _, name := range []string{debianChromium, "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("chromium not found: install it with `apt-get install chromium`, or give its path with --chromium PATH")
}

// Options say how to run Chromium. Zero values take the defaults named.
type Options struct {
	Path      string        // the binary, from Find
	Proxy     string        // host:port of the recording proxy; every request of the browser goes through it, loopback included
	SPKI      []string      // base64 SHA-256 SPKI hashes of certificates to trust (the proxy's CA)
	UserAgent string        // sent by the browser; Chromium's own when empty
	Tabs      int           // pages loaded at once at most (default 2)
	Timeout   time.Duration // per page: load, scroll, and a quiet network (default 30 s); then the page is taken as it is
	Quiet     time.Duration // how long no request may be in flight before the network counts as quiet (default 300 ms)
	Width     int           // viewport width in CSS pixels (default 1280)
	Height    int           // viewport height (default 800)

	// ExtraFlags are added to (or override) Chromium's command line; for
	// tests (e.g. "host-resolver-rules"). A false value removes a flag.
	ExtraFlags map[string]any
	Logger     *slog.Logger
}

func (o *Options) setDefaults() {
	if o.Tabs <= 0 {
		o.Tabs = 2
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Quiet <= 0 {
		o.Quiet = 300 * time.Millisecond
	}
	if o.Width <= 0 {
		o.Width = 1280
	}
	if o.Height <= 0 {
		o.Height = 800
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Browser is one Chromium process with at most Options.Tabs pages open at
// once. Its methods are safe for concurrent use.
type Browser struct {
	o    Options
	log  *slog.Logger
	dir  string        // temporary directory: one user-data-dir per Chromium started
	tabs chan struct{} // a token per tab that may be open

	loads sync.WaitGroup // Loads in progress, waited for by Close

	mu       sync.Mutex
	cur      *chromium // the running Chromium; replaced when it died
	starts   int
	closed   bool
	restarts int
}

// chromium is one run of the Chromium process.
type chromium struct {
	ctx      context.Context // the browser's first tab, parent of every tab
	cancel   context.CancelFunc
	stopExec context.CancelFunc
	dead     <-chan struct{} // closed when the connection to Chromium dropped
	dir      string
	popups   *popupWatch

	wg sync.WaitGroup // goroutines closing popups

	mu      sync.Mutex
	idle    []*tab // tabs that loaded their page, for the next Load
	stopped bool
}

// Start runs Chromium with a fresh profile in a temporary directory that
// Close removes.
func Start(ctx context.Context, o Options) (*Browser, error) {
	o.setDefaults()
	if o.Path == "" {
		p, err := Find("")
		if err != nil {
			return nil, err
		}
		o.Path = p
	}
	dir, err := os.MkdirTemp("", "vellum-chromium-")
	if err != nil {
		return nil, fmt.Errorf("browser: %w", err)
	}
	b := &Browser{o: o, log: o.Logger.With("component", "browser"), dir: dir, tabs: make(chan struct{}, o.Tabs)}
	c, err := b.start(ctx)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	b.cur = c
	return b, nil
}

// start runs a new Chromium with a profile of its own: a killed one leaves
// its profile locked.
func (b *Browser) start(ctx context.Context) (*chromium, error) {
	b.starts++
	dir := filepath.Join(b.dir, fmt.Sprintf("profile-%d", b.starts))
	if err := writePreferences(dir); err != nil {
		return nil, fmt.Errorf("start chromium %s: %w", b.o.Path, err)
	}
	actx, stopExec := chromedp.NewExecAllocator(context.WithoutCancel(ctx), b.flags(dir)...)
	// chromedp's own complaints (a hung page's document it cannot read)
	// are ours to report, not lines on stderr.
	bctx, cancel := chromedp.NewContext(actx, chromedp.WithErrorf(func(format string, args ...any) {
		b.log.Debug("chromedp: " + fmt.Sprintf(format, args...))
	}))
	c := &chromium{ctx: bctx, cancel: cancel, stopExec: stopExec, dead: make(chan struct{}), dir: dir, popups: newPopupWatch()}
	sctx, stop := context.WithTimeout(ctx, 60*time.Second)
	defer stop()
	// The first Run starts the process; ctx only bounds the start.
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(bctx) }()
	var err error
	select {
	case err = <-done:
	case <-sctx.Done():
		err = sctx.Err()
		c.cancel() // ends the start, and the goroutine with it
		<-done
	}
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("start chromium %s: %s", b.o.Path, strings.TrimSuffix(oneline.Of(err), ":"))
	}
	br := chromedp.FromContext(bctx).Browser
	c.dead = br.LostConnection
	err = chromedp.ListenBrowser(bctx, func(ev any) {
		if e, ok := ev.(*target.EventTargetCreated); ok {
			c.onTarget(e.TargetInfo)
		}
	})
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("start chromium %s: %s", b.o.Path, strings.TrimSuffix(oneline.Of(err), ":"))
	}
	b.log.Debug("chromium started", "path", b.o.Path, "pid", br.Process().Pid)
	return c, nil
}

// onTarget closes a popup as it appears: a page opened by one of our tabs.
// It runs on chromedp's event loop, so the close runs apart.
func (c *chromium) onTarget(info *target.Info) {
	if info.Type != "page" || info.OpenerID == "" || !c.popups.opened(info.OpenerID, info.URL) {
		return
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
		defer cancel()
		_, _ = chromedp.CallBrowser(ctx, target.CloseTarget, target.CloseTargetParams{TargetID: info.TargetID})
	}()
}

func (c *chromium) isDead() bool {
	select {
	case <-c.dead:
		return true
	default:
		return false
	}
}

// stop closes Chromium and waits for its process and our goroutines.
func (c *chromium) stop() {
	c.mu.Lock()
	idle := c.idle
	c.idle, c.stopped = nil, true
	c.mu.Unlock()
	for _, t := range idle {
		t.close()
	}
	if c.isDead() {
		c.cancel()
	} else {
		ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
		_ = chromedp.Cancel(ctx)
		cancel()
		c.cancel()
	}
	c.stopExec()
	c.wg.Wait()
	os.RemoveAll(c.dir)
}

// running returns the running Chromium, starting a new one once when the
// last one died.
func (b *Browser) running(ctx context.Context) (*chromium, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, errors.New("browser: closed")
	}
	if b.cur != nil && !b.cur.isDead() {
		return b.cur, nil
	}
	if b.cur != nil {
		b.cur.stop()
		b.cur = nil
		b.restarts++
		b.log.Warn("chromium died; starting it again", "restarts", b.restarts)
	}
	c, err := b.start(ctx)
	if err != nil {
		return nil, err
	}
	b.cur = c
	return c, nil
}

// Restarts is how many times Chromium was started again after it died.
func (b *Browser) Restarts() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.restarts
}

// pid is the process id of the running Chromium, 0 when there is none.
func (b *Browser) pid() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cur == nil || b.cur.isDead() {
		return 0
	}
	if p := chromedp.FromContext(b.cur.ctx).Browser.Process(); p != nil {
		return p.Pid
	}
	return 0
}

// Close stops Chromium, waits for it, and removes its profiles. Loads in
// progress fail.
func (b *Browser) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	c := b.cur
	b.cur = nil
	b.mu.Unlock()
	if c != nil {
		c.stop()
	}
	b.loads.Wait()
	return os.RemoveAll(b.dir)
}
