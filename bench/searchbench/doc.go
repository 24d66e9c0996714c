// Command searchbench measures Vellum's full-text search on a synthetic
// archive of news articles, for bench/search.sh:
//
//	go run ./bench/searchbench -archive DIR [-n 100000] [-queries 300] [-seed 1]
//
// It writes DIR/vellum.db (refusing an existing one) with n article pages:
// titles of 4–10 words and texts of 600–1,200 words drawn from a vocabulary
// of 60,000 words with a Zipf distribution (a hundred common English words
// first, then made-up words of two to four syllables, as the long tail of a
// language), on 300 sites over five years, a tenth of the URLs captured
// twice with the same text. It then times index.UpdateSearch indexing
// every page (the build rate) and runs the queries through index.Search
// (20 hits with snippets and the count), printing p50, p99 and max of
// each kind: one word, three words of one article, a prefix ("abcd*"), and
// one of the most common words, which most pages hold.
package main
