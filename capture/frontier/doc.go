// Package frontier is a crawl run's shared frontier: what a run has to
// fetch, which worker fetches what, and when a host may be fetched again.
// With it one job's run is one run across many workers (machines).
//
// Its seam: the crawl engine (capture) is given a Frontier for the run and
// a worker name; it Adds the URLs it finds (the visited set keeps each URL
// once per run), takes Claims with Next (a page only when its host is free
// and its delay has passed, cluster-wide), reports Fetched when a page's
// fetch ended (the host's delay starts then) and Done when the URLs it led
// to were added. A worker's claims are leased: a worker that stops renewing
// its lease (Keepalive) loses them to the others. The run ends when State
// says Ended: nothing queued, nothing claimed, every worker has Left (its
// WARC files closed).
//
// As it ends, a worker adds its counts (pages, files, …) to the run's
// totals (AddPart, once per worker), and saves the run's row with the sums
// read back (Totals): the row counts every worker's work, not the last
// one's.
//
// JoinRun is how workers agree on the run: the first to start a piece of
// work (a job, a capture's seeds) records a run ID, the others join it.
//
// Redis (NewRedis, go-redis) is the implementation for a cluster: every
// step is one Lua script, so the state is Redis's alone and workers hold no
// coordination of their own. Its CollyStorage is Colly's storage interface
// (visited requests, cookies) in the same run's keys. The embedded default stays the engine's own
// lanes and queue (capture), which this package does not replace.
//
//	f := frontier.NewRedis(client, runID, frontier.Options{})
//	f.Join(ctx, "worker-a")
//	go f.Keepalive(ctx, "worker-a")
//	c, err := f.Next(ctx, "worker-a") // ErrDrained: close the files, then Leave
//	… fetch c.Item …
//	f.Fetched(ctx, c, delay); f.Add(ctx, links...); f.Done(ctx, c)
package frontier
