package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/capture/jobs"
	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/oneline"
)

func newRunCmd() *cobra.Command {
	var jobsFile, logLevel, indexFlag, metricsAddr string
	r := &jobs.Runner{Archive: "archive", ReplayBase: "http://127.0.0.1:8080", KeepLocal: true, Uploads: startJobUploads}
	var noProgress bool
	var ff frontierFlags
	cmd := &cobra.Command{
		Use:   "run --jobs FILE [JOB...]",
		Short: "Run the named jobs of a jobs file (all when none is named) once, now",
		Long: "run captures each job's seeds as a run: pages unchanged since their latest capture are written as\n" +
			"revisit records, changed pages are listed (and POSTed to the job's webhook), and the run is\n" +
			"recorded in vellum.db and in runs/<id>.json. A run that was killed (kill -9, power cut) is\n" +
			"resumed by the next run of its job; --resume also resumes one stopped by Ctrl-C.",
		Example: "  vellum run --jobs jobs.yaml\n  vellum run --jobs jobs.yaml borderland\n  vellum run --jobs jobs.yaml --resume borderland",
		RunE: func(cmd *cobra.Command, names []string) error {
			r.Browser.Flags = chromiumFlags()
			if jobsFile == "" {
				return &exitError{2, "run: --jobs FILE is required"}
			}
			jobList, err := jobs.LoadJobs(jobsFile)
			if err != nil {
				return &exitError{2, err.Error()}
			}
			if jobList, err = jobs.SelectJobs(jobList, names); err != nil {
				return &exitError{2, err.Error()}
			}
			con := newConsole(cmd.ErrOrStderr(), !noProgress && isTerminal(cmd.ErrOrStderr()))
			logger, err := newLoggerTo(logLevel, con)
			if err != nil {
				return &exitError{2, err.Error()}
			}
			if err := checkIndexFlag(indexFlag, r.Remote != "", true); err != nil {
				return err
			}
			var met *workerMetrics
			if metricsAddr != "" {
				if met, err = startWorkerMetrics(metricsAddr, capture.DefaultWorker(), logger); err != nil {
					return err
				}
				defer met.close()
			}
			given, err := openIndexFlag(cmd.Context(), indexFlag, logger)
			if err != nil {
				return err
			}
			if given != nil { // else each run opens the archive's vellum.db
				defer given.Close()
				r.Index = given
			}
			if sharedIndex(indexFlag) {
				r.Shared, r.Uploads = true, startSharedUploads
			}
			r.Log, r.Out = logger, cmd.OutOrStdout()
			r.Report = func(res *capture.Result) { printRun(cmd.OutOrStdout(), r.ReplayBase, res) }
			r.Progress = func() jobs.Progress { return runProgress{newProgress(con, logger)} }
			var shared redis.UniversalClient
			if ff.url != "" {
				if shared, err = ff.dial(cmd.Context(), logger); err != nil {
					return err
				}
				defer shared.Close()
			}
			failed := 0
			for _, j := range jobList {
				res, err := runJob(cmd.Context(), r, j, &ff, shared, met, logger)
				if cmd.Context().Err() != nil {
					return &exitError{130, "run interrupted; its WARC files are closed and valid, and `vellum run --resume` carries it on"}
				}
				if err != nil || res.Run.Status != index.RunOK {
					failed++
				}
				if err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "vellum: job %s: %s\n", j.Name, oneline.Of(err))
				}
			}
			if failed > 0 {
				return &exitError{1, fmt.Sprintf("%d of %d jobs failed", failed, len(jobList))}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&jobsFile, "jobs", "", "jobs file (YAML)")
	addBrowserFlags(f, &r.Browser, nil)
	f.StringVar(&r.Archive, "archive", r.Archive, "archive directory (WARCs, CDXJ, vellum.db, runs/)")
	f.BoolVar(&r.Resume, "resume", false, "also resume a job's latest run when it was interrupted (Ctrl-C, SIGTERM)")
	f.StringVar(&r.Remote, "remote", "", "upload to this S3-compatible store, s3://bucket/prefix (overrides the jobs' remote)")
	f.BoolVar(&r.KeepLocal, "keep-local", true, "keep local WARC files after a verified upload")
	addIndexFlag(f, &indexFlag)
	ff.add(f)
	addMetricsFlag(f, &metricsAddr)
	f.StringVar(&r.ReplayBase, "replay-url", r.ReplayBase, "base URL of vellum serve, for the links in webhooks")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	f.BoolVar(&noProgress, "no-progress", false, "no progress line, even on a terminal")
	return cmd
}

// runJob runs one job: here alone, or with --frontier as a worker of the
// job's run that is going on across the cluster (or a new one).
// With --metrics, met follows the run.
func runJob(ctx context.Context, r *jobs.Runner, j jobs.Job, ff *frontierFlags, shared redis.UniversalClient, met *workerMetrics, log *slog.Logger) (*capture.Result, error) {
	if shared == nil {
		return r.RunWith(ctx, j, met.watch(j.Name, nil))
	}
	f, err := ff.join(ctx, shared, "job:"+j.Name, j.MaxPages, log.With("job", j.Name))
	if err != nil {
		return nil, err
	}
	return r.RunWith(ctx, j, chain(joined(f), met.watch(j.Name, f)))
}

// runProgress shows a job's run on the console.
type runProgress struct{ p *progress }

func (p runProgress) Update(s capture.Stats) { p.p.update(s) }
func (p runProgress) Finish()                { p.p.finish() }

// runSummaryLine is a run's summary: its counts, each the sum of what its page
// at /runs/<id> lists.
func runSummaryLine(res *capture.Result) string {
	run := res.Run
	c := run.Counts
	browsed := ""
	if res.Stats.Browsed > 0 {
		browsed = fmt.Sprintf(", %d loaded in the browser (Chromium's peak memory %s)", res.Stats.Browsed, humanBytes(res.Stats.ChromiumPeak))
	}
	return fmt.Sprintf("run %s  job %s  %s  %d pages (%d new, %d changed, %d unchanged), %d requisites, %d revisits, %s, %d errors, %d skipped, %d files, %s%s%s",
		run.ID, jobName(run.Job), strings.ToUpper(run.Status), c.Pages, c.New, c.Changed, c.Unchanged, c.Requisites, c.Revisits,
		humanBytes(c.Bytes), c.Errors, c.Skipped, c.Files, run.Ended.Sub(run.Started).Round(1e7), browsed, workerPart(res.Part))
}

// workerPart says, on a shared frontier, that a run's counts are sums
// over its workers, and what this one did.
func workerPart(p *capture.WorkerPart) string {
	if p == nil {
		return ""
	}
	s := fmt.Sprintf("  (sums over %d workers; this one: %d pages, %d requisites, %d files", p.Workers, p.Counts.Pages, p.Counts.Requisites, p.Counts.Files)
	if p.Running > 0 {
		s += fmt.Sprintf("; %d still running, not counted yet", p.Running)
	}
	return s + ")"
}

// printRun prints a run's summary: one line of counts, then the failed
// seeds and the changed pages.
func printRun(w io.Writer, replayBase string, res *capture.Result) {
	fmt.Fprintln(w, runSummaryLine(res))
	base := strings.TrimSuffix(replayBase, "/")
	for _, s := range res.Seeds {
		if !s.OK() {
			fmt.Fprintln(w, "  "+s.LineAt(base))
		}
	}
	for _, ch := range res.Changes {
		if ch.Change == index.ChangeChanged {
			fmt.Fprintf(w, "  changed  %s  %s\n", ch.URL, base+jobs.DiffPath(res.Run.ID, ch.URL))
		}
	}
}
