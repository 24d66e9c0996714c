// Package capture is the crawl engine: it fetches seeds, their requisites
// (images, stylesheets, fonts, scripts, media) and, to a depth, the pages
// they link to, politely (robots.txt obeyed, one page at a time per host
// with a delay, a few parallel connections per host for requisites, bounded
// retries that honour Retry-After, per-URL size and time limits), and keeps
// each run in the archive's history. With Config.Browser it loads pages in
// headless Chromium (capture/browser), whose every request comes back
// through a proxy into the same fetch path.
//
// Every fetch of a run goes through one colly.Collector (collector.go):
// Vellum's own scheduler (host lanes, the requisite pool, robots.txt, the
// claim set, the frontier) decides what is fetched and calls
// Collector.Request; Colly follows redirects through our handler and runs
// the callbacks, ours and those a program adds through Config.Collector.
//
// Seam: Run(ctx, Config, seeds) captures into Config.Archive and returns a
// Result (each seed's outcome, the run's counts, page changes, problems and
// files); its error is for a run that could not happen at all. Every
// exchange goes through the collector's transport to capture/record, which
// writes it exactly as it crossed the wire into WARC files; pages are read for links, requisites
// and article metadata by capture/extract. Run uses the index a caller
// gives in Config.Index (serve shares its own) or opens the archive's, and
// uses it through the small interfaces of index.go, which the
// exported functions (RepairArchive, FindResumable, ImportRunHistory) take
// too and *index.Index satisfies. Its users are cmd/vellum (capture, index,
// upload, serve) and capture/jobs, which makes runs of jobs, on schedules
// or now.
//
//	res, err := capture.Run(ctx, cfg, []string{"https://news.example/2014/08/story.html"})
//	for _, s := range res.Seeds {
//		fmt.Println(s.Line())
//	}
//
// With Config.Frontier (capture/frontier's Redis, --frontier) a Run is one
// worker of a run that many share (shared.go): pages and requisites come
// from the shared frontier, which keeps each host to one page at a time
// across the workers; without it, nothing of that path runs. The run's
// counts are then the sums over its workers (totals.go): Result.Run holds
// them, Result.Part the worker's own.
//
// Every Run is a run in the archive's history (vellum.db and runs/<id>.json).
// A response whose payload equals the latest capture of its URL by another
// run is written as a revisit record, and each page is classified new,
// changed or unchanged against that capture. The run's frontier is kept in
// vellum.db as it goes, so a run killed outright is resumed (Config.Resume)
// without capturing a URL twice. Jobs, their schedules and the runs made of
// them are package capture/jobs.
package capture
