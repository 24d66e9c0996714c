package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/index/postgres"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/internal/oneline"
	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/warc"
)

// indexShared is `vellum index --index postgres://…`: it adds to the index
// a cluster shares what this machine holds, and never empties it (Rebuild
// would drop every other worker's rows). A local archive with a vellum.db
// is migrated (CopyFrom: captures, pages, runs, changes, problems, upload
// state); one with WARC files only has them read; then the CDXJ files of
// --remote are imported, but for the WARC files that are local.
func indexShared(ctx context.Context, out io.Writer, x *postgres.Index, archive string, rem *storage.Remote, abandon capture.Abandon) error {
	damaged := 0
	if dirExists(archive) { // else the caller made sure there is a remote

		var err error
		if fileExists(layout.Index(archive)) {
			err = copyArchiveIndex(ctx, out, x, archive, abandon)
		} else {
			damaged, err = addWARCFiles(ctx, out, x, archive, abandon)
		}
		if err != nil {
			return err
		}
	}
	if rem != nil {
		n, err := x.SyncRemote(ctx, rem.Store, layout.HaveLocal(archive))
		if err != nil {
			return fmt.Errorf("index from %s: %v", rem, oneline.Of(err))
		}
		fmt.Fprintf(out, "indexed %d remote CDXJ files from %s\n", n, rem)
	}
	if damaged > 0 {
		return &exitError{1, fmt.Sprintf("%d WARC files are damaged; their readable records are indexed (run vellum verify)", damaged)}
	}
	return nil
}

// copyArchiveIndex migrates the archive's vellum.db, once the files a
// crash left open are repaired into it.
func copyArchiveIndex(ctx context.Context, out io.Writer, x *postgres.Index, archive string, abandon capture.Abandon) error {
	src, _, err := index.OpenArchive(ctx, archive, false)
	if err != nil {
		return err
	}
	defer src.Close()
	repaired, err := capture.RepairArchive(ctx, archive, src, abandon)
	if err != nil {
		return err
	}
	printRepaired(out, repaired)
	st, err := x.CopyFrom(ctx, src)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "copied %d captures, %d pages, %d runs (%d page changes, %d problems) and the upload state of %d files from %s to %s\n",
		st.Captures, st.Pages, st.Runs, st.Changes, st.Problems, st.Files, layout.Index(archive), x.Path())
	return nil
}

// addWARCFiles indexes the archive's WARC files, each replacing the rows
// of its own file only, and restores the run history from runs/. It
// returns how many files are damaged.
func addWARCFiles(ctx context.Context, out io.Writer, x *postgres.Index, archive string, abandon capture.Abandon) (int, error) {
	repaired, err := capture.RepairArchive(ctx, archive, x, abandon)
	if err != nil {
		return 0, err
	}
	printRepaired(out, repaired)
	names, err := index.WARCFiles(archive)
	if err != nil {
		return 0, err
	}
	var caps, pages, damaged int
	for _, name := range names {
		c, p, err := x.AddFile(ctx, archive, name)
		caps, pages = caps+c, pages+p
		if err != nil {
			if ctx.Err() != nil {
				return damaged, ctx.Err()
			}
			fmt.Fprintln(out, oneline.Of(err))
			damaged++
		}
	}
	fmt.Fprintf(out, "indexed %d captures and %d pages from %d WARC files into %s\n", caps, pages, len(names), x.Path())
	runs, bad, err := capture.ImportRunHistory(ctx, x, archive)
	if err != nil {
		return damaged, err
	}
	for _, p := range bad {
		fmt.Fprintln(out, "run summary unreadable:", p)
	}
	if runs > 0 {
		fmt.Fprintf(out, "restored %d runs from %s/\n", runs, layout.RunsDir)
	}
	return damaged, nil
}

// printRepaired says what became of the files a crash left open.
func printRepaired(out io.Writer, repaired []warc.Repaired) {
	for _, r := range repaired {
		if r.Removed {
			fmt.Fprintf(out, "removed %s: not one whole record in it (%d bytes)\n", r.Filename, r.TrimmedBytes)
			continue
		}
		fmt.Fprintf(out, "repaired %s: kept %d records, trimmed %d bytes\n", r.Filename, r.KeptRecords, r.TrimmedBytes)
	}
}

func dirExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}
