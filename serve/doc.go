// Package serve owns the lifecycle of a serving node (`vellum serve`): one
// Node holds the archive's index, the stores replay reads records from
// (the local archive, layered over the remote store when there is one),
// the loop that imports remote CDXJ files and retries pending uploads, the
// loop that indexes new pages' words for search, the job scheduler, and the
// bounded queue of captures asked for over HTTP with the workers that run
// them (Captures). Close shuts these down in order and waits for every
// goroutine the Node started before it closes the index, as litestream's
// DB.Open/Close and Replica.Start/Stop do.
//
// Its seam: cmd/vellum gives it a Config (archive, remote store as a
// storage.Store and an uploader's storage.Opener, sync interval, logger;
// an Index it opened itself, such as the PostgreSQL index a cluster shares)
// and a Scheduler (anything with Start and Shutdown), and the CaptureFunc
// that runs one capture with the capture engine (serve does not import
// it); it returns the index
// and the store to hand to replay.NewServer and to the scheduled runs.
//
//	node, err := serve.Open(ctx, serve.Config{Archive: "archive", Logger: log})
//	defer node.Close()
//	srv := replay.NewServer(node.Index(), node.Store(), opts)
//	node.Schedule(sched)
package serve
