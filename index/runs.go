package index

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// runsSchema keeps the history of runs (each capture is a run), the frontier
// and visited set of each run, so a run killed mid-crawl can be resumed, and
// what each run found changed.
const runsSchema = `
CREATE TABLE IF NOT EXISTS runs (
	id          TEXT PRIMARY KEY,
	job         TEXT NOT NULL,
	seeds       TEXT NOT NULL,
	started     TEXT NOT NULL,
	ended       TEXT NOT NULL DEFAULT '',
	status      TEXT NOT NULL,
	host        TEXT NOT NULL DEFAULT '',
	pid         INTEGER NOT NULL DEFAULT 0,
	resumes     INTEGER NOT NULL DEFAULT 0,
	counts      TEXT NOT NULL DEFAULT '{}',
	error       TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS runs_by_job ON runs (job, started);
CREATE TABLE IF NOT EXISTS frontier (
	run_id   TEXT NOT NULL,
	url      TEXT NOT NULL,
	kind     INTEGER NOT NULL,
	depth    INTEGER NOT NULL,
	seed     INTEGER NOT NULL,
	scope    TEXT NOT NULL,
	referer  TEXT NOT NULL,
	done     INTEGER NOT NULL DEFAULT 0,
	seq      INTEGER NOT NULL,
	change   TEXT NOT NULL DEFAULT '',
	page_url TEXT NOT NULL DEFAULT '',
	ts       TEXT NOT NULL DEFAULT '',
	prev_ts  TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (run_id, url)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS changes (
	run_id      TEXT NOT NULL,
	url         TEXT NOT NULL,
	change      TEXT NOT NULL,
	ts          TEXT NOT NULL,
	prev_ts     TEXT NOT NULL,
	PRIMARY KEY (run_id, url)
) WITHOUT ROWID;
`

// Run states.
const (
	RunRunning     = "running"
	RunOK          = "ok"          // every seed archived
	RunFailed      = "failed"      // a seed failed, or the run could not finish
	RunInterrupted = "interrupted" // stopped by a signal; resumable
)

// RunCounts are the counts of a run.
type RunCounts struct {
	Pages      int64 `json:"pages"`
	Requisites int64 `json:"requisites"`
	Bytes      int64 `json:"bytes"`
	Errors     int64 `json:"errors"`
	New        int64 `json:"new"`
	Changed    int64 `json:"changed"`
	Unchanged  int64 `json:"unchanged"`
	Revisits   int64 `json:"revisits"`
	Files      int   `json:"files"`
}

// Run is one row of the run history.
type Run struct {
	ID      string    `json:"id"`
	Job     string    `json:"job"`
	Seeds   []string  `json:"seeds"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended,omitzero"`
	Status  string    `json:"status"`
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Resumes int       `json:"resumes"`
	Counts  RunCounts `json:"counts"`
	Error   string    `json:"error,omitempty"`
}

const runCols = `id, job, seeds, started, ended, status, host, pid, resumes, counts, error`

// SaveRun inserts or replaces a run row.
func (x *Index) SaveRun(ctx context.Context, r Run) error {
	seeds, _ := json.Marshal(r.Seeds)
	counts, _ := json.Marshal(r.Counts)
	ended := ""
	if !r.Ended.IsZero() {
		ended = r.Ended.UTC().Format(time.RFC3339Nano)
	}
	_, err := x.db.ExecContext(ctx, `INSERT OR REPLACE INTO runs (`+runCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
		r.ID, r.Job, string(seeds), r.Started.UTC().Format(time.RFC3339Nano), ended, r.Status, r.Host, r.PID,
		r.Resumes, string(counts), r.Error)
	if err != nil {
		return fmt.Errorf("index: save run %s: %w", r.ID, err)
	}
	return nil
}

// GetRun returns one run; ok is false when there is none with that ID.
func (x *Index) GetRun(ctx context.Context, id string) (Run, bool, error) {
	runs, err := x.runs(ctx, `SELECT `+runCols+` FROM runs WHERE id = ?`, id)
	if err != nil || len(runs) == 0 {
		return Run{}, false, err
	}
	return runs[0], true, nil
}

