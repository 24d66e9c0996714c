package index

import (
	"context"
	"fmt"
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
