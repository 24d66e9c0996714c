// Package rewrite turns archived HTML and CSS into pages that load only from the archive: every
// URL a browser would fetch or follow becomes a /web/<timestamp><modifier>/<url> archive URL.
//
// Seam: the replay server gives it a URLRewriter (prefix, timestamp, the document's own URL), the
// archived body as an io.Reader and, for HTML, the inserts (HTMLOptions); HTML and CSS stream the
// rewritten document to an io.Writer, byte for byte except for the URLs. RuntimeScript is the
// script that does the same for URLs a page makes at run time. The package imports nothing of
// Vellum's but the shared scanners under internal/, so it can be tested, fuzzed and benchmarked
// on its own.
package rewrite
