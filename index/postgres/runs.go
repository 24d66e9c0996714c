package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vellumhq/vellum/index"
)

// The run history: runs, the page changes each found, and the URLs each
// skipped or failed. Times keep microseconds (PostgreSQL's timestamptz).

const runCols = `id, job, seeds, started, ended, status, host, pid, resumes, counts, error`

// SaveRun inserts or replaces a run row.
func (x *Index) SaveRun(ctx context.Context, r index.Run) error {
	var ended *time.Time
	if !r.Ended.IsZero() {
		ended = &r.Ended
	}
	seeds := r.Seeds
	if seeds == nil {
		seeds = []string{}
	}
	_, err := x.pool.Exec(ctx, `INSERT INTO runs (`+runCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
		ON CONFLICT (id) DO UPDATE SET job = excluded.job, seeds = excluded.seeds, started = excluded.started,
		ended = excluded.ended, status = excluded.status, host = excluded.host, pid = excluded.pid,
		resumes = excluded.resumes, counts = excluded.counts, error = excluded.error`,
		r.ID, r.Job, seeds, r.Started, ended, r.Status, r.Host, r.PID, r.Resumes, r.Counts, clean(r.Error))
	if err != nil {
		return fmt.Errorf("index: save run %s: %w", r.ID, err)
	}
	return nil
}

func scanRun(row pgx.CollectableRow) (index.Run, error) {
	var r index.Run
	var ended *time.Time
	err := row.Scan(&r.ID, &r.Job, &r.Seeds, &r.Started, &ended, &r.Status, &r.Host, &r.PID, &r.Resumes, &r.Counts, &r.Error)
	r.Started = r.Started.UTC()
	if ended != nil {
		r.Ended = ended.UTC()
	}
	return r, err
}

func (x *Index) runs(ctx context.Context, q string, args ...any) ([]index.Run, error) {
	rows, err := x.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("index: query runs: %w", err)
	}
	runs, err := pgx.CollectRows(rows, scanRun)
	if err != nil {
		return nil, fmt.Errorf("index: read runs: %w", err)
	}
	return runs, nil
}

// GetRun returns one run; ok is false when there is none with that ID.
func (x *Index) GetRun(ctx context.Context, id string) (index.Run, bool, error) {
	runs, err := x.runs(ctx, `SELECT `+runCols+` FROM runs WHERE id = $1`, id)
	if err != nil || len(runs) == 0 {
		return index.Run{}, false, err
	}
	return runs[0], true, nil
}

// Runs returns the newest runs first, at most n (all when n <= 0), of one
// job, or of every job with index.JobAny.
func (x *Index) Runs(ctx context.Context, job string, n int) ([]index.Run, error) {
	var limit any = n
	if n <= 0 {
		limit = nil
	}
	if job == index.JobAny {
		return x.runs(ctx, `SELECT `+runCols+` FROM runs ORDER BY started DESC, id DESC LIMIT $1`, limit)
	}
	return x.runs(ctx, `SELECT `+runCols+` FROM runs WHERE job = $1 ORDER BY started DESC, id DESC LIMIT $2`, job, limit)
}

// RunsWithStatus returns the runs in one state, newest first.
func (x *Index) RunsWithStatus(ctx context.Context, status string) ([]index.Run, error) {
	return x.runs(ctx, `SELECT `+runCols+` FROM runs WHERE status = $1 ORDER BY started DESC, id DESC`, status)
}

// LastRuns returns the latest run of each job.
func (x *Index) LastRuns(ctx context.Context) ([]index.Run, error) {
	return x.runs(ctx, `SELECT DISTINCT ON (job) `+runCols+` FROM runs ORDER BY job, started DESC`)
}

// RunsByStatus counts the runs in each state.
func (x *Index) RunsByStatus(ctx context.Context) (map[string]int64, error) {
	rows, err := x.pool.Query(ctx, `SELECT status, count(*) FROM runs GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("index: count runs: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var s string
		var n int64
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("index: count runs: %w", err)
		}
		out[s] = n
	}
	return out, rows.Err()
}

