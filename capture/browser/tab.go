package browser

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// popupBinding is the function through which the page reports a popup it
// tried to open; popupScript puts a window.open in its place that opens
// nothing: a popup would load (and record) a page nobody asked for.
const popupBinding = "__vellumPopup"

const popupScript = `(() => {
  const report = globalThis.` + popupBinding + `;
  if (typeof report !== "function") return;
  try { delete globalThis.` + popupBinding + `; } catch (e) {}
  const open = function (url) {
    try { report(url === undefined || url === "" ? "about:blank" : new URL(String(url), location.href).href); } catch (e) { try { report(String(url)); } catch (e) {} }
    return null;
  };
  Object.defineProperty(window, "open", {value: open, writable: false, configurable: false});
})()`

// tab is a Chromium tab and what its events told about the page it is
// loading. A tab that loaded its page normally loads the next one: opening
// a tab costs more than loading a simple page.
type tab struct {
	o       Options
	log     *slog.Logger
	c       *chromium
	ctx     context.Context
	cancel  context.CancelFunc
	id      target.ID     // also the id of its main frame
	changed chan struct{} // a nudge to waiters: the state changed
	crashed chan struct{} // closed when the renderer died
	once    sync.Once
	wg      sync.WaitGroup // goroutines answering paused requests and dialogs

	// What the events of the current load told; begin resets it.
	mu         sync.Mutex
	url        string
	loader     cdp.LoaderID          // the main frame's current document
	loads      map[cdp.LoaderID]bool // documents whose load event fired
	requests   int
	inflight   map[network.RequestID]bool
	lastActive time.Time
	problems   []string
	popups     int
	firstPopup string
}

// tab returns an idle tab of this Chromium, or opens a new one.
func (c *chromium) tab(ctx context.Context, url string, o Options, log *slog.Logger) (*tab, error) {
	c.mu.Lock()
	for len(c.idle) > 0 {
		t := c.idle[len(c.idle)-1]
		c.idle = c.idle[:len(c.idle)-1]
		if !sameDocument(t.currentURL(), url) {
			c.mu.Unlock()
			return t, nil
		}
		// A navigation to the same document but for the fragment would
		// not load it again: start afresh.
		c.mu.Unlock()
		t.close()
		c.mu.Lock()
	}
	c.mu.Unlock()
	tctx, tcancel := chromedp.NewContext(c.ctx)
	t := &tab{o: o, log: log, c: c, ctx: tctx, cancel: tcancel,
		changed: make(chan struct{}, 1), crashed: make(chan struct{})}
	t.begin(url)
	octx, cancel := context.WithTimeout(tctx, o.Timeout)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	if err := t.open(octx); err != nil {
		return t, err
	}
	return t, nil
}

// put keeps a tab that loaded its page for the next Load, unless this
// Chromium was stopped meanwhile.
func (c *chromium) put(t *tab) {
	c.mu.Lock()
	if !c.stopped {
		c.idle = append(c.idle, t)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	t.close()
}

// sameDocument: a navigation from a to b stays in a's document, as one
// that differs at most by b's fragment does. The same URL without a
// fragment loads the page again.
func sameDocument(a, b string) bool {
	a, _, _ = strings.Cut(a, "#")
	b, _, frag := strings.Cut(b, "#")
	return frag && a == b
}

// open readies the tab: viewport, popups refused, navigations watched.
func (t *tab) open(ctx context.Context) error {
	// The first call creates the tab, and the tab lives as long as the
	// context of that call: t.ctx, not ctx. So ctx bounds it from outside.
	created := make(chan error, 1)
	go func() { created <- chromedp.Do(t.ctx) }()
	select {
	case err := <-created:
		if err != nil {
			return err
		}
	case <-ctx.Done():
		t.cancel()
		<-created
		return ctx.Err()
	}
	t.id = chromedp.FromContext(t.ctx).Target.TargetID
	t.c.popups.add(t.id, t)
	if err := chromedp.Listen(t.ctx, t.onEvent); err != nil {
		return err
	}
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: int64(t.o.Width), Height: int64(t.o.Height), DeviceScaleFactor: 1,
	}); err != nil {
		return err
	}
	if _, err := chromedp.Call(ctx, runtime.AddBinding, runtime.AddBindingParams{Name: popupBinding}); err != nil {
		return err
	}
	for _, src := range []string{popupScript, settleScript} {
		if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src}); err != nil {
			return err
		}
	}
	_, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
		{URLPattern: "*", ResourceType: network.ResourceTypeDocument, RequestStage: fetch.RequestStageRequest},
	}})
	return err
}

// close closes the tab and waits for everything it started.
func (t *tab) close() {
	t.cancel()
	t.wg.Wait()
	t.c.popups.forget(t.id)
}

