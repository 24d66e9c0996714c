// Command synthindex fills an archive's index with synthetic but realistic
// captures, for benchmarks of lookups, the CDX API and replay that need a big
// index and no crawl:
//
//	go run ./bench/synthindex -n 1000000 -archive DIR [-seed 1] [-urls FILE] [-sample 10000]
//
// writes DIR/vellum.db (refusing an existing one unless -force) and, with
// -urls, a sample of the archived URLs to FILE, one a line, for load
// generators to query. The same -n and -seed always give the same rows.
//
// The data looks like a news archive crawled over several years: a few
// thousand sites (www, news, m and static/CDN hosts, some on a port), article
// pages by date and section, section fronts, images, CSS and scripts with
// version queries; each URL captured 1–20 times (most a few times, a few
// fronts many times); revisits for unchanged payloads (with the digest of the
// capture they repeat); WARC files named by date that rotate at 1 GiB, with
// record offsets and lengths that add up.
package main
