package rewrite

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestRuntimeScriptSize(t *testing.T) {
	s := RuntimeScript()
	if len(s) >= 12<<10 {
		t.Errorf("runtime script is %d bytes, want under 12 KB", len(s))
	}
	for _, es2020 := range []string{"?.", "??"} { // the script is ES2017
		if strings.Contains(s, es2020) {
			t.Errorf("runtime script uses %q", es2020)
		}
	}
}

// runtimeHarness runs the runtime script (its path is argv[2]) in node with a small fake window
// and document, exercises what it wraps, and prints what reached the fakes as JSON.
const runtimeHarness = `
const fs = require('fs'), vm = require('vm');
const got = {};
const page = 'http://127.0.0.1:8080/web/20140812093000/http://news.example/2014/08/story.html';
globalThis.window = globalThis;
window.__vellum = {prefix: '/web/', ts: '20140812093000', url: 'http://news.example/2014/08/story.html'};
Object.defineProperty(globalThis, 'location', {configurable: true, value: new URL(page)});
Object.defineProperty(globalThis, 'navigator', {configurable: true, value: {
  sendBeacon(u) { got.beaconSent = u; return false; },
  serviceWorker: {register(u) { got.swRegistered = u; return Promise.resolve(); }},
}});
globalThis.document = {baseURI: page, createElement: tag => new (ctors[tag] || HTMLElement)(tag)};
globalThis.fetch = (input, init) => { got.fetch = typeof input === 'string' ? input : input.url; return Promise.resolve(); };
globalThis.XMLHttpRequest = class { open(m, u) { got.xhr = u; } };
globalThis.history = {pushState(s, t, u) { got.push = u; }, replaceState(s, t, u) { got.replace = u; }};
globalThis.open = u => { got.open = u; };
globalThis.WebSocket = class { constructor(u) { got.liveSocket = u; } };
globalThis.EventSource = class { constructor(u) { got.liveEvents = u; } };
globalThis.Worker = class { constructor(u) { got.worker = u; } };
class Element {
  constructor(tag) { this.tagName = tag.toUpperCase(); this.attrs = {}; this.nodeType = 1; }
  setAttribute(n, v) { this.attrs[n.toLowerCase()] = String(v); }
  getAttribute(n) { return n in this.attrs ? this.attrs[n] : null; }
}
class HTMLElement extends Element {}
const urlProps = (cls, ...names) => {
  for (const n of names) {
    Object.defineProperty(cls.prototype, n, {configurable: true, enumerable: true,
      get() { return this.attrs[n]; }, set(v) { this.attrs[n] = String(v); }});
  }
  return cls;
};
const HTMLImageElement = urlProps(class extends HTMLElement {}, 'src', 'srcset');
const HTMLScriptElement = urlProps(class extends HTMLElement {}, 'src');
const HTMLLinkElement = urlProps(class extends HTMLElement {}, 'href');
const HTMLIFrameElement = urlProps(class extends HTMLElement {}, 'src');
const HTMLAnchorElement = urlProps(class extends HTMLElement {}, 'href');
Object.assign(globalThis, {Element, HTMLElement, HTMLImageElement, HTMLScriptElement, HTMLLinkElement, HTMLIFrameElement, HTMLAnchorElement});
const ctors = {img: HTMLImageElement, script: HTMLScriptElement, link: HTMLLinkElement, iframe: HTMLIFrameElement, a: HTMLAnchorElement};

const script = fs.readFileSync(process.argv[2], 'utf8');
vm.runInThisContext(script);
vm.runInThisContext(script); // idempotent: a second run wraps nothing twice

fetch('/api/data?x=1'); got.fetchRelative = got.fetch;
fetch('https://api.example/v1#x'); got.fetchAbsolute = got.fetch;
fetch(new URL('http://news.example/x/rel.json')); got.fetchURLObject = got.fetch;
fetch('/web/20140101000000mp_/http://a.example/b'); got.fetchArchived = got.fetch;
fetch('data:text/plain,hi'); got.fetchData = got.fetch;
fetch(new Request('http://127.0.0.1:8080/api/items')); got.fetchReplayOrigin = got.fetch;
new XMLHttpRequest().open('GET', 'feed.json');
history.pushState({}, '', '?page=2');
history.replaceState(null, '', '/other#top');
open('/popup');
got.beaconResult = navigator.sendBeacon('/log', 'x');
navigator.serviceWorker.register('/sw.js').catch(() => { got.swRejected = true; });
const ws = new WebSocket('wss://live.example/feed');
ws.onerror = () => { got.socketError = true; };
got.socketState = ws.readyState;
new EventSource('/events');
new Worker('/js/worker.js');

const img = document.createElement('img');
img.src = '/img/a.jpg'; got.imgSrc = img.src;
img.srcset = 'a.jpg 1x, b.jpg?w=1,2 2x'; got.imgSrcset = img.srcset;
img.setAttribute('src', 'lazy.jpg'); got.imgSetAttribute = img.getAttribute('src');
img.setAttribute('SRC', img.getAttribute('src')); got.imgAgain = img.getAttribute('src');
img.setAttribute('alt', 'lazy.jpg'); got.imgAlt = img.getAttribute('alt');
const s = document.createElement('script'); s.src = 'https://cdn.example/app.js'; got.scriptSrc = s.src;
const l = document.createElement('link'); l.rel = 'stylesheet'; l.href = '../css/a.css'; got.linkHref = l.href;
const f = document.createElement('iframe'); f.src = '//video.example/embed/1'; got.iframeSrc = f.src;
const a = document.createElement('a'); a.href = '#part'; got.anchorFragment = a.href;
a.href = '/section/'; got.anchorHref = a.href;
a.href = 'javascript:void 0'; got.anchorJavascript = a.href;

document.baseURI = 'http://127.0.0.1:8080/web/20140812093000/https://cdn.example/dir/';
fetch('x.json'); got.fetchUnderBase = got.fetch;
setTimeout(() => { console.log(JSON.stringify(got)); }, 20);
`

