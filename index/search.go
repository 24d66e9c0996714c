package index

import (
	"context"
	"errors"
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

// SearchHit is one page found.
type SearchHit struct {
	Page    Page   // the page's row (URL, Timestamp, Title, SiteName, Authors...); Text may be left empty
	Snippet string // HTML: a passage of the text, escaped, with the matched terms in <mark>…</mark>
}

// SearchResults are the hits of a query, best first, and how many there
// are in all.
type SearchResults struct {
	Hits  []SearchHit
	Total int
}

// ErrBadQuery is wrapped by Search for a query it cannot run (no words).
var ErrBadQuery = errors.New("bad search query")

// Search finds pages by the words of their article metadata.
func (x *Index) Search(ctx context.Context, q SearchQuery) (SearchResults, error) {
	return SearchResults{}, errors.ErrUnsupported // full-text search is being built (issue 13)
}
