package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/internal/pause"
	"github.com/vellumhq/vellum/storage/local"
	"github.com/vellumhq/vellum/warc"
)

// runBook keeps a run's entry in the run history: started in the index,
// its counts saved while it runs, and ended with its outcome, changes and a
// runs/<id>.json summary.
type runBook struct {
	idx     runIndex
	cfg     Config
	run     index.Run
	base    index.RunCounts // counts of the earlier part of a resumed run
	front   *index.FrontierWriter
	archive *archived
	items   []index.FrontierItem    // a resumed run's frontier
	changes *syncList[index.Change] // a run without a frontier (no job): its page changes
	missed  *problemLog             // URLs skipped or failed, not yet in the index
	lock    *runLock                // held while the run goes on
}

// closeFrontier writes the rest of the frontier, when the run keeps one.
func (b *runBook) closeFrontier() error {
	if b.front == nil {
		return nil
	}
	return b.front.Close()
}

func startRun(ctx context.Context, idx runIndex, cfg Config, seeds []string) (_ *runBook, err error) {
	b := &runBook{idx: idx, cfg: cfg, missed: &problemLog{}}
	// Held before the run is looked at: two processes resuming one run
	// (`vellum run` and a scheduled turn) cannot both go on with it.
	if b.lock, err = lockRun(cfg.Archive, cfg.RunID); err != nil {
		return nil, fmt.Errorf("run %s: %w", cfg.RunID, err)
	}
	defer func() {
		if err != nil {
			b.lock.release()
		}
	}()
	if err := afterLastRun(ctx, idx, cfg.Job); err != nil {
		return nil, err
	}
	var seq int64
	if cfg.Resume {
		r, ok, err := idx.GetRun(ctx, cfg.RunID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("resume: no run %s in %s", cfg.RunID, idx.Path())
		}
		if r.Status != index.RunRunning && r.Status != index.RunInterrupted {
			return nil, fmt.Errorf("resume: run %s already ended (%s)", r.ID, r.Status)
		}
		store := cfg.Records
		if store == nil {
			store = local.New(cfg.Archive)
		}
		if b.archive, err = loadArchived(ctx, store, idx, r.ID); err != nil {
			return nil, err
		}
		if b.items, err = idx.Frontier(ctx, r.ID); err != nil {
			return nil, err
		}
		if seq, err = idx.FrontierSize(ctx, r.ID); err != nil {
			return nil, err
		}
		r.Resumes++
		b.run, b.base = r, r.Counts
	} else {
		b.run = index.Run{ID: cfg.RunID, Job: cfg.Job, Seeds: seeds, Started: time.Now().UTC()}
	}
	if b.run.Seeds == nil {
		b.run.Seeds = []string{}
	}
	b.run.Status, b.run.Ended, b.run.Error = index.RunRunning, time.Time{}, ""
	b.run.Host, _ = os.Hostname()
	b.run.PID = os.Getpid()
	if err := idx.SaveRun(ctx, b.run); err != nil {
		return nil, err
	}
	// Only a job's runs can be resumed (`vellum run` finds them by job):
	// an ad-hoc capture keeps no frontier, only its page changes.
	// A run on a shared frontier has its frontier there, and keeps its
	// changes as an ad-hoc capture does.
	if cfg.Job != "" && cfg.Frontier == nil {
		b.front = idx.NewFrontierWriter(b.run.ID, seq)
	} else {
		b.changes = &syncList[index.Change]{}
	}
	return b, nil
}

// afterLastRun waits, when the job's latest run ended within the current
// second, for the next one: replay names captures to the second, and two
// captures of a URL in one second could not be told apart (@every 1s).
func afterLastRun(ctx context.Context, idx RunLister, job string) error {
	runs, err := idx.Runs(ctx, job, 1)
	if err != nil || len(runs) == 0 || runs[0].Ended.IsZero() {
		return err
	}
	now := time.Now().UTC()
	if end := runs[0].Ended.UTC().Truncate(time.Second); !now.Truncate(time.Second).After(end) {
		if !pause.For(ctx, end.Add(time.Second).Sub(now)) {
			return ctx.Err()
		}
	}
	return nil
}

