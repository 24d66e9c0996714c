package postgres

import (
	"context"
	"errors"
	"io/fs"

	"github.com/jackc/pgx/v5"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/storage"
)

// Rows from files: the WARC files of a local archive, and the CDXJ files
// of a remote store, read by package index as for SQLite.

// Rebuild replaces every capture and page row with what the WARC files
// under root/warcs hold, in one transaction: other nodes see the old rows
// until it commits. On a shared index that is every worker's rows: a
// command adding one machine's archive to it wants ReindexFile for each of
// its files, and SyncRemote for the remote store's. A damaged record ends the reading of its file; what
// came before it stays indexed and the damage is reported in Problems.
func (x *Index) Rebuild(ctx context.Context, root string) (index.RebuildStats, error) {
	var st index.RebuildStats
	names, err := index.WARCFiles(root)
	if err != nil {
		return st, err
	}
	err = x.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `TRUNCATE captures, pages, remote_cdxj`); err != nil {
			return err
		}
		for _, name := range names {
			if err := ctx.Err(); err != nil {
				return err
			}
			caps, pages, err := index.ReadFile(root, name)
			if err != nil {
				st.Problems = append(st.Problems, err)
			}
			if err := insert(ctx, tx, caps, pages); err != nil {
				return err
			}
			st.Files++
			st.Captures += len(caps)
			st.Pages += len(pages)
		}
		return nil
	})
	return st, err
}

// ReindexFile replaces the rows of one WARC file (relative to root) with
// what the file holds; a file that is gone keeps no rows.
func (x *Index) ReindexFile(ctx context.Context, root, name string) error {
	caps, pages, err := index.ReadFile(root, name)
	if errors.Is(err, fs.ErrNotExist) {
		caps, pages, err = nil, nil, nil
	}
	if err != nil {
		return err
	}
	return x.ReplaceFile(ctx, name, caps, pages)
}

// AddFile indexes a WARC file (relative to root) that the index has no
// rows of yet, in batches as it reads it (index.AddFileTo).
func (x *Index) AddFile(ctx context.Context, root, name string) (caps, pages int, err error) {
	return index.AddFileTo(ctx, x, root, name)
}

// SyncRemote imports the CDXJ files of a remote store that no node has
// imported yet (or at another size): after it every capture uploaded by any
// worker is replayable with ranged GETs (index.SyncRemoteInto).
func (x *Index) SyncRemote(ctx context.Context, remote storage.Store, haveLocal func(warcName string) bool) (int, error) {
	return index.SyncRemoteInto(ctx, x, remote, haveLocal)
}

// UpdateSearch does nothing: a page's words are indexed as it is added.
// It is here for the serving loop that brings SQLite's up to date.
func (x *Index) UpdateSearch(ctx context.Context) (int, error) { return 0, nil }

// AllCaptures returns every capture, ordered by file and offset.
func (x *Index) AllCaptures(ctx context.Context) ([]index.Capture, error) {
	return x.captures(ctx, `SELECT `+captureCols+` FROM captures ORDER BY filename, "offset"`)
}

// AllPages returns every page, ordered by file and offset.
func (x *Index) AllPages(ctx context.Context) ([]index.Page, error) {
	return x.pages(ctx, `SELECT `+pageCols+` FROM pages ORDER BY filename, "offset"`)
}

// CapturesBetween streams every capture a lookup can return whose
// timestamp lies in [from, to] (14 digits each), by file and offset.
func (x *Index) CapturesBetween(ctx context.Context, from, to string, fn func(index.Capture) error) error {
	const chunk = 10000
	after, afterOff := "", int64(-1)
	for {
		caps, err := x.captures(ctx, `SELECT `+captureCols+` FROM captures WHERE NOT superseded AND ts >= $1 AND ts <= $2
			AND (filename, "offset") > ($3, $4) ORDER BY filename, "offset" LIMIT $5`, from, to, after, afterOff, chunk)
		if err != nil {
			return err
		}
		for _, c := range caps {
			if err := fn(c); err != nil {
				return err
			}
		}
		if len(caps) < chunk {
			return nil
		}
		last := caps[len(caps)-1]
		after, afterOff = last.Filename, last.Offset
	}
}
