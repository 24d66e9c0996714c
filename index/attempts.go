package index

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
)

// Attempts of a URL within a run.
//
// A crawl retries a URL after a reset, a 5xx or a 429, and every attempt is
// a record of its WARC: that is what happened. But the run captured the URL
// once, and replay, the CDX API and the calendar must give that capture —
// the final attempt — not an earlier failure that happens to be closer in
// time. So each capture row carries its run (from Vellum's file names,
// "<run-id>-<serial>.warc.gz") and whether it was cut off (WARC-Truncated),
// and of the captures of one URL by one run, all but the final attempt are
// marked superseded, which lookups skip. The final attempt is the latest
// whole one, or the latest when every one was cut off: a cut-off attempt
// never wins over a whole one. A URL appears twice in a run only when it was
// attempted again (the run's visited set fetches each URL once).
//
// Everything here is derived from the WARC files alone, so `vellum index`
// rebuilds the same rows. Files of other tools (other names) are left as
// they are: their repeated captures of a URL may be days apart.

// vellumFile matches the name of a WARC file Vellum wrote; its group is the
// run ID (capture.NewRunID). A worker of a run on a shared frontier puts
// its name (letters, digits, dots, dashes) between the run ID and the
// serial.
var vellumFile = regexp.MustCompile(`^(\d{8}T\d{6}Z-[0-9a-f]+)(?:-([A-Za-z0-9.-]+))?-\d{5}\.warc(?:\.gz)?$`)

// runOfFile is the ID of the run that wrote a WARC file (a path relative to
// the archive), or "" for a file not named by Vellum.
func runOfFile(name string) string {
	if m := vellumFile.FindStringSubmatch(path.Base(name)); m != nil {
		return m[1]
	}
	return ""
}

// WorkerOfFile is the worker of a run on a shared frontier that wrote a
// WARC file (a path relative to the archive), or "" for a file a run on one
// machine wrote, or one not named by Vellum.
func WorkerOfFile(name string) string {
	if m := vellumFile.FindStringSubmatch(path.Base(name)); m != nil {
		return m[2]
	}
	return ""
}

// attempts names the captures of one URL by one run.
type attempts struct{ urlkey, url, run string }

// attemptsOf lists the attempt groups caps belong to, each once.
func attemptsOf(caps []Capture) []attempts {
	seen := map[attempts]bool{}
	var out []attempts
	for _, c := range caps {
		a := attempts{c.URLKey, c.URL, runOfFile(c.Filename)}
		if a.run != "" && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// attemptsInFile lists the attempt groups of the rows of one file.
func attemptsInFile(ctx context.Context, tx *sql.Tx, filename string) ([]attempts, error) {
	return queryAttempts(ctx, tx, `SELECT DISTINCT urlkey, url, run FROM captures WHERE filename = ? AND run != ''`, filename)
}

// queryAttempts lists the groups a query returns as (urlkey, url, run) rows.
func queryAttempts(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]attempts, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []attempts
	for rows.Next() {
		var a attempts
		if err := rows.Scan(&a.urlkey, &a.url, &a.run); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// settleSQL marks every capture of one group but the final attempt as
// superseded, writing only the rows whose mark changes. An attempt cut off
// (time, disconnect) loses to a whole one; one cut at --max-size (length) is
// whole as far as retries go: it is how a large file is archived.
const settleSQL = `UPDATE captures SET superseded = rank.later
	FROM (SELECT filename AS f, offset AS o,
			row_number() OVER (ORDER BY truncated IN ('time', 'disconnect', 'unspecified'), ts DESC, filename DESC, offset DESC) > 1 AS later
		FROM captures WHERE urlkey = ? AND url = ? AND run = ?) AS rank
	WHERE captures.filename = rank.f AND captures.offset = rank.o AND captures.superseded != rank.later`

// unsettledSQL picks, of the groups given as a JSON array of [urlkey, url,
// run] triples, those with something to settle: more than one capture, or a
// superseded one. Almost every URL has neither (a single capture, not
// superseded), and one statement for a batch of groups costs a fraction of
// a query per group: the crawl's index writer settles thousands of URLs a
// second, and a file's worth at once when it closes (batch.go).
const unsettledSQL = `SELECT k, u, r FROM (SELECT DISTINCT json_extract(value, '$[0]') AS k,
		json_extract(value, '$[1]') AS u, json_extract(value, '$[2]') AS r FROM json_each(?))
	WHERE (SELECT count(*) > 1 OR max(superseded) FROM captures WHERE urlkey = k AND url = u AND run = r)`

// unsettledInFileSQL picks the same among the groups of one file's rows.
const unsettledInFileSQL = `SELECT DISTINCT c.urlkey, c.url, c.run FROM captures AS c
	WHERE c.filename = ? AND c.run != '' AND (c.superseded OR EXISTS (SELECT 1 FROM captures AS d
		WHERE d.urlkey = c.urlkey AND d.url = c.url AND d.run = c.run AND (d.filename != c.filename OR d.offset != c.offset)))`

// settleChunk bounds the groups of one unsettledSQL statement (its JSON
// argument), whatever the size of a file re-read whole.
const settleChunk = 1000

// settleAttempts settles which capture of each group is the final attempt.
func settleAttempts(ctx context.Context, tx *sql.Tx, groups []attempts) error {
	for len(groups) > 0 {
		n := min(len(groups), settleChunk)
		arg, err := json.Marshal(triples(groups[:n]))
		if err != nil {
			return fmt.Errorf("settle attempts: %w", err)
		}
		todo, err := queryAttempts(ctx, tx, unsettledSQL, string(arg))
		if err != nil {
			return fmt.Errorf("settle attempts: %w", err)
		}
		if err := settle(ctx, tx, todo); err != nil {
			return err
		}
		groups = groups[n:]
	}
	return nil
}

// settleFile settles the groups of the rows of one file.
func settleFile(ctx context.Context, tx *sql.Tx, filename string) error {
	todo, err := queryAttempts(ctx, tx, unsettledInFileSQL, filename)
	if err != nil {
		return fmt.Errorf("settle attempts in %s: %w", filename, err)
	}
	return settle(ctx, tx, todo)
}

func triples(groups []attempts) [][3]string {
	out := make([][3]string, len(groups))
	for i, a := range groups {
		out[i] = [3]string{a.urlkey, a.url, a.run}
	}
	return out
}

// settle runs settleSQL on groups known to need it (few: retried URLs).
func settle(ctx context.Context, tx *sql.Tx, groups []attempts) error {
	if len(groups) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, settleSQL)
	if err != nil {
		return fmt.Errorf("settle attempts: %w", err)
	}
	defer st.Close()
	for _, a := range groups {
		if _, err := st.ExecContext(ctx, a.urlkey, a.url, a.run); err != nil {
			return fmt.Errorf("settle attempts of %s: %w", a.url, err)
		}
	}
	return nil
}
