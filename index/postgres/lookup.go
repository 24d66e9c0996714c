package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vellumhq/vellum/index"
)

const captureCols = `urlkey, ts, url, type, mime, status, digest, length, "offset", filename, record_id, refers_to_url, refers_to_ts, truncated`

func scanCapture(r pgx.CollectableRow) (index.Capture, error) {
	var c index.Capture
	err := r.Scan(&c.URLKey, &c.Timestamp, &c.URL, &c.Type, &c.MIME, &c.Status, &c.Digest, &c.Length,
		&c.Offset, &c.Filename, &c.RecordID, &c.RefersToURL, &c.RefersToTimestamp, &c.Truncated)
	return c, err
}

func (x *Index) captures(ctx context.Context, q string, args ...any) ([]index.Capture, error) {
	rows, err := x.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("index: query captures: %w", err)
	}
	caps, err := pgx.CollectRows(rows, scanCapture)
	if err != nil {
		return nil, fmt.Errorf("index: read captures: %w", err)
	}
	return caps, nil
}

// Chunk sizes of a scan: the first fits every capture of almost any single
// URL, so an exact lookup is one query.
const (
	firstChunk = 64
	nextChunk  = 1024
)

// Lookup streams the captures q selects to fn, in (urlkey, timestamp)
// order, newest first with q.Reverse, or by distance to q.Closest, as
// index.Index.Lookup does. Rows are read in chunks (keyset pagination) and
// fn runs while no connection is held. A bad q gives a *index.QueryError.
func (x *Index) Lookup(ctx context.Context, q index.Query, fn func(index.Capture) error) error {
	p, err := index.PlanLookup(q)
	if err != nil {
		return err
	}
	if p.Closest == "" {
		return x.scan(ctx, p, fn)
	}
	var near []index.Capture
	if p.Exact && p.Filter == nil && p.Limit > 0 {
		near, err = x.nearest(ctx, p.Lo, p.Closest, p.From, p.To, p.Limit)
	} else {
		err = x.scan(ctx, index.LookupPlan{Lo: p.Lo, Hi: p.Hi, Exact: p.Exact, From: p.From, To: p.To, Filter: p.Filter},
			func(c index.Capture) error { near = append(near, c); return nil })
		index.SortNearest(near, p.Closest)
		if p.Limit > 0 && len(near) > p.Limit {
			near = near[:p.Limit]
		}
	}
	if err != nil {
		return err
	}
	for _, c := range near {
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// scan streams the rows of p in chunks, each resuming after the last row
// of the one before.
func (x *Index) scan(ctx context.Context, p index.LookupPlan, fn func(index.Capture) error) error {
	order, next := `urlkey, ts, filename, "offset"`, `>`
	if p.Reverse {
		order, next = `urlkey DESC, ts DESC, filename DESC, "offset" DESC`, `<`
	}
	where := `urlkey >= $1 AND urlkey < $2`
	if p.Exact {
		where = `urlkey = $1 AND $2::text IS NOT NULL`
	}
	base := `SELECT ` + captureCols + ` FROM captures WHERE ` + where + ` AND ts >= $3 AND ts <= $4 AND NOT superseded`
	var after *index.Capture
	seen, size := 0, firstChunk
	for {
		n := size
		if p.Limit > 0 && p.Filter == nil {
			n = min(n, p.Limit-seen)
		}
		q, args := base, []any{p.Lo, p.Hi, p.From, p.To, n}
		if after != nil {
			q += ` AND (urlkey, ts, filename, "offset") ` + next + ` ($6, $7, $8, $9)`
			args = append(args, after.URLKey, after.Timestamp, after.Filename, after.Offset)
		}
		buf, err := x.captures(ctx, q+` ORDER BY `+order+` LIMIT $5`, args...)
		if err != nil {
			return fmt.Errorf("index: lookup: %w", err)
		}
		for i := range buf {
			if p.Filter != nil && !p.Filter(&buf[i]) {
				continue
			}
			if err := fn(buf[i]); err != nil {
				return err
			}
			if seen++; p.Limit > 0 && seen == p.Limit {
				return nil
			}
		}
		if len(buf) < n {
			return nil
		}
		after, size = &buf[len(buf)-1], nextChunk
	}
}

// nearest returns up to n captures of urlkey within [from, to], nearest to
// at first: each side of at is read with the limit, so few rows are read.
func (x *Index) nearest(ctx context.Context, urlkey, at, from, to string, n int) ([]index.Capture, error) {
	// Most URLs have few captures: all of them in one plain index scan
	// cost less than the two sides of the target read apart.
	all, err := x.captures(ctx, `SELECT `+captureCols+` FROM captures WHERE urlkey = $1 AND ts >= $2 AND ts <= $3 AND NOT superseded
		ORDER BY ts, filename, "offset" LIMIT $4`, urlkey, from, to, firstChunk)
	if err != nil {
		return nil, fmt.Errorf("index: closest: %w", err)
	}
	if len(all) < firstChunk {
		index.SortNearest(all, at)
		if n > 0 && len(all) > n {
			all = all[:n]
		}
		return all, nil
	}
	var limit any = n
	if n < 1 {
		limit = nil // LIMIT NULL: all
	}
	caps, err := x.captures(ctx, `(SELECT `+captureCols+` FROM captures
			WHERE urlkey = $1 AND ts <= $2 AND ts >= $3 AND ts <= $4 AND NOT superseded ORDER BY ts DESC, filename DESC, "offset" DESC LIMIT $5)
		UNION ALL (SELECT `+captureCols+` FROM captures
			WHERE urlkey = $1 AND ts > $2 AND ts >= $3 AND ts <= $4 AND NOT superseded ORDER BY ts, filename, "offset" LIMIT $5)`,
		urlkey, at, from, to, limit)
	if err != nil {
		return nil, fmt.Errorf("index: closest: %w", err)
	}
	index.SortNearest(caps, at)
	if n > 0 && len(caps) > n {
		caps = caps[:n]
	}
	return caps, nil
}

// Closest returns the n captures of one URL key nearest in time to ts (a
// 0–14 digit timestamp, padded to the latest time it can mean), nearest
// first and the earlier first on ties. n < 1 means all of them.
func (x *Index) Closest(ctx context.Context, urlkey, ts string, n int) ([]index.Capture, error) {
	at, err := index.ClosestTimestamp(ts)
	if err != nil {
		return nil, err
	}
	return x.nearest(ctx, urlkey, at, "10000101000000", "99999999999999", n)
}

// Captures returns the captures of one URL key, oldest first (attempts
// superseded within their run left out).
func (x *Index) Captures(ctx context.Context, urlkey string) ([]index.Capture, error) {
	return x.captures(ctx, `SELECT `+captureCols+` FROM captures WHERE urlkey = $1 AND NOT superseded
		ORDER BY ts, filename, "offset"`, urlkey)
}

// Count returns the number of captures a lookup can return.
func (x *Index) Count(ctx context.Context) (int64, error) {
	var n int64
	if err := x.pool.QueryRow(ctx, `SELECT count(*) FROM captures WHERE NOT superseded`).Scan(&n); err != nil {
		return 0, fmt.Errorf("index: count: %w", err)
	}
	return n, nil
}

// Latest returns the latest capture of exactly url (response or revisit)
// that another run than notRun wrote, for deduplication.
func (x *Index) Latest(ctx context.Context, urlkey, url, notRun string) (index.Capture, bool, error) {
	caps, err := x.captures(ctx, `SELECT `+captureCols+` FROM captures
		WHERE urlkey = $1 AND url = $2 AND type IN ('response', 'revisit') AND NOT superseded AND ($3 = '' OR run <> $3)
		ORDER BY ts DESC, filename DESC, "offset" DESC LIMIT 1`, urlkey, url, notRun)
	if err != nil || len(caps) == 0 {
		return index.Capture{}, false, err
	}
	return caps[0], true, nil
}

// ResponseWithDigest returns a response record with the given payload
// digest, of url when there is one: the record a revisit stands for.
func (x *Index) ResponseWithDigest(ctx context.Context, digest, url string) (index.Capture, error) {
	caps, err := x.captures(ctx, `SELECT `+captureCols+` FROM captures WHERE digest = $1 AND type = 'response'
		ORDER BY url = $2 DESC, ts DESC LIMIT 1`, digest, url)
	if err != nil {
		return index.Capture{}, err
	}
	if len(caps) == 0 {
		return index.Capture{}, fmt.Errorf("index: no response with digest %s", digest)
	}
	return caps[0], nil
}

// CapturesOfRun returns the captures written by a run, the final attempt
// only of a URL it retried, by file and offset.
func (x *Index) CapturesOfRun(ctx context.Context, runID string) ([]index.Capture, error) {
	return x.captures(ctx, `SELECT `+captureCols+` FROM captures WHERE run = $1 AND NOT superseded
		ORDER BY filename, "offset"`, runID)
}

// RunFiles returns the WARC files a run wrote that the index holds
// captures of, in name order, with the worker that wrote each.
func (x *Index) RunFiles(ctx context.Context, runID string) ([]index.RunFile, error) {
	rows, err := x.pool.Query(ctx, `SELECT filename, count(*) FROM captures WHERE run = $1 AND NOT superseded
		GROUP BY filename ORDER BY filename`, runID)
	if err != nil {
		return nil, fmt.Errorf("index: files of run %s: %w", runID, err)
	}
	files, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (index.RunFile, error) {
		var f index.RunFile
		err := r.Scan(&f.Name, &f.Captures)
		f.Worker = index.WorkerOfFile(f.Name)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("index: files of run %s: %w", runID, err)
	}
	return files, nil
}

// HasCapturesUnder reports whether any run but notRun captured a URL whose
// key starts with prefix (a host's "com,example)/").
func (x *Index) HasCapturesUnder(ctx context.Context, prefix, notRun string) (bool, error) {
	var found bool
	err := x.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM captures WHERE urlkey >= $1 AND starts_with(urlkey, $1)
		AND ($2 = '' OR run <> $2))`, prefix, notRun).Scan(&found)
	if err != nil {
		return false, fmt.Errorf("index: captures under %s: %w", prefix, err)
	}
	return found, nil
}

// CapturesOfFile returns every capture of one WARC file, superseded
// attempts included, by offset.
func (x *Index) CapturesOfFile(ctx context.Context, filename string) ([]index.Capture, error) {
	return x.captures(ctx, `SELECT `+captureCols+` FROM captures WHERE filename = $1 ORDER BY "offset"`, filename)
}

// CaptureCounts returns, for every WARC file, how many of its captures a
// lookup can return.
func (x *Index) CaptureCounts(ctx context.Context) (map[string]int64, error) {
	rows, err := x.pool.Query(ctx, `SELECT filename, count(*) FROM captures WHERE NOT superseded GROUP BY filename`)
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
