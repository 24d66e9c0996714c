package index

import (
	"context"
	"errors"
	"fmt"
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
	Snippet string // HTML: a passage of the text, escaped, with the matched terms in <mark>…</mark>
}

// SearchResults are the hits of a query, best first, and how many there
// are in all.
type SearchResults struct {
	Hits []SearchHit
	// Total is how many pages match, counted up to MaxSearchTotal: when
	// more match, Total is MaxSearchTotal and More is true.
	Total int
	More  bool
}

// ErrBadQuery is wrapped by Search for a query it cannot run (no words).
var ErrBadQuery = errors.New("bad search query")

// Bounds of a search.
const (
	// MaxSearchTotal caps the count of matching pages: counting every page
	// that holds a common word would cost more than the search itself.
	MaxSearchTotal = 1000
	// maxSearchLimit caps the hits of one page of results.
	maxSearchLimit = 100
	defaultLimit   = 20
)

// rankFunction weighs the columns of page_search for bm25: a word in the
// title counts most, then the authors, the site name and the text.
const rankFunction = `bm25(10.0, 5.0, 2.0, 1.0)`

// Markers snippet() puts around matched terms; searchSnippet turns them
// into <mark> once the text around them is escaped.
const (
	markOpen  = "\x02"
	markClose = "\x03"
)

// Search finds pages by the words of their article metadata, best first
// (bm25, the title weighted above the text). A query without a word to
// search (empty, or punctuation alone) or with a bad From, To or Site is an
// error wrapping ErrBadQuery.
func (x *Index) Search(ctx context.Context, q SearchQuery) (SearchResults, error) {
	match, err := MatchQuery(q.Words)
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
	var res SearchResults
	count := `SELECT count(*) FROM (SELECT 1 FROM page_search JOIN page_docs d ON d.id = page_search.rowid
		WHERE page_search MATCH ?` + where + ` LIMIT ?)`
	if err := db.QueryRowContext(ctx, count, append(append([]any{match}, args...), MaxSearchTotal+1)...).Scan(&res.Total); err != nil {
		return SearchResults{}, fmt.Errorf("index: search: %w", err)
	}
	if res.Total > MaxSearchTotal {
		res.Total, res.More = MaxSearchTotal, true
	}
	if res.Total == 0 || (offset >= res.Total && !res.More) {
		return res, nil
	}
	// The best hits are chosen on page_search and page_docs alone; the
	// pages and snippets are read for them only.
	hits := `WITH hits (id, score) AS (
		SELECT page_search.rowid, page_search.rank FROM page_search JOIN page_docs d ON d.id = page_search.rowid
		WHERE page_search MATCH ?1 AND page_search.rank MATCH '` + rankFunction + `'` + where + `
		ORDER BY page_search.rank, page_search.rowid DESC LIMIT ? OFFSET ?)
	SELECT ` + prefixed("p.", pageColsNoText) + `, snippet(page_search, 3, '` + markOpen + `', '` + markClose + `', '…', 32)
	FROM hits JOIN page_search ON page_search.rowid = hits.id
		JOIN page_docs d ON d.id = hits.id JOIN pages p ON p.filename = d.filename AND p.offset = d.offset
	WHERE page_search MATCH ?1
	ORDER BY hits.score, hits.id DESC`
	rows, err := db.QueryContext(ctx, hits, append(append([]any{match}, args...), limit, offset)...)
	if err != nil {
		return SearchResults{}, fmt.Errorf("index: search: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h SearchHit
		var authors, snippet string
		p := &h.Page
		if err := rows.Scan(&p.RecordID, &p.ConcurrentTo, &p.URLKey, &p.Timestamp, &p.URL, &p.Filename, &p.Offset,
			&p.Title, &authors, &p.Published, &p.SiteName, &p.CanonicalURL, &p.Language, &p.Description,
			&p.Image, &snippet); err != nil {
			return SearchResults{}, fmt.Errorf("index: search: %w", err)
		}
		p.Authors = []string{}
		if authors != "" {
			p.Authors = strings.Split(authors, "\n")
		}
		h.Snippet = markSnippet(snippet)
		res.Hits = append(res.Hits, h)
	}
	if err := rows.Err(); err != nil {
		return SearchResults{}, fmt.Errorf("index: search: %w", err)
	}
	return res, nil
}

// pageColsNoText are the columns of a page row but its text.
const pageColsNoText = `record_id, concurrent_to, urlkey, ts, url, filename, offset, title, authors, published, site_name,
	canonical_url, language, description, image`

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