// begin starts the record of a new load of url.
func (t *tab) begin(url string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.url, t.loader = url, ""
	t.loads = map[cdp.LoaderID]bool{}
	t.requests, t.inflight, t.lastActive = 0, map[network.RequestID]bool{}, time.Now()
	t.problems, t.popups, t.firstPopup = nil, 0, ""
}

// committed notes the document our navigation committed, unless the
// events already told of it or of a later one (a script's redirect).
func (t *tab) committed(loader cdp.LoaderID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.loader == "" {
		t.loader = loader
	}
}

func (t *tab) currentURL() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.url
}

func (t *tab) problem(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.problems = append(t.problems, s)
}

func (t *tab) isLoaded() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.loaded()
}

// loaded: the load event of the main frame's current document fired; t.mu
// is held.
func (t *tab) loaded() bool { return t.loader != "" && t.loads[t.loader] }

// isIdle: loaded and nothing in flight.
func (t *tab) isIdle() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.loaded() && len(t.inflight) == 0
}

// requestCount is how many requests the page made so far.
func (t *tab) requestCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.requests
}

// isQuiet: loaded, nothing in flight, and nothing for Options.Quiet.
func (t *tab) isQuiet() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.loaded() && len(t.inflight) == 0 && time.Since(t.lastActive) >= t.o.Quiet
}

func (t *tab) nudge() {
	select {
	case t.changed <- struct{}{}:
	default:
	}
}

// onEvent runs on chromedp's event loop: it must not block nor call the
// browser, so answers to the browser run apart (t.wg).
func (t *tab) onEvent(ev any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	defer t.nudge()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		t.requests++
		t.inflight[e.RequestID] = true
		t.lastActive = time.Now()
	case *network.EventLoadingFinished:
		delete(t.inflight, e.RequestID)
		t.lastActive = time.Now()
	case *network.EventLoadingFailed:
		delete(t.inflight, e.RequestID)
		t.lastActive = time.Now()
	case *page.EventFrameNavigated:
		if e.Frame.ParentID == "" && e.Frame.URL != "about:blank" {
			t.loader = e.Frame.LoaderID
		}
	case *page.EventLifecycleEvent:
		if e.Name == "load" && e.FrameID == cdp.FrameID(t.id) {
			t.loads[e.LoaderID] = true
			t.lastActive = time.Now()
		}
	case *inspector.EventTargetCrashed:
		t.once.Do(func() { close(t.crashed) })
	case *runtime.EventBindingCalled:
		if e.Name == popupBinding {
			t.popup(e.Payload)
		}
	case *page.EventJavascriptDialogOpening:
		t.problems = append(t.problems, fmt.Sprintf("%s dialog dismissed: %q", e.Type, short(e.Message)))
		t.answer(func(ctx context.Context) error {
			_, err := chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: e.Type == page.DialogTypeBeforeunload})
			return err
		})
	case *fetch.EventRequestPaused:
		if e.FrameID == cdp.FrameID(t.id) && t.loaded() {
			// The page is loaded: it is what we archive. A navigation of the
			// main frame now (location = elsewhere, a meta refresh) would
			// replace it. Aborted, not blocked: a blocked navigation commits
			// an error page in place of the page.
			t.problems = append(t.problems, "navigation away to "+short(e.Request.URL)+" refused")
			t.answer(func(ctx context.Context) error {
				_, err := chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: e.RequestID, ErrorReason: network.ErrorReasonAborted})
				return err
			})
			return
		}
		t.answer(func(ctx context.Context) error {
			_, err := chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: e.RequestID})
			return err
		})
	}
}

// popup counts a popup the page tried to open; t.mu is held.
func (t *tab) popup(url string) {
	if t.popups == 0 {
		t.firstPopup = short(url)
	}
	t.popups++
}

// answer sends a command to the tab from a goroutine of its own; the tab
// waits for it before it closes.
func (t *tab) answer(f func(ctx context.Context) error) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		ctx, cancel := context.WithTimeout(t.ctx, 10*time.Second)
		defer cancel()
		_ = f(ctx) // a tab closing under it: nothing to answer any more
	}()
}

// popupWatch knows which tab each page target belongs to, so that a popup
// that window.open did not catch (a link clicked by script) is closed and
// counted against the tab that opened it.
type popupWatch struct {
	mu   sync.Mutex
	tabs map[target.ID]*tab
}

func newPopupWatch() *popupWatch { return &popupWatch{tabs: map[target.ID]*tab{}} }

func (w *popupWatch) add(id target.ID, t *tab) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.tabs[id] = t
}

func (w *popupWatch) forget(id target.ID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.tabs, id)
}

// opened counts a popup of opener and says whether it is one of ours.
func (w *popupWatch) opened(opener target.ID, url string) bool {
	w.mu.Lock()
	t := w.tabs[opener]
	w.mu.Unlock()
	if t == nil {
		return false
	}
	t.mu.Lock()
	t.popup(url)
	t.mu.Unlock()
	return true
}

// short keeps a URL or a message to one reasonable line.
func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
