package frontier

import "context"

// A worker killed (kill -9, a power cut) between writing a claim's records
// and reporting it Done leaves those records in its ".open" file, while the
// claim goes back to the queue and another worker writes them again. The
// repair of the dead worker's file asks Abandon which URLs those are and
// leaves their records out, so that every URL of a run has its records in
// exactly one worker's files. The claims it gives back are still queued
// (or refetched already): the run is not over until they are done, and a
// worker joining it later fetches what is left.

// Abandon gives the claims of worker, known to be dead (the lock of its
// open file is free), back to the queue now rather than when its lease
// expires, and returns the URLs of every item it gave back in this run,
// and of the redirect hops their fetches had followed: records of them in
// its files are also written by whoever fetches them next.
func (r *Redis) Abandon(ctx context.Context, worker string) ([]string, error) {
	var urls []string
	err := r.do(ctx, "abandon", func(ctx context.Context) error {
		var err error
		urls, err = abandonScript.Run(ctx, r.c, r.keys(), worker).StringSlice()
		return err
	})
	return urls, err
}

// AbandonIn is Abandon for a worker of the run runID, in the same Redis:
// the repair of a file learns its run from the file's name.
func (r *Redis) AbandonIn(ctx context.Context, runID, worker string) ([]string, error) {
	return NewRedis(r.c, runID, r.opts).Abandon(ctx, worker)
}
