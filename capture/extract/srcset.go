package extract

import "github.com/vellumhq/vellum/internal/srcset"

// srcsetURLs calls fn with the URL of every valid image candidate in a srcset attribute value, in
// order, as the shared scanner finds them: a candidate whose descriptors are invalid is dropped,
// as browsers drop it.
func srcsetURLs(s string, fn func(string)) {
	var buf [8]srcset.Candidate
	for _, c := range srcset.Scan(buf[:0], s) {
		if c.Valid {
			fn(s[c.Start:c.End])
		}
	}
}
