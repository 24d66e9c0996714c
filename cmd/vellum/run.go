package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/user"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/storage/local"
)

func newRunCmd() *cobra.Command {
	var jobsFile, logLevel, remoteFlag string
	r := &jobRunner{archive: "archive", replayBase: "http://127.0.0.1:8080", keepLocal: true}
	var noProgress bool
	cmd := &cobra.Command{
		Use:   "run --jobs FILE [JOB...]",
		Short: "Run the named jobs of a jobs file (all when none is named) once, now",
		Long: "run captures each job's seeds as a run: pages unchanged since their latest capture are written as\n" +
			"revisit records, changed pages are listed (and POSTed to the job's webhook), and the run is\n" +
			"recorded in vellum.db and in runs/<id>.json. A run that was killed (kill -9, power cut) is\n" +
			"resumed by the next run of its job; --resume also resumes one stopped by Ctrl-C.",
		Example: "  vellum run --jobs jobs.yaml\n  vellum run --jobs jobs.yaml borderland\n  vellum run --jobs jobs.yaml --resume borderland",
		RunE: func(cmd *cobra.Command, names []string) error {
			if jobsFile == "" {
				return &exitError{2, "run: --jobs FILE is required"}
			}
			jobs, err := capture.LoadJobs(jobsFile)
			if err != nil {
				return &exitError{2, err.Error()}
			}
			if jobs, err = capture.SelectJobs(jobs, names); err != nil {
				return &exitError{2, err.Error()}
			}
			con := newConsole(cmd.ErrOrStderr(), !noProgress && isTerminal(cmd.ErrOrStderr()))
			logger, err := newLoggerTo(logLevel, con)
			if err != nil {
				return &exitError{2, err.Error()}
			}
			r.log, r.out, r.remote = logger, cmd.OutOrStdout(), remoteFlag
			r.progress = func() *progress { return newProgress(con, logger) }
			failed := 0
			for _, j := range jobs {
				res, err := r.run(cmd.Context(), j)
				if cmd.Context().Err() != nil {
					return &exitError{130, "run interrupted; its WARC files are closed and valid, and `vellum run --resume` carries it on"}
				}
				if err != nil || res.Run.Status != index.RunOK {
					failed++
				}
				if err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "vellum: job %s: %s\n", j.Name, oneLine(err))
				}
			}
			if failed > 0 {
				return &exitError{1, fmt.Sprintf("%d of %d jobs failed", failed, len(jobs))}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&jobsFile, "jobs", "", "jobs file (YAML)")
	f.StringVar(&r.archive, "archive", r.archive, "archive directory (WARCs, CDXJ, vellum.db, runs/)")
	f.BoolVar(&r.resume, "resume", false, "also resume a job's latest run when it was interrupted (Ctrl-C, SIGTERM)")
	f.StringVar(&remoteFlag, "remote", "", "upload to this S3-compatible store, s3://bucket/prefix (overrides the jobs' remote)")
	f.BoolVar(&r.keepLocal, "keep-local", true, "keep local WARC files after a verified upload")
	f.StringVar(&r.replayBase, "replay-url", r.replayBase, "base URL of vellum serve, for the links in webhooks")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	f.BoolVar(&noProgress, "no-progress", false, "no progress line, even on a terminal")
	return cmd
}

// jobRunner runs jobs as captures into one archive: for `vellum run` and
// for the schedules of `vellum serve --jobs`.
type jobRunner struct {
	archive    string
	replayBase string
	resume     bool   // resume interrupted runs too (crashed ones always are)
	remote     string // overrides the jobs' remote when set
	keepLocal  bool
	log        *slog.Logger
	out        io.Writer        // run summaries; nil = none
	progress   func() *progress // nil = no progress display
	onDone     func(j capture.Job, res *capture.Result, err error)
}

