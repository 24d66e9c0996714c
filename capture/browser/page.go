package browser

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/vellumhq/vellum/internal/oneline"
)

// MaxScreenshotHeight caps the screenshot of a very long page (an endless
// feed): Chromium's compositor draws at most 16384 px in one texture.
const MaxScreenshotHeight = 16384

// maxScreenshotWidth caps a page that overflows sideways.
const maxScreenshotWidth = 4096

// answerWithin is how long a page has, after its time is up, to answer at
// all; one that does not is taken as hung by a script that never ends.
const answerWithin = 3 * time.Second

// captureWithin bounds taking the DOM and the screenshot of a page that
// answers: a tall page takes a while to draw on a busy machine.
const captureWithin = 20 * time.Second

// Page is a page as the browser rendered it.
type Page struct {
	URL           string   // the main frame's final URL (after redirects)
	HTML          string   // the rendered DOM: doctype + document.documentElement.outerHTML
	Screenshot    []byte   // PNG of the whole page (its full scroll height, at most MaxScreenshotHeight)
	Width, Height int      // of the screenshot, in pixels
	Requests      int      // requests the page made (each redirect hop counts)
	Quiet         bool     // the network went quiet before the timeout
	Settled       bool     // the page had nothing pending that could fetch more, and was taken before the quiet window ended (settle.go)
	Problems      []string // what was stopped or cut short, one line each
}

// Load opens url in a tab (waiting for a free one), scrolls it to the end so
// that lazy images and IntersectionObserver content load, waits until no
// request has been in flight for Options.Quiet or until Options.Timeout, and
// returns the page as rendered. A page that does not answer after its time is
// up fails; so does the page that was loading when Chromium died, and the
// next Load starts Chromium again.
func (b *Browser) Load(ctx context.Context, url string) (*Page, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, errors.New("browser: closed")
	}
	b.loads.Add(1)
	b.mu.Unlock()
	defer b.loads.Done()

	select {
	case b.tabs <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-b.tabs }()

	c, err := b.running(ctx)
	if err != nil {
		return nil, err
	}
	t, err := c.tab(ctx, url, b.o, b.log)
	var p *Page
	if err == nil {
		p, err = t.load(ctx, url)
	}
	switch {
	case c.isDead():
		err = fmt.Errorf("browser crashed while loading %s", url)
	case err != nil && t != nil:
		err = t.failure(ctx, err)
	}
	if err != nil {
		if t != nil {
			t.close()
		}
		return nil, err
	}
	c.put(t)
	for _, pr := range p.Problems {
		b.log.Info("page stopped", "url", url, "problem", pr)
	}
	return p, nil
}

// load runs the steps of a page against its deadline.
func (t *tab) load(ctx context.Context, url string) (*Page, error) {
	start := time.Now()
	deadline := start.Add(t.o.Timeout)
	rctx, cancel := context.WithDeadline(t.ctx, deadline)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()

	t.begin(url)
	res, err := chromedp.Call(rctx, page.Navigate, page.NavigateParams{URL: url})
	if err != nil {
		return nil, err
	}
	if res.ErrorText != "" {
		return nil, fmt.Errorf("load %s: %s", url, res.ErrorText)
	}
	t.committed(res.LoaderID)
	t.log.Debug("navigated", "url", url, "after", time.Since(start))

	if !t.wait(rctx, t.isLoaded) {
		t.problem(fmt.Sprintf("the load event did not fire within %s", t.o.Timeout))
	}
	t.log.Debug("loaded", "url", url, "after", time.Since(start))
	if rctx.Err() == nil {
		if _, err := chromedp.Run(rctx, chromedp.Evaluate[any](scrollScript, chromedp.EvalAwaitPromise)); err != nil && rctx.Err() == nil {
			t.problem("scrolling: " + oneline.Of(err))
		}
	}
	t.log.Debug("scrolled", "url", url, "after", time.Since(start))
	// The page is taken as soon as nothing is in flight. Meanwhile the
	// page is asked whether it is settled (settle.go): if it is, with no
	// request since and the same DOM (read again, a few ms), that take is
	// the page. Otherwise the quiet period runs: if it ends with no request
	// since and the same DOM, the take stands, and the quiet period cost no
	// extra time for the screenshot; else the page is taken again.
	var early *Page
	var mark int
	if t.wait(rctx, t.isIdle) && rctx.Err() == nil {
		mark = t.requestCount()
		if err := t.answering(); errors.Is(err, errHung) {
			return nil, err
		}
		settled := make(chan bool, 1)
		go func() { settled <- t.settled(rctx) }()
		p, err := t.snapshot()
		done := <-settled
		if err == nil {
			early = p
			t.log.Debug("taken early", "url", url, "settled", done, "after", time.Since(start))
		}
		if done && early != nil && t.requestCount() == mark {
			p, err := t.retake(early, true)
			if err != nil {
				return nil, err
			}
			t.log.Debug("captured settled", "url", url, "again", p != early, "after", time.Since(start))
			t.annotate(p)
			p.Quiet, p.Settled = true, true
			return p, nil
		}
	}
	quiet := t.wait(rctx, t.isQuiet)
	t.log.Debug("waited", "url", url, "quiet", quiet, "after", time.Since(start))
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case <-t.crashed:
		return nil, errCrashed
	default:
	}
	if err := t.answering(); err != nil {
		return nil, err
	}
	p, err := t.retake(early, quiet && t.requestCount() == mark)
	if err != nil {
		return nil, err
	}
	t.log.Debug("captured", "url", url, "again", p != early, "after", time.Since(start))
	t.annotate(p)
	p.Quiet = quiet
	return p, nil
}

