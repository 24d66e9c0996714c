// Package capture archives web pages: it fetches seeds, their requisites
// (images, stylesheets, fonts, scripts, media) and, to a depth, the pages
// they link to, and writes every exchange exactly as it crossed the wire into
// WARC files, with a metadata record of article fields per HTML page.
//
// The heart is Transport, an http.RoundTripper that dials through recording
// connections, so the WARC response record holds the status line, header
// case and order, chunk framing and Content-Encoding as sent. Run drives a
// polite crawl on top of it: robots.txt obeyed, one page at a time per host
// with a delay, a few parallel connections per host for requisites, bounded
// retries that honour Retry-After, and per-URL size and time limits.
//
//	res, err := capture.Run(ctx, cfg, []string{"https://news.example/2014/08/story.html"})
//	for _, s := range res.Seeds {
//		fmt.Println(s.Line())
//	}
package capture
