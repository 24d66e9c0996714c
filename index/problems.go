package index

import (
	"context"
	"database/sql"
	"fmt"
)

// problemsSchema keeps the URLs each run did not archive whole: skipped
// (robots.txt forbids them) or failed, with the reason. A run's Skipped and
// Errors counts are the number of its rows of each outcome.
const problemsSchema = `
CREATE TABLE IF NOT EXISTS problems (
	run_id  TEXT NOT NULL,
	url     TEXT NOT NULL,
	kind    TEXT NOT NULL,
	outcome TEXT NOT NULL,
	reason  TEXT NOT NULL,
	PRIMARY KEY (run_id, url)
) WITHOUT ROWID;
`

// Outcomes of a URL a run did not archive whole.
const (
	OutcomeFailed  = "failed"  // an error, an HTTP error status, or cut at a limit
	OutcomeSkipped = "skipped" // robots.txt forbids it: not the site's failure
)

// Problem is a URL of a run that was skipped or failed.
type Problem struct {
	RunID   string `json:"-"`
	URL     string `json:"url"`
	Kind    string `json:"kind"`    // page or requisite
	Outcome string `json:"outcome"` // failed or skipped
	Reason  string `json:"reason"`
}

// AddProblems records skipped and failed URLs of runs; a URL recorded
// again for its run (retried by a resumed run) keeps the latest reason.
func (x *Index) AddProblems(ctx context.Context, ps []Problem) error {
	if len(ps) == 0 {
		return nil
	}
	err := x.inTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO problems (run_id, url, kind, outcome, reason) VALUES (?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, p := range ps {
			if _, err := st.ExecContext(ctx, p.RunID, p.URL, p.Kind, p.Outcome, p.Reason); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("index: add problems: %w", err)
	}
	return nil
}

// Problems returns a run's skipped and failed URLs, by URL.
func (x *Index) Problems(ctx context.Context, runID string) ([]Problem, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT run_id, url, kind, outcome, reason FROM problems WHERE run_id = ? ORDER BY url`, runID)
	if err != nil {
		return nil, fmt.Errorf("index: query problems: %w", err)
	}
	defer rows.Close()
	var out []Problem
	for rows.Next() {
		var p Problem
		if err := rows.Scan(&p.RunID, &p.URL, &p.Kind, &p.Outcome, &p.Reason); err != nil {
			return nil, fmt.Errorf("index: read problems: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