// retake returns the early take when it still holds (still is true and the
// DOM is the same), else takes the page anew.
func (t *tab) retake(early *Page, still bool) (*Page, error) {
	if early == nil || !still {
		return t.snapshot()
	}
	d, err := t.dom()
	if err != nil {
		return nil, err
	}
	if d.URL == early.URL && d.HTML == early.HTML {
		return early, nil
	}
	return t.snapshot()
}

// errCrashed stands for a renderer that died; failure says it with the URL.
var errCrashed = errors.New("renderer crashed")

// errHung stands for a page that stopped answering.
var errHung = errors.New("page hung")

// failure says in one line why a load failed: the caller's context, the
// renderer's crash, a hung page, the timeout, or the error itself.
func (t *tab) failure(ctx context.Context, err error) error {
	url := t.currentURL()
	select {
	case <-t.crashed:
		return fmt.Errorf("page crashed while loading %s (its renderer died)", url)
	default:
	}
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, errHung):
		return fmt.Errorf("load %s: the page stopped answering (a script that never ends?); its tab was closed", url)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("load %s: no response within %s", url, t.o.Timeout)
	case strings.HasPrefix(err.Error(), "load "):
		return err
	}
	return fmt.Errorf("load %s: %s", url, oneline.Of(err))
}

// wait polls cond until it holds, the page crashes, or ctx ends. Events
// change the state; polling also lets time pass for the quiet network.
func (t *tab) wait(ctx context.Context, cond func() bool) bool {
	tick := time.NewTimer(t.untilQuiet())
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return cond()
		case <-t.crashed:
			return false
		case <-t.changed:
		case <-tick.C:
		}
		tick.Reset(t.untilQuiet())
	}
	return true
}

// untilQuiet is how long to wait before checking again: until the network
// would count as quiet if nothing more happens, 10-50 ms.
func (t *tab) untilQuiet() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return min(max(t.o.Quiet-time.Since(t.lastActive), 10*time.Millisecond), 50*time.Millisecond)
}

// answering fails with errHung for a page that does not answer within
// answerWithin: a script that never yields.
func (t *tab) answering() error {
	actx, cancel := context.WithTimeout(t.ctx, answerWithin)
	defer cancel()
	if _, err := chromedp.Run(actx, chromedp.Evaluate[any]("1")); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return errHung
		}
		return err
	}
	return nil
}

// rendered is the page's final URL and its DOM as HTML.
type rendered struct {
	URL  string `json:"url"`
	HTML string `json:"html"`
}

func (t *tab) dom() (rendered, error) {
	cctx, cancel := context.WithTimeout(t.ctx, captureWithin)
	defer cancel()
	d, err := chromedp.Run(cctx, chromedp.Evaluate[rendered](domScript))
	if err != nil {
		return rendered{}, fmt.Errorf("reading the DOM: %w", err)
	}
	return d, nil
}

