package index

import (
	"fmt"
	"strings"
)

// SearchPlan is a SearchQuery checked and read as Search reads it, for the
// other implementation of the index (index/postgres) to search the same
// words within the same bounds and mark its snippets the same way.
type SearchPlan struct {
	Terms  []SearchTerm // every one must match
	From   string       // 14 digits, "" for no bound
	To     string       // 14 digits, "" for no bound
	Sites  [][2]string  // ranges [lo, hi) of URL keys, any of them; none for every site
	Limit  int          // 1..100 hits
	Offset int          // hits skipped

	words []queryWord
}

// SearchTerm is one word of a query: its tokens, folded as the index folds
// a page's text (lower case, accents off), in order; a word of several
// tokens ("rose+overnight") is a phrase. With Prefix, the last token
// begins the word it matches.
type SearchTerm struct {
	Tokens []string
	Prefix bool
}

// PlanSearch checks and reads q; a query Search would refuse is an error
// wrapping ErrBadQuery.
func PlanSearch(q SearchQuery) (SearchPlan, error) {
	words, err := parseWords(q.Words)
	if err != nil {
		return SearchPlan{}, err
	}
	p := SearchPlan{Limit: q.Limit, Offset: max(q.Offset, 0), words: words}
	if p.Limit <= 0 {
		p.Limit = defaultLimit
	}
	p.Limit = min(p.Limit, maxSearchLimit)
	if q.From != "" || q.To != "" {
		if p.From, err = padTimestamp("from", q.From, "10000101000000"); err != nil {
			return SearchPlan{}, wrapBad(err)
		}
		if p.To, err = padTimestamp("to", q.To, "99991231235959"); err != nil {
			return SearchPlan{}, wrapBad(err)
		}
	}
	if site := strings.TrimSpace(q.Site); site != "" {
		if p.Sites, err = siteRanges(site); err != nil {
			return SearchPlan{}, err
		}
	}
	for _, w := range words {
		var t SearchTerm
		for _, tok := range tokens(w.text) {
			t.Tokens = append(t.Tokens, tok.folded)
		}
		t.Prefix = w.prefix
		p.Terms = append(p.Terms, t)
	}
	return p, nil
}

// Snippet is the passage of text that holds the most of the query's
// words, as HTML with each in <mark>…</mark>: a SearchHit's Snippet.
func (p SearchPlan) Snippet(text string) string {
	return snippet(text, snippetTerms(p.words), snippetWords)
}

func wrapBad(err error) error { return fmt.Errorf("%w: %v", ErrBadQuery, err) }
