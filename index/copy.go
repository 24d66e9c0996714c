package index

import (
	"context"
	"fmt"

	"github.com/vellumhq/vellum/storage"
)

// What a copy of this index to another (the PostgreSQL index's CopyFrom,
// for `vellum index --index postgres://` on an archive) reads: every row,
// in chunks, so the copy's memory does not grow with the archive.

// copyChunk is how many rows EachCapture and EachPage hand over at once.
const copyChunk = 5000

// EachCapture streams every capture row, superseded attempts included, by
// file and offset, copyChunk rows at a time.
func (x *Index) EachCapture(ctx context.Context, fn func([]Capture) error) error {
	after, afterOff := "", int64(-1)
	for {
		caps, err := x.captures(ctx, `SELECT `+captureCols+` FROM captures WHERE (filename, offset) > (?, ?)
			ORDER BY filename, offset LIMIT ?`, after, afterOff, copyChunk)
		if err != nil || len(caps) == 0 {
			return err
		}
		if err := fn(caps); err != nil {
			return err
		}
		last := caps[len(caps)-1]
		after, afterOff = last.Filename, last.Offset
	}
}

// EachPage streams every page row by file and offset, copyChunk rows at a
// time.
func (x *Index) EachPage(ctx context.Context, fn func([]Page) error) error {
	after, afterOff := "", int64(-1)
	for {
		pages, err := x.pages(ctx, `SELECT `+pageCols+` FROM pages WHERE (filename, offset) > (?, ?)
			ORDER BY filename, offset LIMIT ?`, after, afterOff, copyChunk)
		if err != nil || len(pages) == 0 {
			return err
		}
		if err := fn(pages); err != nil {
			return err
		}
		last := pages[len(pages)-1]
		after, afterOff = last.Filename, last.Offset
	}
}

// FileRecord is the upload state of one finished file.
type FileRecord struct {
	storage.File
	State string // StatePending or StateUploaded
}

// Files returns the upload state of every finished file, by name.
func (x *Index) Files(ctx context.Context) ([]FileRecord, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT name, size, sha256, attempts, last_error, state FROM files ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("index: files: %w", err)
	}
	defer rows.Close()
	var out []FileRecord
	for rows.Next() {
		var f FileRecord
		if err := rows.Scan(&f.Name, &f.Size, &f.SHA256, &f.Attempts, &f.LastError, &f.State); err != nil {
			return nil, fmt.Errorf("index: files: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
