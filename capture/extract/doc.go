// Package extract finds what Vellum reads in a captured page: its requisites and outlinks (HTML
// attributes, srcset, inline and linked CSS), its charset, and its article metadata (JSON-LD,
// meta tags, the main text). Its tests are the spec of what Vellum finds in a page.
//
// Seam: the crawler gives it a response entity as sent (with its Content-Encoding and
// Content-Type) and the page's URL; ReadPage returns a Page whose Links are absolute http(s) URLs
// to fetch and whose Metadata is the body of the page's metadata record. CSS does the same for a
// stylesheet decoded with DecodeEntity. Reading is bounded (MaxParseBytes, a decompression bomb
// stopped early) apart from what the record keeps. The package does no I/O and imports nothing of
// Vellum's but the shared scanners under internal/.
package extract
