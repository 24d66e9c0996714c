// Package cssurl is Vellum's one CSS tokenizer for URLs: it reports where the URLs of a
// stylesheet stand (url(), src(), @import, image-set()) as spans of the input, with their kind.
//
// Seam: a Scanner is given a stylesheet whole or in pieces (Scan, with Skip for a token too long
// to hold) and returns Spans, offsets into the piece; Unescape decodes a span's text. Extraction
// (capture/extract) collects the spans as URLs to fetch; rewriting (replay/rewrite) replaces them
// with archive URLs, so both find the same URLs. It imports nothing of Vellum's.
package cssurl
