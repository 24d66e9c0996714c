// Command benchsite serves a generated news site from memory on loopback, for
// bench/capture.sh to capture with vellum and with wget side by side.
//
//	benchsite -addr 127.0.0.1:0 -pages 2000
//
// prints its listen address (host:port) as the first line on stdout, then
// serves: / (an index linking every article), /a/N.html (about 8 KB of
// article HTML each), its requisites /css/N.css, /img/N-bg.png,
// /img/N-lead.jpg, /img/N-lead2x.jpg, /img/N-thumb.png, the shared
// /css/site.css and /js/app.js, and /robots.txt. The content is generated
// once at start from a fixed seed; text is pre-gzipped and sent gzipped to
// clients that accept it.
//
// GET /__stats returns {"requests":N,...} (requests served since the last
// reset; not counted itself) and POST /__reset zeroes the counters.
//
//	benchsite -probe 127.0.0.1:PORT -pages 2000
//
// instead fetches every URL of such a site once over one keep-alive
// connection and prints the rate: the ceiling a one-connection client could
// reach, which shows the server is not the bottleneck.
//
//	benchsite -write DIR -pages 2000
//
// instead writes every URL of the site as a file under DIR (/ as index.html,
// bodies not gzipped) for a static web server to serve, and prints the number
// of URLs: capture.sh's nginx mode serves the same content from disk.
package main