// counts adds what this process did to what earlier parts of the run did.
// Pages and requisites a resumed run counts itself: those finished before
// are counted from its frontier, the rest as it goes.
func (b *runBook) counts(s Stats) index.RunCounts {
	c := b.base
	c.Pages, c.Requisites = s.Pages, s.Requisites
	c.Bytes += s.Bytes
	c.Errors += s.Errors
	c.Revisits += s.Revisits
	return c
}

// saveWhileRunning saves the run's counts every few seconds, so the history
// shows a long run's progress and a crashed run keeps most of its counts.
// The returned function stops it.
func (b *runBook) saveWhileRunning(ctx context.Context, st *counters) func() {
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				r := b.run
				r.Counts = b.counts(st.snapshot())
				_ = b.missed.flush(context.WithoutCancel(ctx), b.idx, r.ID)
				_ = b.idx.SaveRun(context.WithoutCancel(ctx), r)
			case <-stop:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() { close(stop); <-done }
}

// abort ends a run that could not get going: failed, with the reason.
func (b *runBook) abort(ctx context.Context, cause error) error {
	defer b.lock.release()
	ferr := b.closeFrontier()
	r := b.run
	r.Ended, r.Status, r.Error = time.Now().UTC(), index.RunFailed, cause.Error()
	return errors.Join(cause, ferr, b.idx.SaveRun(ctx, r))
}

// finish ends the run: interrupted (resumable) when it was stopped, failed
// when a seed failed or the files could not be closed, ok otherwise.
func (b *runBook) finish(ctx context.Context, res *Result, stopped bool, closeErr error) error {
	defer b.lock.release()
	ferr := b.closeFrontier()
	r := b.run
	r.Ended = time.Now().UTC()
	r.Counts = b.counts(res.Stats)
	files := runFiles(b.cfg.Archive, r.ID, res.Files)
	r.Counts.Files = len(files)
	switch {
	case stopped:
		r.Status = index.RunInterrupted
	case closeErr != nil || ferr != nil:
		r.Status, r.Error = index.RunFailed, errors.Join(closeErr, ferr).Error()
	case res.Failed() > 0:
		r.Status = index.RunFailed
		r.Error = fmt.Sprintf("%d of %d seeds failed", res.Failed(), len(res.Seeds))
	default:
		r.Status = index.RunOK
	}
	var err error
	var mine []index.Change // this process's page changes, when it keeps them apart
	switch {
	case b.front == nil:
		changes := b.changes.take()
		mine = changes
		for i := range changes {
			changes[i].RunID = r.ID
		}
		if err = b.idx.AddChanges(ctx, changes); err == nil {
			res.Changes, err = b.idx.Changes(ctx, r.ID, "")
		}
	case r.Status == index.RunInterrupted:
		res.Changes, err = b.idx.FrontierChanges(ctx, r.ID)
	default:
		if err = b.idx.FinishFrontier(ctx, r.ID); err == nil {
			res.Changes, err = b.idx.Changes(ctx, r.ID, "")
		}
	}
	// Every count is the sum of what the run lists: its page changes, and
	// its skipped and failed URLs (with those of a resumed run's earlier part).
	if ps, perr := b.missed.recorded(ctx, b.idx, r.ID); perr != nil {
		err = errors.Join(err, perr)
	} else {
		res.Problems = ps
		r.Counts.Errors, r.Counts.Skipped = countProblems(ps)
	}
	counted := res.Changes
	sums, shared := b.cfg.Frontier.(runTotals)
	if shared {
		// This worker's part only: on a shared index the run's changes and
		// problems are every worker's so far.
		counted = mine
		r.Counts.Errors, r.Counts.Skipped = res.Stats.Errors, res.Stats.Skipped
	}
	r.Counts.New, r.Counts.Changed, r.Counts.Unchanged = 0, 0, 0
	for _, ch := range counted {
		switch ch.Change {
		case index.ChangeNew:
			r.Counts.New++
		case index.ChangeChanged:
			r.Counts.Changed++
		case index.ChangeUnchanged:
			r.Counts.Unchanged++
		}
	}
	r.Counts.Pages = r.Counts.New + r.Counts.Changed + r.Counts.Unchanged
	res.Stats.New, res.Stats.Changed, res.Stats.Unchanged = r.Counts.New, r.Counts.Changed, r.Counts.Unchanged
	res.Stats.Pages, res.Stats.Errors, res.Stats.Skipped = r.Counts.Pages, r.Counts.Errors, r.Counts.Skipped
	var saveErr error
	if shared {
		res.Run, res.Part, saveErr = b.saveShared(ctx, sums, r)
	} else {
		res.Run, saveErr = r, b.idx.SaveRun(ctx, r)
	}
	return errors.Join(err, saveErr, writeRunJSON(b.cfg.Archive, res.Run, res, files))
}

