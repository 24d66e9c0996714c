// Package jobs runs captures as jobs: it reads and checks the jobs file
// (LoadJobs, ParseJobs), runs a job as one capture run (Runner), runs jobs
// on their schedules (Scheduler), and POSTs a run's changed pages to the
// job's webhook (Notify).
//
// Its seam: a Runner is given an archive and, optionally, the archive's
// open index (serve owns one for its lifetime; without it a run opens the
// index once and closes it). What the caller prints and how files reach a
// remote store are plugged in (Report, Progress, Uploads), so `vellum run`
// and `vellum serve --jobs` only wire it:
//
//	jobList, err := jobs.LoadJobs("jobs.yaml")
//	r := &jobs.Runner{Archive: "archive", ReplayBase: "http://127.0.0.1:8080"}
//	res, err := r.Run(ctx, jobList[0]) // a *capture.Result, as capture.Run returns
//
//	sched, err := jobs.NewScheduler(jobList, r.RunAndLog, logger)
//	sched.Start()
//	defer sched.Shutdown() // waits for the turns still running
//
// On scheduler nodes of a cluster that share a jobs file, Scheduler.TurnLock
// (RedisTurnLock) runs each turn on one node.
//
// It imports capture (the crawl engine, which knows nothing of jobs),
// index and storage; cmd/vellum imports it.
package jobs
