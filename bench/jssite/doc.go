// Command jssite serves testsite.JSNews on loopback for bench/browser.sh: a
// news site whose article pages build themselves in the browser (their
// story fetched as JSON after load, their photos inserted as they scroll
// into view, their web font loaded by the FontFace API), so that a browser
// capture and a static capture of the same pages can be compared.
//
//	jssite -addr 127.0.0.1:0 -pages 200
//
// prints its listen address (host:port) as the first line on stdout, then
// serves / (an index linking every article), /a/N.html, /a/N.json, the
// photos /a/img/N-K.png (two or three an article), the shared
// /static/site.css, /static/vendor.js, /static/app.js and
// /static/serif.ttf, and /robots.txt.
//
// GET /__stats returns {"requests":N,"unique":N,"not_found":N,"site_urls":N}
// (requests since the last reset, distinct paths, 404s, and the URLs a
// browser capture of / at depth 1 fetches; not counted itself) and
// POST /__reset zeroes the counters.
package main