// RunSummary is the content of runs/<id>.json.
type RunSummary struct {
	index.Run
	Files   []string       `json:"files"`
	Changes []index.Change `json:"changes"`
	Failed  []SeedFailure  `json:"failed_seeds,omitempty"`
	// Problems are the URLs skipped (robots.txt) or failed, with the reason.
	Problems []index.Problem `json:"problems"`
}

// SeedFailure is a seed that was not archived, and why.
type SeedFailure struct {
	Seed  string `json:"seed"`
	Error string `json:"error"`
}

// runFiles lists the WARC files of a run, earlier parts of a resumed run
// included: those on disk, and those this process wrote (uploaded and
// removed with --keep-local=false, perhaps).
func runFiles(archive, id string, written []warc.ClosedFile) []string {
	seen := map[string]bool{}
	var out []string
	paths, _ := filepath.Glob(layout.WARCGlob(archive, id+"-*.warc.gz"))
	for _, p := range paths {
		if rel, err := filepath.Rel(archive, p); err == nil && !seen[filepath.ToSlash(rel)] {
			seen[filepath.ToSlash(rel)] = true
			out = append(out, filepath.ToSlash(rel))
		}
	}
	for _, f := range written {
		if !seen[f.Filename] {
			seen[f.Filename] = true
			out = append(out, f.Filename)
		}
	}
	sort.Strings(out)
	return out
}

func writeRunJSON(archive string, r index.Run, res *Result, files []string) error {
	s := RunSummary{Run: r, Files: files, Changes: res.Changes, Problems: res.Problems}
	if s.Changes == nil {
		s.Changes = []index.Change{}
	}
	if s.Problems == nil {
		s.Problems = []index.Problem{}
	}
	if s.Files == nil {
		s.Files = []string{}
	}
	for _, sr := range res.Seeds {
		if sr.Err != nil {
			s.Failed = append(s.Failed, SeedFailure{Seed: sr.Seed, Error: sr.Err.Error()})
		}
	}
	dir := layout.Runs(archive)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("run summary: %w", err)
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, r.ID+".json")
	tmp := path + ".tmp"
	err = os.WriteFile(tmp, append(data, '\n'), 0o644)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp) // a full disk must not leave half a summary behind
		return fmt.Errorf("run summary: %w", err)
	}
	return nil
}

// ImportRunHistory restores the run history of vellum.db from the
// runs/<id>.json summaries of an archive (after vellum.db was lost or
// deleted): runs the index lacks are added with their page changes. It
// returns how many it added; a summary it cannot read is reported and skipped.
func ImportRunHistory(ctx context.Context, idx HistoryIndex, archive string) (int, []string, error) {
	files, err := filepath.Glob(filepath.Join(layout.Runs(archive), "*.json"))
	if err != nil {
		return 0, nil, err
	}
	var problems []string
	n := 0
	for _, f := range files {
		var s RunSummary
		data, err := os.ReadFile(f)
		if err == nil {
			err = json.Unmarshal(data, &s)
		}
		if err == nil && s.ID == "" {
			err = errors.New("no run id")
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", f, err))
			continue
		}
		if _, ok, err := idx.GetRun(ctx, s.ID); err != nil {
			return n, problems, err
		} else if ok {
			continue
		}
		for i := range s.Changes {
			s.Changes[i].RunID = s.ID
		}
		if err := idx.SaveRun(ctx, s.Run); err != nil {
			return n, problems, err
		}
		if err := idx.AddChanges(ctx, s.Changes); err != nil {
			return n, problems, err
		}
		for i := range s.Problems {
			s.Problems[i].RunID = s.ID
		}
		if err := idx.AddProblems(ctx, s.Problems); err != nil {
			return n, problems, err
		}
		n++
	}
	return n, problems, nil
}
