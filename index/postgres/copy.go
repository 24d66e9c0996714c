package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vellumhq/vellum/index"
)

// CopyStats counts what CopyFrom copied.
type CopyStats struct {
	Captures, Pages, Runs, Changes, Problems, Files int
}

// CopyFrom copies an archive's SQLite index into this one: every capture
// and page (their attempts settled again, to the same result), the run
// history with each run's page changes and problems, and the upload state
// of its files; rows already here are replaced, so a copy interrupted can
// be run again. What it leaves: a running or interrupted run's frontier
// (resume such a run before, or it starts again), and which remote CDXJ
// files were imported (the next SyncRemote imports them again, replacing
// their rows with the same).
func (x *Index) CopyFrom(ctx context.Context, src *index.Index) (CopyStats, error) {
	var st CopyStats
	err := src.EachCapture(ctx, func(caps []index.Capture) error {
		st.Captures += len(caps)
		return x.Add(ctx, caps, nil)
	})
	if err != nil {
		return st, fmt.Errorf("index: copy captures: %w", err)
	}
	err = src.EachPage(ctx, func(pages []index.Page) error {
		st.Pages += len(pages)
		return x.Add(ctx, nil, pages)
	})
	if err != nil {
		return st, fmt.Errorf("index: copy pages: %w", err)
	}
	runs, err := src.Runs(ctx, index.JobAny, 0)
	if err != nil {
		return st, err
	}
	for _, r := range runs {
		changes, err := src.Changes(ctx, r.ID, "")
		if err != nil {
			return st, err
		}
		problems, err := src.Problems(ctx, r.ID)
		if err != nil {
			return st, err
		}
		if err := x.SaveRun(ctx, r); err != nil {
			return st, err
		}
		if err := x.AddChanges(ctx, changes); err != nil {
			return st, err
		}
		if err := x.AddProblems(ctx, problems); err != nil {
			return st, err
		}
		st.Runs++
		st.Changes += len(changes)
		st.Problems += len(problems)
	}
	files, err := src.Files(ctx)
	if err != nil {
		return st, err
	}
	err = x.inTx(ctx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, f := range files {
			b.Queue(`INSERT INTO files (name, size, sha256, state, attempts, last_error, updated) VALUES ($1,$2,$3,$4,$5,$6,now())
				ON CONFLICT (name) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256, state = excluded.state,
				attempts = excluded.attempts, last_error = excluded.last_error, updated = excluded.updated`,
				f.Name, f.Size, f.SHA256, f.State, f.Attempts, clean(f.LastError))
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return st, fmt.Errorf("index: copy upload state: %w", err)
	}
	st.Files = len(files)
	return st, nil
}
