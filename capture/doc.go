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
//
// Every Run is a run in the archive's history (vellum.db and runs/<id>.json).
// A response whose payload equals the latest capture of its URL by another
// run is written as a revisit record, and each page is classified new,
// changed or unchanged against that capture. The run's frontier is kept in
// vellum.db as it goes, so a run killed outright is resumed (Config.Resume)
// without capturing a URL twice. Jobs, their schedules and the runs made of
// them are package capture/jobs.
package capture
