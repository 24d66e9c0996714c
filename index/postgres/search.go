package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vellumhq/vellum/index"
)

// Search finds pages by the words of their article metadata, best first,
// with PostgreSQL's full-text search: each page's words are a tsvector
// made when it is added (the "simple" configuration, without stemming,
// of its text with the accents taken off by unaccent), the title weighted
// above the authors, the site's name and the text, ranked by ts_rank. As
// in the SQLite index, at most index.MaxSearchTotal matches are counted
// and ranked, the newest captures; the query is read by index.PlanSearch,
// so both refuse the same queries and mark snippets alike.
func (x *Index) Search(ctx context.Context, q index.SearchQuery) (index.SearchResults, error) {
	p, err := index.PlanSearch(q)
	if err != nil {
		return index.SearchResults{}, err
	}
	args := []any{tsquery(p.Terms), index.MaxSearchTotal + 1}
	where := ``
	if p.From != "" {
		where += ` AND ts >= $3 AND ts <= $4`
		args = append(args, p.From, p.To)
	}
	if len(p.Sites) > 0 {
		var or []string
		for _, r := range p.Sites {
			args = append(args, r[0], r[1])
			or = append(or, fmt.Sprintf(`(urlkey >= $%d AND urlkey < $%d)`, len(args)-1, len(args)))
		}
		where += ` AND (` + strings.Join(or, ` OR `) + `)`
	}
	rows, err := x.pool.Query(ctx, `WITH m AS (SELECT filename, "offset", urlkey, ts, ts_rank(words, query) AS score
			FROM pages, to_tsquery('simple', $1) AS query WHERE words @@ query`+where+`
			ORDER BY ts DESC, filename DESC, "offset" DESC LIMIT $2)
		SELECT filename, "offset" FROM m ORDER BY score DESC, urlkey, ts DESC, filename, "offset"`, args...)
	if err != nil {
		return index.SearchResults{}, fmt.Errorf("index: search: %w", err)
	}
	type loc struct {
		file string
		off  int64
	}
	ranked, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (loc, error) {
		var l loc
		err := r.Scan(&l.file, &l.off)
		return l, err
	})
	if err != nil {
		return index.SearchResults{}, fmt.Errorf("index: search: %w", err)
	}
	res := index.SearchResults{Total: len(ranked)}
	if res.Total > index.MaxSearchTotal {
		res.Total, res.More = index.MaxSearchTotal, true
		ranked = ranked[:index.MaxSearchTotal]
	}
	if p.Offset >= len(ranked) {
		return res, nil
	}
	ranked = ranked[p.Offset:min(p.Offset+p.Limit, len(ranked))]
	files, offs := make([]string, len(ranked)), make([]int64, len(ranked))
	for i, l := range ranked {
		files[i], offs[i] = l.file, l.off
	}
	pages, err := x.pages(ctx, `SELECT `+pageCols+` FROM pages
		JOIN unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS hit(f, o, n) ON filename = hit.f COLLATE "C" AND "offset" = hit.o
		ORDER BY hit.n`, files, offs)
	if err != nil {
		return index.SearchResults{}, fmt.Errorf("index: search: %w", err)
	}
	for _, pg := range pages {
		h := index.SearchHit{Page: pg, Snippet: p.Snippet(pg.Text)}
		h.Page.Text = ""
		res.Hits = append(res.Hits, h)
	}
	return res, nil
}

// tsquery is the query text of the terms: every term required, a term of
// several tokens a phrase, a prefix marked ":*". The tokens are folded
// letters and digits (index.PlanSearch), quoted so that nothing in them is
// read as query syntax.
func tsquery(terms []index.SearchTerm) string {
	var and []string
	for _, t := range terms {
		var phrase []string
		for i, tok := range t.Tokens {
			lexeme := "'" + strings.ReplaceAll(tok, "'", "''") + "'"
			if t.Prefix && i == len(t.Tokens)-1 {
				lexeme += ":*"
			}
			phrase = append(phrase, lexeme)
		}
		if len(phrase) > 1 {
			and = append(and, "("+strings.Join(phrase, " <-> ")+")")
		} else if len(phrase) == 1 {
			and = append(and, phrase[0])
		}
	}
	return strings.Join(and, " & ")
}
