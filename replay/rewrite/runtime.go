package rewrite

import _ "embed" // the runtime script

//go:embed runtime.js
var runtimeScript string

// RuntimeScript returns the JavaScript (no <script> tag) that keeps a replayed page's runtime
// requests inside the archive. The server inlines a config object before it:
//
//	window.__vellum = {prefix: "/web/", ts: "20140812093000", url: "http://news.example/story.html"}
//
// (optionally with mod, the page's own modifier, which is otherwise read from the location).
// It rewrites the URLs given to fetch (mp_), XMLHttpRequest.open (mp_), window.open (top-level),
// history.pushState/replaceState (the page's modifier, so the address bar stays inside the
// archive) and Worker (js_); drops navigator.sendBeacon calls and service worker registrations;
// replaces WebSocket and EventSource with objects that connect to nothing; and rewrites the URL
// properties of img, source, script, link, iframe, frame, video, audio, track, embed, a, area and
// form elements, setAttribute for those attributes (so lazy-loaders' swaps of data-src into src
// stay in the archive, on elements from createElement too), and the URLs of markup inserted as
// HTML. URLs resolve against the original page URL (or the original of a <base href>), never the
// replay location, and a URL already starting with the prefix is never rewritten again; running
// the script twice does nothing more. It also keeps the page from leaving the archive: it
// cancels navigations to other origins (Navigation API), removes WebRTC, and gives frames of
// the page's origin that run no runtime (about:blank, srcdoc) the same guard as soon as the
// page makes or reaches one; links meant for a new or the top window open in the page's own
// topmost frame, since the sandbox opens no window. It is ES2017 (the guard uses the Navigation API where there is
// one), dependency-free and under 12 KB.
func RuntimeScript() string { return runtimeScript }
