package browser

import (
	"context"
	"fmt"
	"time"

	"github.com/chromedp/chromedp"
)

// A page is taken once its network has been quiet for Options.Quiet: a
// window in which what the last response set going (a script that fetches
// more, an image whose load handler inserts others) has time to start its
// requests. Most pages are done long before the window ends, and a page
// can say so: settleScript, run in every document before the document's
// own scripts, keeps count of what could make the page fetch more later
// with no request in flight — timers, intervals, animation frame and idle
// callbacks, workers — and settleCheck, once nothing has been in flight
// for three frames, asks whether any of it is pending. A page with none is
// settled and taken at once; any other waits for the window, as before.
// A timer due later than the window would have been missed by the window
// too, so it does not hold the page back.

// settleHook is the page's name of the counts settleScript keeps.
const settleHook = "__vellumSettle"

// settleScript wraps the page's ways of running code later so that their
// pending uses can be counted. The wrappers call the originals, pass on
// what they return and are given, and print as native functions, so the
// page runs as it would without them.
const settleScript = `(() => {
  const g = globalThis;
  if (g.` + settleHook + `) return;
  const now = () => performance.now();
  const timers = new Map(), intervals = new Set(), frames = new Set(), idles = new Set();
  let workers = 0;
  const native = (f, name) => {
    Object.defineProperty(f, "name", {value: name});
    Object.defineProperty(f, "toString", {value: () => "function " + name + "() { [native code] }"});
    return f;
  };
  const code = fn => typeof fn === "function" ? fn : () => (0, eval)(String(fn));
  const st = g.setTimeout, ct = g.clearTimeout, si = g.setInterval, ci = g.clearInterval;
  g.setTimeout = native(function (fn, ms, ...args) {
    const f = code(fn);
    const id = st.call(g, function () { timers.delete(id); return f.apply(this, arguments); }, ms, ...args);
    timers.set(id, now() + Math.max(0, Number(ms) || 0));
    return id;
  }, "setTimeout");
  // Timeouts and intervals share their IDs: either clear function clears either.
  const forget = id => { timers.delete(id); intervals.delete(id); };
  g.clearTimeout = native(function (id) { forget(id); return ct.call(g, id); }, "clearTimeout");
  g.setInterval = native(function (fn, ms, ...args) {
    const id = si.call(g, code(fn), ms, ...args);
    intervals.add(id);
    return id;
  }, "setInterval");
  g.clearInterval = native(function (id) { forget(id); return ci.call(g, id); }, "clearInterval");
  const raf = g.requestAnimationFrame, caf = g.cancelAnimationFrame;
  if (raf) {
    g.requestAnimationFrame = native(function (cb) {
      const id = raf.call(g, t => { frames.delete(id); return cb(t); });
      frames.add(id);
      return id;
    }, "requestAnimationFrame");
    g.cancelAnimationFrame = native(function (id) { frames.delete(id); return caf.call(g, id); }, "cancelAnimationFrame");
  }
  const ric = g.requestIdleCallback, cic = g.cancelIdleCallback;
  if (ric) {
    g.requestIdleCallback = native(function (cb, opts) {
      const id = ric.call(g, d => { idles.delete(id); return cb(d); }, opts);
      idles.add(id);
      return id;
    }, "requestIdleCallback");
    g.cancelIdleCallback = native(function (id) { idles.delete(id); return cic.call(g, id); }, "cancelIdleCallback");
  }
  for (const name of ["Worker", "SharedWorker"]) {
    const W = g[name];
    if (W) g[name] = new Proxy(W, {construct(t, a, nt) { workers++; return Reflect.construct(t, a, nt); }});
  }
  const sw = g.navigator && navigator.serviceWorker;
  if (sw && sw.register) {
    const reg = sw.register;
    sw.register = native(function () { workers++; return reg.apply(this, arguments); }, "register");
  }
  // frame: the start of the next frame (by the original, uncounted). A
  // busy machine draws frames late, and a late frame must not be taken for
  // one drawn; where frames do not come at all, a second stands for one.
  const frame = () => new Promise(r => { raf ? raf.call(g, () => r()) : 0; st.call(g, r, 1000); });
  // sleep: a timer of Vellum's own (scrollScript's), not counted as the page's.
  const sleep = ms => new Promise(r => st.call(g, r, ms));
  // pending: why the page may still fetch, "" when nothing says it will.
  const pending = within => {
    if (document.readyState !== "complete") return "the document loading";
    if (document.fonts && document.fonts.status === "loading") return "a font loading";
    for (const i of document.images) if (!i.complete) return "an image loading";
    for (const due of timers.values()) if (due - now() <= within) return "a timer";
    if (intervals.size) return "an interval";
    if (frames.size) return "an animation frame callback";
    if (idles.size) return "an idle callback";
    if (workers) return "a worker";
    if (g.frames.length) return "a frame";
    for (const m of document.querySelectorAll("video, audio")) if (!m.paused) return "playing media";
    return "";
  };
  Object.defineProperty(g, "` + settleHook + `", {value: {frame, sleep, pending}});
})()`

// settleCheck (a format: %d is Options.Quiet in ms) waits three frames and
// says what the page has pending ("" for nothing; "uncounted" when the
// document's own scripts ran without settleScript before them).
const settleCheck = `(async (quiet) => {
  const s = globalThis.` + settleHook + `;
  if (!s) return "uncounted";
  for (let i = 0; i < 3; i++) await s.frame();
  return s.pending(quiet);
})(%d)`

// settled reports whether the page is done: nothing in flight now, no
// request during the three frames the check waits, and nothing pending
// in the page that could start one within the quiet window.
func (t *tab) settled(ctx context.Context) bool {
	if !t.isIdle() {
		return false
	}
	mark := t.requestCount()
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	why, err := chromedp.Run(cctx, chromedp.Evaluate[string](fmt.Sprintf(settleCheck, t.o.Quiet.Milliseconds()), chromedp.EvalAwaitPromise))
	switch {
	case err != nil:
		t.log.Debug("not settled", "url", t.currentURL(), "err", err)
		return false
	case why != "":
		t.log.Debug("not settled", "url", t.currentURL(), "pending", why)
		return false
	}
	return t.isIdle() && t.requestCount() == mark
}
