package index

import (
	"context"
	"database/sql"
	"fmt"
)

// Latest returns the latest capture of exactly url (response or revisit)
// that another run than notRun wrote, for deduplication.
// A crawl asks it once per URL: the statement is prepared once.
func (x *Index) Latest(ctx context.Context, urlkey, url, notRun string) (Capture, bool, error) {
	x.latestOnce.Do(func() {
		x.latest, x.latestErr = x.db.PrepareContext(context.WithoutCancel(ctx), `SELECT `+captureCols+` FROM captures
			WHERE urlkey = ? AND url = ? AND type IN ('response', 'revisit') AND superseded = 0 AND filename NOT LIKE ? ESCAPE '\'
			ORDER BY ts DESC, filename DESC, offset DESC LIMIT 1`)
	})
	if x.latestErr != nil {
		return Capture{}, false, fmt.Errorf("index: prepare: %w", x.latestErr)
	}
	rows, err := x.latest.QueryContext(ctx, urlkey, url, runFiles(notRun))
	if err != nil {
		return Capture{}, false, fmt.Errorf("index: query captures: %w", err)
	}
	defer rows.Close()
	caps, err := scanCaptures(rows)
	if err != nil || len(caps) == 0 {
		return Capture{}, false, err
	}
	return caps[0], true, nil
}

// LatestPage returns the metadata of the latest capture of a page that
// another run than notRun wrote, for change detection.
func (x *Index) LatestPage(ctx context.Context, urlkey, notRun string) (Page, bool, error) {
	pages, err := x.pages(ctx, `SELECT `+pageCols+` FROM pages WHERE urlkey = ? AND filename NOT LIKE ? ESCAPE '\'
		ORDER BY ts DESC, filename DESC, offset DESC LIMIT 1`, urlkey, runFiles(notRun))
	if err != nil || len(pages) == 0 {
		return Page{}, false, err
	}
	return pages[0], true, nil
}

// PageAt returns the metadata of the capture of a page at exactly ts.
func (x *Index) PageAt(ctx context.Context, urlkey, ts string) (Page, bool, error) {
	pages, err := x.pages(ctx, `SELECT `+pageCols+` FROM pages WHERE urlkey = ? AND ts = ?
		ORDER BY filename DESC, offset DESC LIMIT 1`, urlkey, ts)
	if err != nil || len(pages) == 0 {
		return Page{}, false, err
	}
	return pages[0], true, nil
}

// Change kinds of a page between two runs.
const (
	ChangeNew       = "new"
	ChangeChanged   = "changed"
	ChangeUnchanged = "unchanged"
)

// Change is what a run found of one page compared with its latest earlier
// capture.
type Change struct {
	RunID  string `json:"-"`
	URL    string `json:"url"`
	Change string `json:"change"`            // new, changed, unchanged
	TS     string `json:"ts"`                // this capture
	PrevTS string `json:"prev_ts,omitempty"` // the earlier one ("" when new)
}

// AddChanges records page changes of a run.
func (x *Index) AddChanges(ctx context.Context, changes []Change) error {
	if len(changes) == 0 {
		return nil
	}
	return x.inTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO changes (run_id, url, change, ts, prev_ts) VALUES (?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, c := range changes {
			if _, err := st.ExecContext(ctx, c.RunID, c.URL, c.Change, c.TS, c.PrevTS); err != nil {
				return err
			}
		}
		return nil
	})
}

// Changes returns a run's page changes, of one kind when kind is not "".
func (x *Index) Changes(ctx context.Context, runID, kind string) ([]Change, error) {
	q := `SELECT run_id, url, change, ts, prev_ts FROM changes WHERE run_id = ?`
	args := []any{runID}
	if kind != "" {
		q += ` AND change = ?`
		args = append(args, kind)
	}
	return x.changes(ctx, q+` ORDER BY url`, args...)
}

func (x *Index) changes(ctx context.Context, q string, args ...any) ([]Change, error) {
	rows, err := x.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("index: query changes: %w", err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		if err := rows.Scan(&c.RunID, &c.URL, &c.Change, &c.TS, &c.PrevTS); err != nil {
			return nil, fmt.Errorf("index: read changes: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
