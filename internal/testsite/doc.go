// Package testsite serves loopback web sites shaped like real news sites for
// Vellum's tests: an article with every kind of page requisite, a CDN on a
// second loopback address (127.0.0.2), gzip and chunked responses, a
// redirect, robots.txt rules, a latin-1 page, and servers that misbehave;
// and JSNews, a news site that JavaScript builds in the browser, for browser
// capture's tests and benchmark.
package testsite