// snapshot takes the DOM and the screenshot.
func (t *tab) snapshot() (*Page, error) {
	d, err := t.dom()
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(t.ctx, captureWithin)
	defer cancel()
	shot, err := t.screenshot(cctx)
	if err != nil {
		return nil, fmt.Errorf("screenshot: %w", err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(shot))
	if err != nil {
		return nil, fmt.Errorf("screenshot: %w", err)
	}
	return &Page{URL: d.URL, HTML: d.HTML, Screenshot: shot, Width: cfg.Width, Height: cfg.Height}, nil
}

// annotate adds what the events of the load told: requests and problems.
func (t *tab) annotate(p *Page) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p.Requests, p.Problems = t.requests, slices.Clone(t.problems) // events may still append to t's
	if t.popups > 0 {
		p.Problems = append(p.Problems, fmt.Sprintf("%d popup(s) refused (first: %s)", t.popups, t.firstPopup))
	}
}

// screenshot draws the whole page, not only the viewport, up to
// MaxScreenshotHeight.
func (t *tab) screenshot(ctx context.Context) ([]byte, error) {
	m, err := chromedp.Call(ctx, page.GetLayoutMetrics, struct{}{})
	if err != nil {
		return nil, err
	}
	w, h := float64(t.o.Width), float64(t.o.Height)
	if cs := m.CSSContentSize; cs != nil {
		w, h = max(w, cs.Width), max(h, cs.Height)
	}
	if h > MaxScreenshotHeight {
		t.problem(fmt.Sprintf("screenshot cut at %d px of %.0f", MaxScreenshotHeight, h))
		h = MaxScreenshotHeight
	}
	w = min(w, maxScreenshotWidth)
	yes := true
	r, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
		Format:                page.CaptureScreenshotFormatPng,
		Clip:                  &page.Viewport{X: 0, Y: 0, Width: w, Height: h, Scale: 1},
		CaptureBeyondViewport: &yes,
		FromSurface:           &yes,
	})
	if err != nil {
		return nil, err
	}
	return r.Data, nil
}

// scrollScript scrolls down most of a viewport at a time, one step a
// frame: each step is made as a frame begins (in its animation frame
// callbacks), and the same frame then computes the IntersectionObserver
// entries for that position, so every part of the page is seen in view by
// the page's observers and lazy images. (Two frames a step took twice as
// long for the same positions; TestLoad's "every position seen" case
// checks that none is skipped.) It goes on to the end of a page that may
// grow as it scrolls, then back to the top for the screenshot. The step
// count bounds an endless feed; the caller's deadline bounds time.
//
// Scrolling starts at the load event, not before: measured on bench/jssite,
// starting at DOMContentLoaded gained nothing, as the photos it brings in
// before the load event hold that event back, and the quiet period runs
// from the last of them either way.
const scrollScript = `(async () => {
  // Timers of Vellum's own where settleScript runs: the page's pending
  // timers are what tells a settled page (settle.go).
  const hook = globalThis.` + settleHook + `;
  const sleep = hook ? hook.sleep : ms => new Promise(r => setTimeout(r, ms));
  // The start of the next frame drawn (a busy machine draws late, and a
  // step taken before its frame is skipped by the page's observers), or a
  // while where frames do not come.
  const frame = hook ? hook.frame : () => Promise.race([new Promise(r => requestAnimationFrame(() => r())), sleep(50)]);
  const height = () => Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0);
  await frame();
  for (let i = 0, y = 0; i < 200 && y < height() - innerHeight; i++) {
    y += Math.max(100, innerHeight * 0.9);
    window.scrollTo({top: y, behavior: "instant"});
    await frame();
  }
  window.scrollTo({top: 0, behavior: "instant"});
  await frame();
})()`

// domScript returns the final URL and the rendered DOM with its doctype.
const domScript = `(() => {
  const d = document.doctype;
  const doctype = d ? new XMLSerializer().serializeToString(d) + "\n" : "";
  return {url: location.href, html: doctype + (document.documentElement ? document.documentElement.outerHTML : "")};
})()`
