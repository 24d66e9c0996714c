package capture

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/warc"
)

// Abandon gives back to a shared run's frontier the claims of a worker
// known dead, and returns the URLs of every claim it gave back
// (frontier.Abandon): records of them in its file are also written by
// whoever fetched them next.
type Abandon func(ctx context.Context, runID, worker string) ([]string, error)

// RepairArchive closes the ".open" WARC files a crashed run left in archive:
// each is trimmed to its last whole record, renamed to its final name, given
// its CDXJ file and re-indexed. Files a live writer still holds are left alone.
// With abandon (a shared frontier), the file of a shared run's worker (named
// <run>-<worker>-<serial>) also leaves out the records of the URLs the dead
// worker had claimed and not reported done: they went back to the queue, and
// the worker that fetches them again writes them, so that every URL of the
// run is in one worker's files.
func RepairArchive(ctx context.Context, archive string, idx Reindexer, abandon Abandon) ([]warc.Repaired, error) {
	var opts warc.RepairOptions
	if abandon != nil {
		opts.Leave = func(name string) (map[string]bool, error) {
			run, worker := index.RunOfFile(name), index.WorkerOfFile(name)
			if run == "" || worker == "" {
				return nil, nil
			}
			urls, err := abandon(ctx, run, worker)
			if err != nil {
				return nil, fmt.Errorf("give back the claims of worker %s of run %s: %w", worker, run, err)
			}
			leave := make(map[string]bool, len(urls))
			for _, u := range urls {
				leave[u] = true
			}
			return leave, nil
		}
	}
	// Every file repaired is re-indexed, even when another could not be
	// repaired: a file whose records moved has rows at their old places
	// until then.
	repaired, err := warc.RepairOpenFilesWith(archive, layout.WARCs(archive), opts)
	var errs []error
	if err != nil {
		errs = append(errs, fmt.Errorf("repair %s: %w", archive, err))
	}
	for _, r := range repaired {
		if err := idx.ReindexFile(ctx, archive, r.Filename); err != nil {
			errs = append(errs, fmt.Errorf("re-index repaired %s: %w", r.Filename, err))
		}
	}
	return repaired, errors.Join(errs...)
}

// repairedClosed hands a file the repair closed to cfg.OnFileClosed, as the
// run's own files are: its uploads began before the repair, when the file
// was still open, and would not see it.
func repairedClosed(cfg Config, r warc.Repaired) {
	if cfg.OnFileClosed == nil || r.Removed {
		return
	}
	fi, err := os.Stat(r.Path)
	if err != nil {
		cfg.Logger.Error("a repaired WARC file is not there", "file", r.Filename, "err", err)
		return
	}
	sum, err := storage.FileSHA256(r.Path)
	if err != nil {
		cfg.Logger.Error("cannot read a repaired WARC file", "file", r.Filename, "err", err)
		return
	}
	cfg.OnFileClosed(warc.ClosedFile{Path: r.Path, Filename: r.Filename, Size: fi.Size(), SHA256: sum, Records: r.KeptRecords})
}
