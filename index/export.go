package index

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The queries WACZ export (package wacz) selects and copies captures with.

// CaptureCounts returns, for every WARC file, how many of its captures a
// lookup can return (attempts superseded within their run left out): the
// file is exported whole when every one of them is selected.
func (x *Index) CaptureCounts(ctx context.Context) (map[string]int64, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT filename, count(*) FROM captures WHERE superseded = 0 GROUP BY filename`)
	if err != nil {
		return nil, fmt.Errorf("index: count captures: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return nil, fmt.Errorf("index: count captures: %w", err)
		}
		out[name] = n
	}
	return out, rows.Err()
}

// CapturesOfFile returns every capture of one WARC file, superseded attempts
// included, by offset.
func (x *Index) CapturesOfFile(ctx context.Context, filename string) ([]Capture, error) {
	return x.captures(ctx, `SELECT `+captureCols+` FROM captures WHERE filename = ? ORDER BY offset`, filename)
}

// CapturesBetween streams every capture a lookup can return whose timestamp
// lies in [from, to] (14 digits each), by file and offset.
func (x *Index) CapturesBetween(ctx context.Context, from, to string, fn func(Capture) error) error {
	const chunk = 10000
	after, afterOff := "", int64(-1)
	for {
		caps, err := x.captures(ctx, `SELECT `+captureCols+` FROM captures WHERE superseded = 0 AND ts >= ? AND ts <= ?
			AND (filename, offset) > (?, ?) ORDER BY filename, offset LIMIT ?`, from, to, after, afterOff, chunk)
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

// AddFile indexes a WARC file (relative to root) that the index has no rows
// of yet, a new file such as an imported one, adding its rows in batches as
// it reads them: its memory does not grow with the file, however many pages
// and texts it holds. It returns how many captures and pages it added; on
// damage, the rows read before it stay added and the error says where.
func (x *Index) AddFile(ctx context.Context, root, name string) (caps, pages int, err error) {
	return AddFileTo(ctx, x, root, name)
}

// RowAdder is an index that adds rows: *Index, and the PostgreSQL index
// (index/postgres).
type RowAdder interface {
	Add(ctx context.Context, caps []Capture, pages []Page) error
}

// AddFileTo is AddFile for any index that adds rows.
func AddFileTo(ctx context.Context, x RowAdder, root, name string) (caps, pages int, err error) {
	f, err := os.Open(filepath.Join(root, filepath.FromSlash(name)))
	if err != nil {
		return 0, 0, fmt.Errorf("index: %w", err)
	}
	defer f.Close()
	const batchBytes = 4 << 20 // of page text
	var cb []Capture
	var pb []Page
	size := 0
	flush := func() error {
		if len(cb)+len(pb) == 0 {
			return nil
		}
		err := x.Add(ctx, cb, pb)
		caps, pages = caps+len(cb), pages+len(pb)
		cb, pb, size = cb[:0], pb[:0], 0
		return err
	}
	err = eachRow(bufio.NewReaderSize(f, 256<<10), name, func(c *Capture, p *Page) error {
		if c != nil {
			cb = append(cb, *c)
		} else {
			pb = append(pb, *p)
			size += len(p.Text)
		}
		if len(cb)+len(pb) >= 1000 || size >= batchBytes {
			return flush()
		}
		return nil
	})
	if ferr := flush(); err == nil {
		err = ferr
	}
	return caps, pages, err
}

// FileOfRecord returns the WARC file of the capture whose record ID is id
// ("" when the index has none): how import knows a file whose records it
// already holds, under another name. The captures are scanned, which an
// import can afford.
func (x *Index) FileOfRecord(ctx context.Context, id string) (string, error) {
	var name string
	err := x.db.QueryRowContext(ctx, `SELECT filename FROM captures WHERE record_id = ? LIMIT 1`, id).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("index: find record %s: %w", id, err)
	}
	return name, nil
}
