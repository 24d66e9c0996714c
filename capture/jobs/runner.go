package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/user"
	"sync"
	"time"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/internal/oneline"
	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/storage/local"
	"github.com/vellumhq/vellum/warc"
)

// Runner runs jobs as captures into one archive: for `vellum run` and for
// the schedules of `vellum serve --jobs`. Its zero value needs Archive; what
// is printed, and how files reach a remote store, the caller plugs in.
type Runner struct {
	Archive    string
	ReplayBase string // base URL of vellum serve, for the links in webhooks
	Resume     bool   // resume interrupted runs too (crashed ones always are)
	Remote     string // overrides the jobs' remote when set
	KeepLocal  bool   // keep local WARC files after a verified upload

	// Browser is how jobs that ask for the browser (browser: true or auto)
	// run it: Chromium's path, its time limit and tabs, extra flags. The
	// job's browser: key sets the mode.
	Browser capture.BrowserConfig

	// Index is the archive's open index, owned by the caller (serve keeps
	// one for its lifetime). When nil, each run opens Archive's index once
	// and closes it when the run ends.
	Index Index
	// Shared says Index is shared by the machines of a cluster: a job's
	// latest run left unfinished is resumed only by the machine it began
	// on (its runs/<id> files are in Archive), never by another one, which
	// would write WARC files of the same names.
	Shared bool
	// Abandon, on a machine of a cluster with a shared frontier, is how
	// every run's repair of a file a dead worker of this archive left open
	// gives its claims back and leaves out what others fetched again
	// (capture.Config.Abandon); nil: such a file is repaired whole.
	Abandon capture.Abandon

	// Join, when set, makes each scheduled run of a job (RunAndLog) this
	// machine's part of the job's one run across a cluster: it is called
	// as the run starts, and what it returns sets the run's capture
	// settings (the shared frontier's run and worker).
	Join func(ctx context.Context, j Job) (func(*capture.Config), error)

	Log *slog.Logger // nil = no log

	// Uploads starts the upload of a run's files when the run has a remote;
	// nil fails the jobs that have one.
	Uploads StartUploads

	Out      io.Writer                 // where uploads are counted ("uploaded 2 files to ..."); nil = nowhere
	Report   func(res *capture.Result) // prints a run's outcome; nil = its failed seeds are logged
	Progress func() Progress           // a display of one run's progress; nil = none
	OnDone   func(j Job, res *capture.Result, err error)

	mu      sync.Mutex
	running map[string]bool // named jobs with a run going on
}

// Index is the index as a run uses it: the capture engine's, and the
// upload state of the run's files. *index.Index is one, and so is the
// PostgreSQL index (asserted in cmd/vellum).
type Index interface {
	capture.Index
	storage.FileState
	FileState(ctx context.Context, name string) (string, error) // index.StatePending, index.StateUploaded or ""
}

var _ Index = (*index.Index)(nil)

// ErrJobRunning is returned for a job whose previous run is still going
// on (a turn of its schedule, or a run asked for over HTTP): one job never
// runs twice at once.
var ErrJobRunning = errors.New("the job is already running")

// claim marks a named job as running; release undoes it.
func (r *Runner) claim(name string) error {
	if name == "" {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running[name] {
		return fmt.Errorf("job %s: %w", name, ErrJobRunning)
	}
	if r.running == nil {
		r.running = map[string]bool{}
	}
	r.running[name] = true
	return nil
}

// Running reports whether the named job has a run going on.
func (r *Runner) Running(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.running[name]
}

func (r *Runner) release(name string) {
	if name == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.running, name)
}

// Progress shows one run's progress while it goes.
type Progress interface {
	Update(capture.Stats) // the capture's OnProgress
	Finish()              // the run ended
}

// StartUploads starts sending a run's files to cfg.Remote beside the
// capture (and the files earlier runs left pending).
type StartUploads func(ctx context.Context, cfg UploadConfig) (Uploads, error)

// UploadConfig is what an upload session of one run is given.
type UploadConfig struct {
	Archive   string
	Remote    string // s3://bucket[/prefix]
	KeepLocal bool   // keep local files after a verified upload
	Index     Index  // the archive's open index, which keeps the upload state; the caller closes it
	Log       *slog.Logger
}

// Uploads is one run's upload session.
type Uploads interface {
	// FileClosed is the capture's OnFileClosed: it hands the finished WARC
	// file and its CDXJ to the uploader.
	FileClosed(warc.ClosedFile)
	// Remote is the remote store, which a resumed run reads its own
	// records back from when --keep-local=false removed the local copies.
	Remote() storage.Store
	// Finish waits for the uploads, says how many files went up (to out,
	// when not nil) and returns an error naming what is still pending.
	Finish(ctx context.Context, out io.Writer) error
	// Close waits for the uploads still going and ends the session.
	Close()
}

// Run runs one job: a fresh run, or the job's unfinished one resumed. The
// run's outcome is in the Result; the error is for a run that could not
// happen or did not end well (a full disk, uploads left pending, a webhook
// not notified).
func (r *Runner) Run(ctx context.Context, j Job) (*capture.Result, error) {
	return r.run(ctx, j, true, nil)
}

// RunWith is Run with set, when not nil, given the run's capture settings
// just before the capture starts (RunID is set by then): serve follows the
// progress of a job run asked for over HTTP with it.
func (r *Runner) RunWith(ctx context.Context, j Job, set func(*capture.Config)) (*capture.Result, error) {
	return r.run(ctx, j, true, set)
}

