package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vellumhq/vellum/index"
)

// The attempts of a URL within a run (index/attempts.go says why): of the
// captures of one URL by one run, all but the final attempt — the latest
// whole one, or the latest when every one was cut off — are superseded,
// and lookups skip them.

// group names the captures of one URL by one run.
type group struct{ urlkey, url, run string }

// groupsOf lists the groups of caps, each once; captures of files Vellum
// did not name have no run and are left as they are.
func groupsOf(caps []index.Capture) []group {
	seen := map[group]bool{}
	var out []group
	for _, c := range caps {
		g := group{clean(c.URLKey), clean(c.URL), index.RunOfFile(c.Filename)}
		if g.run != "" && !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out
}

// groupsInFile lists the groups of the rows of one file.
func groupsInFile(ctx context.Context, tx pgx.Tx, filename string) ([]group, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT urlkey, url, run FROM captures WHERE filename = $1 AND run <> ''`, filename)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (group, error) {
		var g group
		err := r.Scan(&g.urlkey, &g.url, &g.run)
		return g, err
	})
}

// settleSQL ranks the captures of the groups given as three arrays and
// writes the mark of those whose mark changes, in one statement: a crawl
// settles thousands of URLs a second, almost all with one capture.
const settleSQL = `WITH g AS (SELECT DISTINCT k, u, r FROM unnest($1::text[], $2::text[], $3::text[]) AS g(k, u, r)),
	rank AS (SELECT c.filename AS f, c."offset" AS o, row_number() OVER (PARTITION BY c.urlkey, c.url, c.run
			ORDER BY c.truncated IN ('time', 'disconnect', 'unspecified'), c.ts DESC, c.filename DESC, c."offset" DESC) > 1 AS later
		FROM captures c JOIN g ON c.urlkey = g.k COLLATE "C" AND c.url = g.u COLLATE "C" AND c.run = g.r COLLATE "C")
	UPDATE captures SET superseded = rank.later FROM rank
	WHERE captures.filename = rank.f AND captures."offset" = rank.o AND captures.superseded <> rank.later`

// settleChunk bounds the groups of one statement, whatever the size of a
// file re-read whole.
const settleChunk = 5000

// settle settles which capture of each group is the final attempt.
func settle(ctx context.Context, tx pgx.Tx, groups []group) error {
	for len(groups) > 0 {
		n := min(len(groups), settleChunk)
		keys, urls, runs := make([]string, n), make([]string, n), make([]string, n)
		for i, g := range groups[:n] {
			keys[i], urls[i], runs[i] = g.urlkey, g.url, g.run
		}
		if _, err := tx.Exec(ctx, settleSQL, keys, urls, runs); err != nil {
			return fmt.Errorf("settle attempts: %w", err)
		}
		groups = groups[n:]
	}
	return nil
}
