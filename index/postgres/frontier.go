package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vellumhq/vellum/index"
)

// A run's frontier, as the SQLite index keeps it (index/frontier.go): the
// URLs a run claimed and finished, so that a run killed mid-crawl is
// resumed where it stopped.

// NewFrontierWriter starts writing the frontier of runID; seq continues
// the claim order of a resumed run. Close it to write the rest.
func (x *Index) NewFrontierWriter(runID string, seq int64) *index.FrontierWriter {
	return index.NewFrontierWriterTo(x, runID, seq)
}

// WriteFrontier writes one batch of an index.FrontierWriter in one
// transaction.
func (x *Index) WriteFrontier(ctx context.Context, runID string, ops []index.FrontierOp) error {
	return x.inTx(ctx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, op := range ops {
			it, c := op.Item, op.Change
			if op.Done {
				b.Queue(`UPDATE frontier SET done = true, change = $1, page_url = $2, ts = $3, prev_ts = $4
					WHERE run_id = $5 AND url = $6`, c.Change, clean(c.URL), c.TS, c.PrevTS, runID, clean(it.URL))
			} else {
				b.Queue(`INSERT INTO frontier (run_id, url, kind, depth, seed, scope, referer, seq)
					VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (run_id, url) DO NOTHING`,
					runID, clean(it.URL), it.Kind, it.Depth, it.Seed, clean(it.Scope), clean(it.Referer), op.Seq)
			}
		}
		return tx.SendBatch(ctx, b).Close()
	})
}

// Frontier returns a run's claimed URLs in the order they were claimed.
func (x *Index) Frontier(ctx context.Context, runID string) ([]index.FrontierItem, error) {
	rows, err := x.pool.Query(ctx, `SELECT url, kind, depth, seed, scope, referer, done, change FROM frontier
		WHERE run_id = $1 ORDER BY seq`, runID)
	if err != nil {
		return nil, fmt.Errorf("index: query frontier: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (index.FrontierItem, error) {
		var f index.FrontierItem
		err := r.Scan(&f.URL, &f.Kind, &f.Depth, &f.Seed, &f.Scope, &f.Referer, &f.Done, &f.Change)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("index: read frontier: %w", err)
	}
	return out, nil
}

// FrontierSize returns how many URLs a run has claimed: the seq to
// continue from when it is resumed.
func (x *Index) FrontierSize(ctx context.Context, runID string) (int64, error) {
	var n int64
	if err := x.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM frontier WHERE run_id = $1`, runID).Scan(&n); err != nil {
		return 0, fmt.Errorf("index: frontier of %s: %w", runID, err)
	}
	return n, nil
}

// changeURL is the page a frontier row's change is about: the URL its
// redirects led to, when they did.
const changeURL = `CASE WHEN page_url <> '' THEN page_url ELSE url END`

// FinishFrontier ends a finished run's frontier: the page changes it
// recorded move to the changes table and the rest is deleted.
func (x *Index) FinishFrontier(ctx context.Context, runID string) error {
	err := x.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO changes (run_id, url, change, ts, prev_ts)
			SELECT DISTINCT ON (u) run_id, u, change, ts, prev_ts
			FROM (SELECT run_id, `+changeURL+` AS u, change, ts, prev_ts, seq FROM frontier WHERE run_id = $1 AND change <> '') f
			ORDER BY u, seq DESC
			ON CONFLICT (run_id, url) DO UPDATE SET change = excluded.change, ts = excluded.ts, prev_ts = excluded.prev_ts`, runID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM frontier WHERE run_id = $1`, runID)
		return err
	})
	if err != nil {
		return fmt.Errorf("index: finish frontier of %s: %w", runID, err)
	}
	return nil
}

// FrontierChanges returns the page changes a run has recorded so far in
// its frontier (the run is still going, or was interrupted).
func (x *Index) FrontierChanges(ctx context.Context, runID string) ([]index.Change, error) {
	rows, err := x.pool.Query(ctx, `SELECT run_id, `+changeURL+` AS u, change, ts, prev_ts FROM frontier
		WHERE run_id = $1 AND change <> '' ORDER BY u`, runID)
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