func TestRuntimeScriptInNode(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node is needed to test the runtime script (CI=true)")
		}
		t.Log("node not found: the runtime script is not exercised")
		return
	}
	dir := t.TempDir()
	harness, script := filepath.Join(dir, "harness.js"), filepath.Join(dir, "runtime.js")
	if err := os.WriteFile(harness, []byte(runtimeHarness), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, []byte(RuntimeScript()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, harness, script).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	const w = "/web/20140812093000"
	want := map[string]any{
		"fetchRelative":     w + "mp_/http://news.example/api/data?x=1",
		"fetchAbsolute":     w + "mp_/https://api.example/v1#x",
		"fetchURLObject":    w + "mp_/http://news.example/x/rel.json",
		"fetchArchived":     "/web/20140101000000mp_/http://a.example/b",
		"fetchData":         "data:text/plain,hi",
		"fetchReplayOrigin": "http://127.0.0.1:8080" + w + "mp_/http://news.example/api/items",
		"xhr":               w + "mp_/http://news.example/2014/08/feed.json",
		"push":              w + "/http://news.example/2014/08/story.html?page=2",
		"replace":           w + "/http://news.example/other#top",
		"open":              w + "/http://news.example/popup",
		"beaconResult":      true,
		"swRejected":        true,
		"socketState":       float64(3),
		"socketError":       true,
		"worker":            w + "js_/http://news.example/js/worker.js",
		"imgSrc":            w + "im_/http://news.example/img/a.jpg",
		"imgSrcset":         w + "im_/http://news.example/2014/08/a.jpg 1x, " + w + "im_/http://news.example/2014/08/b.jpg?w=1,2 2x",
		"imgSetAttribute":   w + "im_/http://news.example/2014/08/lazy.jpg",
		"imgAgain":          w + "im_/http://news.example/2014/08/lazy.jpg",
		"imgAlt":            "lazy.jpg",
		"scriptSrc":         w + "js_/https://cdn.example/app.js",
		"linkHref":          w + "cs_/http://news.example/2014/css/a.css",
		"iframeSrc":         w + "if_/http://video.example/embed/1",
		"anchorFragment":    "#part",
		"anchorHref":        w + "/http://news.example/section/",
		"anchorJavascript":  "javascript:void 0",
		"fetchUnderBase":    w + "mp_/https://cdn.example/dir/x.json",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	for _, k := range []string{"beaconSent", "swRegistered", "liveSocket", "liveEvents"} {
		if v, ok := got[k]; ok {
			t.Errorf("%s reached the live web: %v", k, v)
		}
	}
}
