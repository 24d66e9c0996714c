// Vellum replay runtime: keeps a replayed page's runtime requests inside the archive.
// Settings: window.__vellum = {prefix: "/web/", ts: "20140812093000", url: "<original page URL>"}.
(() => {
  'use strict';
  const W = window, C = W.__vellum, D = W.document;
  if (!C || W.__vellumRuntime) return;
  W.__vellumRuntime = true;
  const P = C.prefix, TS = C.ts || '', PA = new URL(P, W.location.href);
  const skip = /^(?:data|blob|javascript|about|mailto|tel):/i;
  const pageMod = C.mod != null ? C.mod :
    ((W.location.pathname.slice(PA.pathname.length).match(/^\d*([a-z]{2}_)?\//) || [])[1] || '');

  // Relative URLs resolve against the original of document.baseURI when that is an archive URL
  // (it follows <base href> and pushState), else against the page's original URL.
  const base = () => {
    try {
      const b = new URL(D.baseURI);
      if (b.origin === PA.origin && b.pathname.startsWith(PA.pathname)) {
        const m = (b.pathname + b.search).slice(PA.pathname.length).match(/^\d*(?:[a-z]{2}_)?\/(https?:\/\/.+)$/);
        if (m) return m[1];
      }
    } catch (e) { /* no document or base */ }
    return C.url;
  };

  // rw returns the archive URL of u with modifier mod, or u itself when it must stay as it is.
  const rw = (u, mod) => {
    if (u == null) return u;
    const s = String(u).trim();
    if (!s || s[0] === '#' || skip.test(s) || s.startsWith(P) || s.startsWith(PA.pathname)) return u;
    let a;
    try { a = new URL(s, base()); } catch (e) { return u; }
    if (a.protocol !== 'http:' && a.protocol !== 'https:') return u;
    if (a.origin === PA.origin) {
      if (a.pathname.startsWith(PA.pathname)) return u;
      a = new URL(a.pathname + a.search + a.hash, base()); // built from location: meant the original site
    }
    return P + TS + mod + '/' + a.href;
  };

  const rwSrcset = v => {
    if (v == null) return v;
    const s = String(v);
    let out = '', i = 0, last = 0;
    while (i < s.length) {
      while (i < s.length && /[\s,]/.test(s[i])) i++;
      const st = i;
      while (i < s.length && !/\s/.test(s[i])) i++;
      let en = i;
      if (s[en - 1] === ',') {
        while (en > st && s[en - 1] === ',') en--;
      } else {
        for (let paren = false; i < s.length && (paren || s[i] !== ','); i++) {
          if (s[i] === '(') paren = true; else if (s[i] === ')') paren = false;
        }
      }
      if (en > st) { out += s.slice(last, st) + rw(s.slice(st, en), 'im_'); last = en; }
    }
    return out + s.slice(last);
  };

  // Which attributes of which elements hold URLs: a modifier, "s" for a srcset, "l" for a link.
  const mods = {
    IMG: {src: 'im_', srcset: 's'}, SOURCE: {src: 'im_', srcset: 's'}, SCRIPT: {src: 'js_'},
    LINK: {href: 'l'}, FRAME: {src: 'if_'}, VIDEO: {src: 'im_', poster: 'im_'},
    AUDIO: {src: 'im_'}, TRACK: {src: 'im_'}, EMBED: {src: 'im_'}, A: {href: ''}, AREA: {href: ''},
    FORM: {action: ''}, IFRAME: {src: 'if_', srcdoc: 'd'},
  };
  const linkMod = el => {
    const rel = String(el.rel || el.getAttribute && el.getAttribute('rel') || '').toLowerCase();
    const as = String(el.as || '').toLowerCase();
    if (/stylesheet/.test(rel) || as === 'style') return 'cs_';
    if (/icon/.test(rel) || as === 'image' || as === 'font') return 'im_';
    if (/modulepreload/.test(rel) || as === 'script') return 'js_';
    return 'mp_';
  };
  const fix = (el, name, v) => {
    const m = (mods[String(el.tagName).toUpperCase()] || {})[name];
    if (m === undefined || v == null) return v;
    if (m === 'd') return guardSrcdoc + v; // a document of this origin, with no runtime of its own
    return m === 's' ? rwSrcset(v) : rw(v, m === 'l' ? linkMod(el) : m);
  };

  const wrap = (obj, name, f) => {
    const orig = obj && obj[name];
    if (typeof orig === 'function') try { obj[name] = f(orig); } catch (e) { /* read-only */ }
  };
  wrap(W, 'fetch', F => function (input, init) {
    if (W.Request && input instanceof W.Request) {
      const u = rw(input.url, 'mp_');
      if (u !== input.url) input = new W.Request(new URL(u, W.location.href).href, input);
    } else {
      input = rw(input, 'mp_');
    }
    return F.call(W, input, init);
  });
  wrap(W.XMLHttpRequest && W.XMLHttpRequest.prototype, 'open', open => function (method, url, ...rest) {
    return open.call(this, method, rw(url, 'mp_'), ...rest);
  });
  wrap(W.navigator, 'sendBeacon', () => () => true); // archives take no beacons
  wrap(W.navigator && W.navigator.serviceWorker, 'register', () => () => Promise.reject(new Error('no service workers in replay')));
  wrap(W, 'open', open => function (url, ...rest) { return open.call(W, rw(url, ''), ...rest); });
  for (const k of ['pushState', 'replaceState']) {
    wrap(W.history, k, f => function (state, title, url) {
      return f.call(this, state, title, url == null ? url : rw(url, pageMod));
    });
  }
  wrap(W, 'Worker', Wk => {
    const Worker = function (url, opts) { return new Wk(rw(url, 'js_'), opts); };
    Worker.prototype = Wk.prototype;
    return Worker;
  });

  // Archives hold no live streams: these connect to nothing and report an error and a close.
  class Blocked extends (W.EventTarget || Object) {
    constructor(url) {
      super();
      this.url = String(url);
      this.readyState = 3;
      setTimeout(() => {
        for (const t of ['error', 'close']) {
          const e = new Event(t);
          if (typeof this['on' + t] === 'function') this['on' + t](e);
          if (this.dispatchEvent) this.dispatchEvent(e);
        }
      }, 0);
    }
    send() {}
    close() {}
  }
  Object.assign(Blocked, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  for (const k of ['WebSocket', 'EventSource']) if (W[k]) W[k] = class extends Blocked {};

  // Setters of URL properties and setAttribute, for elements made by createElement and the like.
  const props = {
    HTMLImageElement: 'src srcset', HTMLSourceElement: 'src srcset', HTMLScriptElement: 'src',
    HTMLLinkElement: 'href', HTMLIFrameElement: 'src srcdoc', HTMLFrameElement: 'src', HTMLMediaElement: 'src',
    HTMLVideoElement: 'poster', HTMLTrackElement: 'src', HTMLEmbedElement: 'src',
    HTMLAnchorElement: 'href', HTMLAreaElement: 'href', HTMLFormElement: 'action',
  };
  for (const c of Object.keys(props)) {
    const p = W[c] && W[c].prototype;
    for (const name of p ? props[c].split(' ') : []) {
      const d = Object.getOwnPropertyDescriptor(p, name);
      if (!d || !d.set || !d.configurable) continue;
      Object.defineProperty(p, name, {
        configurable: true, enumerable: d.enumerable, get: d.get,
        set(v) { d.set.call(this, fix(this, name, v)); },
      });
    }
  }
  const E = W.Element && W.Element.prototype;
  const setAttr = E && E.setAttribute;
  if (setAttr) {
    E.setAttribute = function (name, v) {
      return setAttr.call(this, name, fix(this, String(name).toLowerCase(), v));
    };
  }

  // Markup inserted as HTML (innerHTML, insertAdjacentHTML) gets its URLs fixed once it is in.
  const fixTree = n => {
    if (n.nodeType !== 1 || !setAttr) return;
    const els = [n].concat(Array.from(n.querySelectorAll('[src],[srcset],[href],[poster],[action]')));
    for (const el of els) {
      for (const name of ['src', 'srcset', 'href', 'poster', 'action']) {
        const v = el.getAttribute(name);
        const nv = fix(el, name, v);
        if (nv !== v) setAttr.call(el, name, nv);
      }
    }
  };
  if (W.MutationObserver && D) {
    new W.MutationObserver(recs => {
      for (const r of recs) for (const n of r.addedNodes) fixTree(n);
      guardFrames(W); // frames the parser made, before the page's next script runs
    }).observe(D, {childList: true, subtree: true});
  }

  // Nothing leaves the archive. Navigations away are cancelled before they
  // start: CSP (frame-src, form-action, the UI's frame-src) blocks them too,
  // but Chromium opens a connection to the target first. WebRTC, which no
  // CSP of Chromium's governs, is gone. Frames of this origin (about:blank,
  // srcdoc) run no runtime of their own, so each gets the same guard as
  // soon as this realm makes or reaches one.
  function guard(w) {
    try {
      if (!w || w.__vellumGuard || w.origin !== W.origin) return; // about:blank's location.origin is "null"
      w.__vellumGuard = true;
    } catch (e) { return; } // another origin: its own runtime, or the UI
    for (const k of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCIceTransport']) {
      try { delete w[k]; if (w[k]) w[k] = undefined; } catch (e) { /* read-only */ }
    }
    if (w.navigation && w.navigation.addEventListener) {
      w.navigation.addEventListener('navigate', e => {
        let u;
        try { u = new URL(e.destination.url); } catch (x) { u = null; }
        if (u && e.downloadRequest != null && /^(blob|data):$/.test(u.protocol)) return; // a file the page made
        if (e.cancelable && (!u || u.origin !== W.location.origin || !/^https?:$/.test(u.protocol))) e.preventDefault();
      });
    }
    const after = (p, names) => {
      for (const n of names) wrap(p, n, f => function (...a) { const r = f.apply(this, a); guardFrames(w); return r; });
    };
    after(w.Node && w.Node.prototype, ['appendChild', 'insertBefore', 'replaceChild']);
    after(w.Element && w.Element.prototype, ['append', 'prepend', 'before', 'after', 'replaceWith', 'replaceChildren',
      'insertAdjacentElement', 'insertAdjacentHTML', 'setHTMLUnsafe']);
    after(w.Document && w.Document.prototype, ['write', 'writeln', 'append', 'prepend', 'replaceChildren']);
    const access = (c, name, get) => {
      const p = w[c] && w[c].prototype, d = p && Object.getOwnPropertyDescriptor(p, name);
      if (!d || !d.configurable) return;
      Object.defineProperty(p, name, Object.assign({}, d, get ? {get() { const v = d.get.call(this); get(v); return v; }} :
        {set(v) { d.set.call(this, v); guardFrames(w); }}));
    };
    for (const c of ['HTMLIFrameElement', 'HTMLFrameElement', 'HTMLObjectElement']) {
      access(c, 'contentWindow', guard);
      access(c, 'contentDocument', doc => guard(doc && doc.defaultView));
    }
    access('Element', 'innerHTML');
    access('Element', 'outerHTML');
    access('ShadowRoot', 'innerHTML');
    guardFrames(w);
  }
  function guardFrames(w) {
    try { for (let i = 0; i < w.length; i++) guard(w[i]); } catch (e) { /* gone */ }
  }
  W.__vellumGuardFrame = guard;

  // The sandbox opens no window and lets no frame move the top: links meant
  // for a new or the top window open in the archived page's own topmost
  // frame instead (the highest ancestor of this origin).
  if (D && D.addEventListener) {
    D.addEventListener('click', e => {
      const a = e.target && e.target.closest && e.target.closest('a[target], area[target]');
      if (!a || e.defaultPrevented || !/^_(blank|top|parent)$/i.test(a.target) || !a.href) return;
      let w = W;
      try { while (w.parent !== w && w.parent.origin === W.origin) w = w.parent; } catch (x) { /* the UI */ }
      e.preventDefault();
      w.location.href = a.href;
    });
  }
  const guardSrcdoc = '<script>try{parent.__vellumGuardFrame(window)}catch(e){}</script>';
  guard(W);
})();