// Runs returns the newest runs first, at most n (all when n <= 0), of one job
// when job is not "" (use JobAny for every run).
func (x *Index) Runs(ctx context.Context, job string, n int) ([]Run, error) {
	if n <= 0 {
		n = -1
	}
	if job == JobAny {
		return x.runs(ctx, `SELECT `+runCols+` FROM runs ORDER BY started DESC, id DESC LIMIT ?`, n)
	}
	return x.runs(ctx, `SELECT `+runCols+` FROM runs WHERE job = ? ORDER BY started DESC, id DESC LIMIT ?`, job, n)
}

// JobAny asks Runs for the runs of every job.
const JobAny = "\x00any"

// RunsByStatus counts the runs in each state.
func (x *Index) RunsByStatus(ctx context.Context) (map[string]int64, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT status, count(*) FROM runs GROUP BY status`)
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

func (x *Index) runs(ctx context.Context, q string, args ...any) ([]Run, error) {
	rows, err := x.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("index: query runs: %w", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		var r Run
		var seeds, started, ended, counts string
		if err := rows.Scan(&r.ID, &r.Job, &seeds, &started, &ended, &r.Status, &r.Host, &r.PID, &r.Resumes,
			&counts, &r.Error); err != nil {
			return nil, fmt.Errorf("index: read runs: %w", err)
		}
		_ = json.Unmarshal([]byte(seeds), &r.Seeds)
		_ = json.Unmarshal([]byte(counts), &r.Counts)
		r.Started, _ = time.Parse(time.RFC3339Nano, started)
		if ended != "" {
			r.Ended, _ = time.Parse(time.RFC3339Nano, ended)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("index: read runs: %w", err)
	}
	return out, nil
}

// CapturesOfRun returns the captures written by a run: those in its WARC
// files, named "<run-id>-<serial>.warc.gz" in the folders of the days from
// its start on.
func (x *Index) CapturesOfRun(ctx context.Context, runID string) ([]Capture, error) {
	return x.captures(ctx, `SELECT `+captureCols+` FROM captures WHERE filename >= ? AND filename LIKE ? ESCAPE '\'
		ORDER BY filename, offset`, runFilesFrom(runID), runFiles(runID))
}

// ResponsesWithMetadata returns the record IDs of the responses a run wrote
// a metadata record for.
func (x *Index) ResponsesWithMetadata(ctx context.Context, runID string) (map[string]bool, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT concurrent_to FROM pages WHERE filename >= ? AND filename LIKE ? ESCAPE '\'`,
		runFilesFrom(runID), runFiles(runID))
	if err != nil {
		return nil, fmt.Errorf("index: query pages: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("index: read pages: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// runFilesFrom is the least file name a run can have: its files lie in the
// folders of the days from its start (the date its ID begins with) on, so
// the primary key's order skips everything older.
func runFilesFrom(runID string) string {
	if len(runID) < 8 {
		return ""
	}
	for _, c := range runID[:8] {
		if c < '0' || c > '9' {
			return ""
		}
	}
	return "warcs/" + runID[:4] + "/" + runID[4:6] + "/" + runID[6:8] + "/"
}

// runFiles is the LIKE pattern of the file names of a run.
func runFiles(runID string) string { return "%/" + likeEscape(runID) + "-%" }

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Latest returns the latest capture of exactly url (response or revisit)
// that another run than notRun wrote, for deduplication.
// A crawl asks it once per URL: the statement is prepared once.
func (x *Index) Latest(ctx context.Context, urlkey, url, notRun string) (Capture, bool, error) {
	x.latestOnce.Do(func() {
		x.latest, x.latestErr = x.db.PrepareContext(context.WithoutCancel(ctx), `SELECT `+captureCols+` FROM captures
			WHERE urlkey = ? AND url = ? AND type IN ('response', 'revisit') AND filename NOT LIKE ? ESCAPE '\'
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

// Frontier item kinds.
const (
	KindPage      = 0
	KindRequisite = 1
)

// FrontierItem is a URL a run has claimed: queued, in flight or done.
type FrontierItem struct {
	URL     string
	Kind    int
	Depth   int
	Seed    int // index of the seed it is (pages), -1 otherwise
	Scope   string
	Referer string
	Done    bool
}

// Frontier returns a run's claimed URLs in the order they were claimed.
func (x *Index) Frontier(ctx context.Context, runID string) ([]FrontierItem, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT url, kind, depth, seed, scope, referer, done FROM frontier
		WHERE run_id = ? ORDER BY seq`, runID)
	if err != nil {
		return nil, fmt.Errorf("index: query frontier: %w", err)
	}
	defer rows.Close()
	var out []FrontierItem
	for rows.Next() {
		var f FrontierItem
		if err := rows.Scan(&f.URL, &f.Kind, &f.Depth, &f.Seed, &f.Scope, &f.Referer, &f.Done); err != nil {
			return nil, fmt.Errorf("index: read frontier: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// FinishFrontier ends a finished run's frontier: the page changes it
// recorded move to the changes table and the rest is deleted (a run that
// ended is not resumed; its visited set is the captures of its files).
func (x *Index) FinishFrontier(ctx context.Context, runID string) error {
	err := x.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO changes (run_id, url, change, ts, prev_ts)
			SELECT run_id, `+changeURL+`, change, ts, prev_ts FROM frontier WHERE run_id = ? AND change != ''`, runID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM frontier WHERE run_id = ?`, runID)
		return err
	})
	if err != nil {
		return fmt.Errorf("index: finish frontier of %s: %w", runID, err)
	}
	return nil
}

// FrontierChanges returns the page changes a run has recorded so far in its
// frontier (the run is still going, or was interrupted).
func (x *Index) FrontierChanges(ctx context.Context, runID string) ([]Change, error) {
	return x.changes(ctx, `SELECT run_id, `+changeURL+` AS u, change, ts, prev_ts FROM frontier
		WHERE run_id = ? AND change != '' ORDER BY u`, runID)
}

// changeURL is the page a frontier row's change is about: the URL its
// redirects led to, when they did.
const changeURL = `CASE WHEN page_url != '' THEN page_url ELSE url END`

// FrontierWriter writes a run's frontier in batches from many goroutines:
// claimed URLs and finished ones, in the order they were reported, so that
// whatever prefix of them reached the database before a crash is consistent
// (a URL is marked done only after the URLs it led to were claimed).
type FrontierWriter struct {
	idx   *Index
	runID string

	ops  chan frontierOp
	done chan struct{}
	err  error
	seq  int64
}

type frontierOp struct {
	item   FrontierItem
	done   bool // mark item.URL done rather than claim it
	change *Change
	flush  chan struct{}
}

// NewFrontierWriter starts writing the frontier of runID; seq continues the
// claim order of a resumed run. Close it to write the rest.
func (x *Index) NewFrontierWriter(runID string, seq int64) *FrontierWriter {
	w := &FrontierWriter{idx: x, runID: runID, ops: make(chan frontierOp, 4096), done: make(chan struct{}), seq: seq}
	go w.loop()
	return w
}

// Claim records a URL the run will fetch.
func (w *FrontierWriter) Claim(it FrontierItem) { w.ops <- frontierOp{item: it} }

// Done records a URL the run has finished with, and for a page what it
// found changed (nil for requisites and pages that were not archived).
func (w *FrontierWriter) Done(url string, ch *Change) {
	w.ops <- frontierOp{item: FrontierItem{URL: url}, done: true, change: ch}
}

// Flush waits until everything reported so far is in the database.
func (w *FrontierWriter) Flush() {
	ch := make(chan struct{})
	w.ops <- frontierOp{flush: ch}
	<-ch
}

// Close writes what is queued and returns the first write error.
func (w *FrontierWriter) Close() error {
	close(w.ops)
	<-w.done
	return w.err
}

func (w *FrontierWriter) loop() {
	defer close(w.done)
	var batch []frontierOp
	var waiting []chan struct{}
	t := time.NewTicker(FlushInterval)
	defer t.Stop()
	write := func() {
		// After a failed batch nothing more is written: the database keeps a
		// consistent prefix (a URL done only after the URLs it led to were
		// claimed), which is what a resumed run relies on.
		if len(batch) > 0 && w.err == nil {
			w.err = w.write(batch)
		}
		batch = batch[:0]
		for _, ch := range waiting {
			close(ch)
		}
		waiting = waiting[:0]
	}
	for {
		select {
		case op, ok := <-w.ops:
			if !ok {
				write()
				return
			}
			if op.flush != nil {
				waiting = append(waiting, op.flush)
				write()
				continue
			}
			batch = append(batch, op)
			if len(batch) >= 2000 {
				write()
			}
		case <-t.C:
			write()
		}
	}
}

func (w *FrontierWriter) write(batch []frontierOp) error {
	// Written even when the run's context is cancelled: the frontier must
	// match what the WARCs hold.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return w.idx.inTx(ctx, func(tx *sql.Tx) error {
		claim, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO frontier (run_id, url, kind, depth, seed, scope, referer, done, seq)
			VALUES (?,?,?,?,?,?,?,0,?)`)
		if err != nil {
			return err
		}
		defer claim.Close()
		done, err := tx.PrepareContext(ctx, `UPDATE frontier SET done = 1, change = ?, page_url = ?, ts = ?, prev_ts = ? WHERE run_id = ? AND url = ?`)
		if err != nil {
			return err
		}
		defer done.Close()
		for _, op := range batch {
			it := op.item
			if op.done {
				var c Change
				if op.change != nil {
					c = *op.change
				}
				_, err = done.ExecContext(ctx, c.Change, c.URL, c.TS, c.PrevTS, w.runID, it.URL)
			} else {
				w.seq++
				_, err = claim.ExecContext(ctx, w.runID, it.URL, it.Kind, it.Depth, it.Seed, it.Scope, it.Referer, w.seq)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// FrontierSize returns how many URLs a run has claimed: the seq to continue
// from when it is resumed.
func (x *Index) FrontierSize(ctx context.Context, runID string) (int64, error) {
	var n sql.NullInt64
	err := x.db.QueryRowContext(ctx, `SELECT max(seq) FROM frontier WHERE run_id = ?`, runID).Scan(&n)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("index: frontier of %s: %w", runID, err)
	}
	return n.Int64, nil
}

// ResponseWithDigest returns a response record with the given payload digest,
// of url when there is one: the record a revisit stands for.
func (x *Index) ResponseWithDigest(ctx context.Context, digest, url string) (Capture, error) {
	caps, err := x.captures(ctx, `SELECT `+captureCols+` FROM captures WHERE digest = ? AND type = 'response'
		ORDER BY url = ? DESC, ts DESC LIMIT 1`, digest, url)
	if err != nil {
		return Capture{}, err
	}
	if len(caps) == 0 {
		return Capture{}, fmt.Errorf("index: no response with digest %s", digest)
	}
	return caps[0], nil
}

// RunTotals sums the counts of every run, for metrics.
func (x *Index) RunTotals(ctx context.Context) (RunCounts, error) {
	var c RunCounts
	err := x.db.QueryRowContext(ctx, `SELECT
		coalesce(sum(json_extract(counts, '$.pages')), 0), coalesce(sum(json_extract(counts, '$.requisites')), 0),
		coalesce(sum(json_extract(counts, '$.bytes')), 0), coalesce(sum(json_extract(counts, '$.errors')), 0),
		coalesce(sum(json_extract(counts, '$.new')), 0), coalesce(sum(json_extract(counts, '$.changed')), 0),
		coalesce(sum(json_extract(counts, '$.unchanged')), 0), coalesce(sum(json_extract(counts, '$.revisits')), 0)
		FROM runs`).Scan(&c.Pages, &c.Requisites, &c.Bytes, &c.Errors, &c.New, &c.Changed, &c.Unchanged, &c.Revisits)
	if err != nil {
		return RunCounts{}, fmt.Errorf("index: run totals: %w", err)
	}
	return c, nil
}

// LastRuns returns the latest run of each job.
func (x *Index) LastRuns(ctx context.Context) ([]Run, error) {
	return x.runs(ctx, `SELECT `+runCols+` FROM runs r WHERE started = (SELECT max(started) FROM runs WHERE job = r.job) ORDER BY job`)
}

// HasCapturesUnder reports whether any run but notRun captured a URL whose
// key starts with prefix (a host's "com,example)/"): when none did, a crawl
// need not look up each of the host's URLs for deduplication.
func (x *Index) HasCapturesUnder(ctx context.Context, prefix, notRun string) (bool, error) {
	var one int
	err := x.db.QueryRowContext(ctx, `SELECT 1 FROM captures WHERE urlkey >= ? AND urlkey < ? AND filename NOT LIKE ? ESCAPE '\'
		LIMIT 1`, prefix, prefix+"\xff", runFiles(notRun)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("index: captures under %s: %w", prefix, err)
	}
	return true, nil
}