// run runs one job: a fresh run, or the job's unfinished one resumed.
func (r *jobRunner) run(ctx context.Context, j capture.Job) (*capture.Result, error) {
	cfg := capture.DefaultConfig()
	j.Apply(&cfg)
	cfg.Archive = r.archive
	cfg.Logger = r.log.With("job", j.Name)
	if u, err := user.Current(); err == nil {
		cfg.Operator = u.Username
	}
	if prev, ok, err := r.resumable(ctx, j.Name); err != nil {
		return nil, err
	} else if ok {
		cfg.RunID, cfg.Resume = prev.ID, true
		cfg.Logger.Info("resuming the job's unfinished run", "run", prev.ID, "status", prev.Status, "started", prev.Started)
	}
	var prog *progress
	if r.progress != nil {
		prog = r.progress()
		cfg.OnProgress = prog.update
	}
	remoteFlag := j.Remote
	if r.remote != "" {
		remoteFlag = r.remote
	}
	rem, err := parseRemote(remoteFlag)
	if err != nil {
		return nil, err
	}
	var up *uploadSession
	if rem != nil {
		if up, err = startUploads(ctx, cfg.Archive, rem, r.keepLocal, cfg.Logger); err != nil {
			return nil, err
		}
		defer up.close()
		cfg.OnFileClosed = up.closed
		// A resumed run reads back what it captured from the store when
		// --keep-local=false removed the local copy.
		cfg.Records = &storage.Layered{Local: local.New(cfg.Archive), Remote: rem.store}
	}
	res, err := capture.Run(ctx, cfg, j.Seeds)
	if prog != nil {
		prog.finish()
	}
	if res != nil && r.out != nil {
		printRun(r.out, r.replayBase, res)
	} else if res != nil {
		for _, s := range res.Seeds {
			if !s.OK() { // capture reports a seed's failure with the seed, not in its log
				cfg.Logger.Warn("seed failed", "seed", s.Seed, "err", oneLine(s.Err))
			}
		}
	}
	if fullDiskError(err, res) != nil {
		err = errors.New(diskFullLine(cfg.Archive))
	}
	if err == nil && up != nil {
		err = up.finish(ctx, r.out)
	}
	if res != nil && j.Webhook != "" && res.Run.Status != index.RunInterrupted {
		if n := capture.NewChangeNotice(r.replayBase, res.Run, res.Changes); n != nil {
			if nerr := capture.Notify(ctx, nil, j.Webhook, n); nerr != nil {
				// The run stands; its changes are in runs/<id>.json and at /runs.
				nerr = fmt.Errorf("%d changed pages not notified: %w (they are listed at %s)", len(n.Changed), nerr, n.RunURL)
				cfg.Logger.Error("webhook not notified", "err", oneLine(nerr))
				err = errors.Join(err, nerr)
			} else {
				cfg.Logger.Info("webhook notified", "changed", len(n.Changed))
			}
		}
	}
	if r.onDone != nil {
		r.onDone(j, res, err)
	}
	return res, err
}

func (r *jobRunner) resumable(ctx context.Context, job string) (index.Run, bool, error) {
	idx, _, err := index.OpenArchive(ctx, r.archive, true)
	if err != nil {
		return index.Run{}, false, err
	}
	defer idx.Close()
	return capture.FindResumable(ctx, idx, r.archive, job, r.resume)
}

// runSummaryLine is a run's summary: its counts, each the sum of what its page
// at /runs/<id> lists.
func runSummaryLine(res *capture.Result) string {
	run := res.Run
	c := run.Counts
	return fmt.Sprintf("run %s  job %s  %s  %d pages (%d new, %d changed, %d unchanged), %d requisites, %d revisits, %s, %d errors, %d skipped, %d files, %s",
		run.ID, jobName(run.Job), strings.ToUpper(run.Status), c.Pages, c.New, c.Changed, c.Unchanged, c.Requisites, c.Revisits,
		humanBytes(c.Bytes), c.Errors, c.Skipped, c.Files, run.Ended.Sub(run.Started).Round(1e7))
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
			fmt.Fprintf(w, "  changed  %s  %s\n", ch.URL, base+capture.DiffPath(res.Run.ID, ch.URL))
		}
	}
}
