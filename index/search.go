package index

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/vellumhq/vellum/warc"
)

// SearchQuery asks for the pages whose article metadata (title, authors,
// site name, main text) hold every word of Words.
type SearchQuery struct {
	Words  string // words as a user typed them; a word ending in "*" is a prefix
	Site   string // only pages of this host (and its subdomains); "" for all
	From   string // only pages captured at or after this timestamp (1 to 14 digits, padded as pywb pads); "" for no bound
	To     string // only pages captured at or before this timestamp; "" for no bound
	Limit  int    // hits at most (0: 20)
	Offset int    // hits skipped, for paging
}

// SearchHit is one page found: one capture of a URL. Every capture whose
// text holds the words is a hit; captures of one URL with the same text
// rank the same and come together, newest first.
type SearchHit struct {
	Page    Page   // the page's row (URL, Timestamp, Title, SiteName, Authors...); Text is left empty
	Snippet string // HTML: a passage of the text, escaped, with the matched words in <mark>…</mark>
}

// SearchResults are the hits of a query, best first, and how many there
// are in all.
type SearchResults struct {
	Hits []SearchHit
	// Total is how many pages match, counted up to MaxSearchTotal: when
	// more match, Total is MaxSearchTotal and More is true, and the hits
	// are the best of the MaxSearchTotal matches indexed last (the newest
	// captures, but for old pages imported late).
	Total int
	More  bool
}

// ErrBadQuery is wrapped by Search for a query it cannot run (no words).
var ErrBadQuery = errors.New("bad search query")

// Bounds of a search.
const (
	// MaxSearchTotal caps the matching pages a search counts and ranks
	// (rankMatches).
	MaxSearchTotal = 1000
	// maxSearchLimit caps the hits of one page of results.
	maxSearchLimit = 100
	defaultLimit   = 20
)

// rankFunction weighs the columns of page_search for bm25: a word in the
// title counts most, then the authors, the site name and the text.
const rankFunction = `bm25(10.0, 5.0, 2.0, 1.0)`

// Search finds pages by the words of their article metadata, best first
// (bm25, the title weighted above the text). A query without a word to
// search (empty, or punctuation alone), with a prefix too short, or with a
// bad From, To or Site is an error wrapping ErrBadQuery.
func (x *Index) Search(ctx context.Context, q SearchQuery) (SearchResults, error) {
	words, err := parseWords(q.Words)
	if err != nil {
		return SearchResults{}, err
	}
	where, args, err := searchFilters(q)
	if err != nil {
		return SearchResults{}, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxSearchLimit)
	offset := max(q.Offset, 0)
	r, err := x.readers.get(ctx, x.path)
	if err != nil {
		return SearchResults{}, err
	}
	db := r.db
	if pending, err := searchPending(ctx, db); err != nil {
		return SearchResults{}, fmt.Errorf("index: search: %w", err)
	} else if pending {
		if _, err := x.UpdateSearch(ctx); err != nil {
			return SearchResults{}, err
		}
	}
	ranked, more, err := rankMatches(ctx, db, matchOf(words), where, args)
	if err != nil {
		return SearchResults{}, fmt.Errorf("index: search: %w", err)
	}
	res := SearchResults{Total: len(ranked), More: more}
	if offset >= len(ranked) {
		return res, nil
	}
	ranked = ranked[offset:min(offset+limit, len(ranked))]
	if res.Hits, err = hitsOf(ctx, db, ranked, words); err != nil {
		return SearchResults{}, fmt.Errorf("index: search: %w", err)
	}
	return res, nil
}