// RunTotals sums the counts of every run, for metrics.
func (x *Index) RunTotals(ctx context.Context) (index.RunCounts, error) {
	var c index.RunCounts
	err := x.pool.QueryRow(ctx, `SELECT
		coalesce(sum((counts->>'pages')::bigint), 0), coalesce(sum((counts->>'requisites')::bigint), 0),
		coalesce(sum((counts->>'bytes')::bigint), 0), coalesce(sum((counts->>'errors')::bigint), 0),
		coalesce(sum((counts->>'new')::bigint), 0), coalesce(sum((counts->>'changed')::bigint), 0),
		coalesce(sum((counts->>'unchanged')::bigint), 0), coalesce(sum((counts->>'revisits')::bigint), 0),
		coalesce(sum((counts->>'skipped')::bigint), 0)
		FROM runs`).Scan(&c.Pages, &c.Requisites, &c.Bytes, &c.Errors, &c.New, &c.Changed, &c.Unchanged, &c.Revisits, &c.Skipped)
	if err != nil {
		return index.RunCounts{}, fmt.Errorf("index: run totals: %w", err)
	}
	return c, nil
}

// AddChanges records page changes of runs; a URL recorded again for its
// run keeps the latest.
func (x *Index) AddChanges(ctx context.Context, changes []index.Change) error {
	if len(changes) == 0 {
		return nil
	}
	return x.inTx(ctx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, c := range changes {
			b.Queue(`INSERT INTO changes (run_id, url, change, ts, prev_ts) VALUES ($1,$2,$3,$4,$5)
				ON CONFLICT (run_id, url) DO UPDATE SET change = excluded.change, ts = excluded.ts, prev_ts = excluded.prev_ts`,
				c.RunID, clean(c.URL), c.Change, c.TS, c.PrevTS)
		}
		return tx.SendBatch(ctx, b).Close()
	})
}

// Changes returns a run's page changes, by URL, of one kind when kind is
// not "".
func (x *Index) Changes(ctx context.Context, runID, kind string) ([]index.Change, error) {
	rows, err := x.pool.Query(ctx, `SELECT run_id, url, change, ts, prev_ts FROM changes
		WHERE run_id = $1 AND ($2 = '' OR change = $2) ORDER BY url`, runID, kind)
	if err != nil {
		return nil, fmt.Errorf("index: query changes: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (index.Change, error) {
		var c index.Change
		err := r.Scan(&c.RunID, &c.URL, &c.Change, &c.TS, &c.PrevTS)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("index: read changes: %w", err)
	}
	return out, nil
}

// AddProblems records skipped and failed URLs of runs; a URL recorded
// again for its run (retried by a resumed run) keeps the latest reason.
func (x *Index) AddProblems(ctx context.Context, ps []index.Problem) error {
	if len(ps) == 0 {
		return nil
	}
	err := x.inTx(ctx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, p := range ps {
			b.Queue(`INSERT INTO problems (run_id, url, kind, outcome, reason) VALUES ($1,$2,$3,$4,$5)
				ON CONFLICT (run_id, url) DO UPDATE SET kind = excluded.kind, outcome = excluded.outcome, reason = excluded.reason`,
				p.RunID, clean(p.URL), p.Kind, p.Outcome, clean(p.Reason))
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return fmt.Errorf("index: add problems: %w", err)
	}
	return nil
}

// Problems returns a run's skipped and failed URLs, by URL.
func (x *Index) Problems(ctx context.Context, runID string) ([]index.Problem, error) {
	rows, err := x.pool.Query(ctx, `SELECT run_id, url, kind, outcome, reason FROM problems WHERE run_id = $1 ORDER BY url`, runID)
	if err != nil {
		return nil, fmt.Errorf("index: query problems: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (index.Problem, error) {
		var p index.Problem
		err := r.Scan(&p.RunID, &p.URL, &p.Kind, &p.Outcome, &p.Reason)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("index: read problems: %w", err)
	}
	return out, nil
}
