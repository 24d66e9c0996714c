package index

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vellumhq/vellum/internal/layout"
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
	Errors     int64 `json:"errors"`  // URLs that failed (listed in problems)
	Skipped    int64 `json:"skipped"` // URLs robots.txt forbids (listed in problems)
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

// RunsWithStatus returns the runs in one state, newest first.
func (x *Index) RunsWithStatus(ctx context.Context, status string) ([]Run, error) {
	return x.runs(ctx, `SELECT `+runCols+` FROM runs WHERE status = ? ORDER BY started DESC, id DESC`, status)
}

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
// its start on; of a URL it retried, the final attempt only (attempts.go),
// the one replay serves.
func (x *Index) CapturesOfRun(ctx context.Context, runID string) ([]Capture, error) {
	return x.captures(ctx, `SELECT `+captureCols+` FROM captures WHERE filename >= ? AND filename LIKE ? ESCAPE '\'
		AND superseded = 0 ORDER BY filename, offset`, runFilesFrom(runID), runFiles(runID))
}

// RunFile is a WARC file of a run, the worker that wrote it ("" on a
// single machine) and how many of the run's captures it holds.
type RunFile struct {
	Name     string
	Worker   string
	Captures int64
}

// RunFiles returns the WARC files a run wrote that the index holds
// captures of, in name order: on a shared frontier, which worker captured
// what.
func (x *Index) RunFiles(ctx context.Context, runID string) ([]RunFile, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT filename, count(*) FROM captures WHERE filename >= ? AND filename LIKE ? ESCAPE '\'
		AND superseded = 0 GROUP BY filename ORDER BY filename`, runFilesFrom(runID), runFiles(runID))
	if err != nil {
		return nil, fmt.Errorf("index: files of run %s: %w", runID, err)
	}
	defer rows.Close()
	var out []RunFile
	for rows.Next() {
		var f RunFile
		if err := rows.Scan(&f.Name, &f.Captures); err != nil {
			return nil, fmt.Errorf("index: files of run %s: %w", runID, err)
		}
		f.Worker = WorkerOfFile(f.Name)
		out = append(out, f)
	}
	return out, rows.Err()
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
	day, err := time.Parse("20060102", runID[:8])
	if err != nil {
		return ""
	}
	return layout.Day(day) + "/"
}

// runFiles is the LIKE pattern of the file names of a run.
func runFiles(runID string) string { return "%/" + likeEscape(runID) + "-%" }

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
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
		coalesce(sum(json_extract(counts, '$.unchanged')), 0), coalesce(sum(json_extract(counts, '$.revisits')), 0),
		coalesce(sum(json_extract(counts, '$.skipped')), 0)
		FROM runs`).Scan(&c.Pages, &c.Requisites, &c.Bytes, &c.Errors, &c.New, &c.Changed, &c.Unchanged, &c.Revisits, &c.Skipped)
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