// rankMatches returns the row ids of the pages that match, best first, and
// whether more match than it ranked. It reads the matches newest first (by
// row id: the order pages were indexed in) and ranks MaxSearchTotal of them
// at most, all in one pass of FTS5 over the query's terms: bm25 of every
// page that holds a common word would cost a second on a hundred thousand
// pages, and a prefix costs most in FTS5's gathering of its terms
// (bench/search.sh), which is done once.
func rankMatches(ctx context.Context, db *sql.DB, match, where string, args []any) ([]int64, bool, error) {
	join := ""
	if where != "" {
		join = ` JOIN page_docs d ON d.id = page_search.rowid`
	}
	q := `SELECT page_search.rowid, page_search.rank FROM page_search` + join + `
		WHERE page_search MATCH ? AND page_search.rank MATCH '` + rankFunction + `'` + where + `
		ORDER BY page_search.rowid DESC LIMIT ?`
	rows, err := db.QueryContext(ctx, q, append(append([]any{match}, args...), MaxSearchTotal+1)...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	type scored struct {
		id    int64
		score float64
	}
	var all []scored
	for rows.Next() {
		var s scored
		if err := rows.Scan(&s.id, &s.score); err != nil {
			return nil, false, err
		}
		all = append(all, s)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	more := len(all) > MaxSearchTotal
	if more {
		all = all[:MaxSearchTotal]
	}
	// bm25 is lower for a better match; on a tie (captures with the same
	// text) the newer first.
	slices.SortStableFunc(all, func(a, b scored) int { return cmp.Compare(a.score, b.score) })
	ids := make([]int64, len(all))
	for i, s := range all {
		ids[i] = s.id
	}
	return ids, more, nil
}

// hitsOf reads the pages of the row ids, in their order, with snippets of
// their texts.
func hitsOf(ctx context.Context, db *sql.DB, ids []int64, words []queryWord) ([]SearchHit, error) {
	marks := make([]any, len(ids))
	for i, id := range ids {
		marks[i] = id
	}
	rows, err := db.QueryContext(ctx, `SELECT d.id, `+prefixed("p.", pageCols)+`
		FROM page_docs d JOIN pages p ON p.filename = d.filename AND p.offset = d.offset
		WHERE d.id IN (?`+strings.Repeat(",?", len(ids)-1)+`)`, marks...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := map[int64]SearchHit{}
	terms := snippetTerms(words)
	for rows.Next() {
		var id int64
		var h SearchHit
		var authors string
		p := &h.Page
		if err := rows.Scan(&id, &p.RecordID, &p.ConcurrentTo, &p.URLKey, &p.Timestamp, &p.URL, &p.Filename, &p.Offset,
			&p.Title, &authors, &p.Published, &p.SiteName, &p.CanonicalURL, &p.Language, &p.Description,
			&p.Image, &p.Text); err != nil {
			return nil, err
		}
		p.Authors = []string{}
		if authors != "" {
			p.Authors = strings.Split(authors, "\n")
		}
		h.Snippet = snippet(p.Text, terms, snippetWords)
		p.Text = ""
		byID[id] = h
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	hits := make([]SearchHit, 0, len(ids))
	for _, id := range ids {
		if h, ok := byID[id]; ok { // a page deleted since it was ranked is left out
			hits = append(hits, h)
		}
	}
	return hits, nil
}

func prefixed(prefix, cols string) string {
	fields := strings.Split(cols, ",")
	for i, f := range fields {
		fields[i] = prefix + strings.TrimSpace(f)
	}
	return strings.Join(fields, ", ")
}

// searchFilters are the SQL conditions on page_docs d (and their
// arguments) of q's site and dates.
func searchFilters(q SearchQuery) (string, []any, error) {
	var where strings.Builder
	var args []any
	if q.From != "" || q.To != "" {
		from, err := padTimestamp("from", q.From, "10000101000000")
		if err != nil {
			return "", nil, fmt.Errorf("%w: %v", ErrBadQuery, err)
		}
		to, err := padTimestamp("to", q.To, "99991231235959")
		if err != nil {
			return "", nil, fmt.Errorf("%w: %v", ErrBadQuery, err)
		}
		where.WriteString(` AND d.ts >= ? AND d.ts <= ?`)
		args = append(args, from, to)
	}
	if site := strings.TrimSpace(q.Site); site != "" {
		ranges, err := siteRanges(site)
		if err != nil {
			return "", nil, err
		}
		where.WriteString(` AND (`)
		for i, r := range ranges {
			if i > 0 {
				where.WriteString(` OR `)
			}
			where.WriteString(`(d.urlkey >= ? AND d.urlkey < ?)`)
			args = append(args, r[0], r[1])
		}
		where.WriteString(`)`)
	}
	return where.String(), args, nil
}

// siteRanges are the ranges of URL keys (SURTs) of a host and its
// subdomains, on any port unless site names one: "example.org" is
// "org,example)…", "org,example:8080)…" and "org,example,www)…". A site
// may be given as a URL ("https://www.example.org/news/").
func siteRanges(site string) ([][2]string, error) {
	u := site
	if !strings.Contains(u, "://") {
		u = "http://" + u
	}
	key, err := warc.SURT(u)
	if err != nil {
		return nil, fmt.Errorf("%w: site %q: %v", ErrBadQuery, site, err)
	}
	host, _, ok := strings.Cut(key, ")")
	if !ok || host == "" {
		return nil, fmt.Errorf("%w: site %q has no host", ErrBadQuery, site)
	}
	if strings.Contains(host, ":") { // a port given: that port only
		return [][2]string{prefixRange(host + ")")}, nil
	}
	return [][2]string{prefixRange(host + ")"), prefixRange(host + ":"), prefixRange(host + ",")}, nil
}

// prefixRange is [prefix, the least string above every string it begins).
// The prefixes of siteRanges end in an ASCII character.
func prefixRange(prefix string) [2]string {
	last := prefix[len(prefix)-1]
	return [2]string{prefix, prefix[:len(prefix)-1] + string(rune(last+1))}
}