// Capture captures j's seeds now as a fresh run, never resuming an earlier
// one: a capture asked for over HTTP, whose j has no name (an ad-hoc
// capture, as `vellum capture` makes) and no webhook. set is as for
// RunWith; serve gives captures asked for over HTTP their dialer with it.
func (r *Runner) Capture(ctx context.Context, j Job, set func(*capture.Config)) (*capture.Result, error) {
	return r.run(ctx, j, false, set)
}

// run runs j; resumable looks for the job's unfinished run to carry on.
func (r *Runner) run(ctx context.Context, j Job, resumable bool, set func(*capture.Config)) (*capture.Result, error) {
	if err := r.claim(j.Name); err != nil {
		return nil, err
	}
	defer r.release(j.Name)
	log := r.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := capture.DefaultConfig()
	cfg.Browser = r.Browser
	j.Apply(&cfg)
	cfg.Archive = r.Archive
	cfg.Abandon = r.Abandon
	cfg.Logger = log.With("job", j.Name)
	if u, err := user.Current(); err == nil {
		cfg.Operator = u.Username
	}
	// One index for the whole run: the resume check, the upload state and
	// the capture share it.
	idx := r.Index
	if idx == nil {
		x, _, err := index.OpenArchive(ctx, r.Archive, true)
		if err != nil {
			return nil, err
		}
		defer x.Close()
		idx = x
	}
	cfg.Index = idx
	if resumable {
		prev, ok, err := capture.FindResumable(ctx, idx, r.Archive, j.Name, r.Resume)
		if err != nil {
			return nil, err
		}
		if ok && r.Shared && !layout.RunBegunIn(r.Archive, prev.ID) {
			cfg.Logger.Warn("the job's unfinished run began on another machine; starting a new run", "run", prev.ID, "status", prev.Status)
			ok = false
		}
		if ok {
			cfg.RunID, cfg.Resume = prev.ID, true
			cfg.Logger.Info("resuming the job's unfinished run", "run", prev.ID, "status", prev.Status, "started", prev.Started)
		}
	}
	if cfg.RunID == "" {
		cfg.RunID = capture.NewRunID(time.Now())
	}
	var prog Progress
	if r.Progress != nil {
		prog = r.Progress()
		cfg.OnProgress = prog.Update
	}
	remote := j.Remote
	if r.Remote != "" {
		remote = r.Remote
	}
	var up Uploads
	if remote != "" {
		if r.Uploads == nil {
			return nil, fmt.Errorf("remote %s: this command does not upload", remote)
		}
		var err error
		up, err = r.Uploads(ctx, UploadConfig{Archive: r.Archive, Remote: remote, KeepLocal: r.KeepLocal, Index: idx, Log: cfg.Logger})
		if err != nil {
			return nil, err
		}
		defer up.Close()
		cfg.OnFileClosed = up.FileClosed
		// A resumed run reads back what it captured from the store when
		// --keep-local=false removed the local copy.
		cfg.Records = &storage.Layered{Local: local.New(cfg.Archive), Remote: up.Remote()}
	}
	if set != nil {
		set(&cfg)
	}
	res, err := capture.Run(ctx, cfg, j.Seeds)
	if prog != nil {
		prog.Finish()
	}
	if res != nil && r.Report != nil {
		r.Report(res)
	} else if res != nil {
		for _, s := range res.Seeds {
			if !s.OK() { // capture reports a seed's failure with the seed, not in its log
				cfg.Logger.Warn("seed failed", "seed", s.Seed, "err", oneline.Of(s.Err))
			}
		}
	}
	if full := capture.DiskFull(cfg.Archive, err, res); full != nil {
		err = full
	}
	if err == nil && up != nil {
		err = up.Finish(ctx, r.Out)
	}
	if res != nil && j.Webhook != "" && res.Run.Status != index.RunInterrupted {
		if nerr := r.notify(ctx, cfg.Logger, j.Webhook, res); nerr != nil {
			err = errors.Join(err, nerr)
		}
	}
	if r.OnDone != nil {
		r.OnDone(j, res, err)
	}
	return res, err
}

// notify POSTs the run's changed pages to the job's webhook. A webhook that
// fails leaves the run as it is: its changes are in runs/<id>.json and at
// /runs.
func (r *Runner) notify(ctx context.Context, log *slog.Logger, webhook string, res *capture.Result) error {
	n := NewChangeNotice(r.ReplayBase, res.Run, res.Changes)
	if n == nil {
		return nil
	}
	if err := Notify(ctx, nil, webhook, n); err != nil {
		err = fmt.Errorf("%d changed pages not notified: %w (they are listed at %s)", len(n.Changed), err, n.RunURL)
		log.Error("webhook not notified", "err", oneline.Of(err))
		return err
	}
	log.Info("webhook notified", "changed", len(n.Changed))
	return nil
}

// RunAndLog runs one job and logs how it ended: the run of a scheduled
// turn, which has no one to return its outcome to.
func (r *Runner) RunAndLog(ctx context.Context, j Job) {
	log := r.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var res *capture.Result
	var err error
	if r.Join == nil {
		res, err = r.Run(ctx, j)
	} else {
		var set func(*capture.Config)
		if set, err = r.Join(ctx, j); err == nil {
			res, err = r.RunWith(ctx, j, set)
		}
	}
	switch {
	case err != nil:
		log.Error("run failed", "job", j.Name, "err", oneline.Of(err))
	case res != nil:
		c := res.Run.Counts
		log.Info("run ended", "job", j.Name, "run", res.Run.ID, "status", res.Run.Status, "pages", c.Pages,
			"new", c.New, "changed", c.Changed, "unchanged", c.Unchanged, "revisits", c.Revisits, "errors", c.Errors)
	}
}
