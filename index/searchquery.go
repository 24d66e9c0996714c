package index

import (
	"fmt"
	"html"
	"strings"
	"unicode"
)

// maxSearchWords bounds the words of a query: each is a phrase FTS5 must
// intersect with the others.
const maxSearchWords = 32

// MatchQuery turns the words a user typed into an FTS5 query that finds
// the pages holding every one of them. Each word becomes a quoted phrase,
// so nothing in it is read as FTS5 syntax (quotes, NEAR(, AND, OR, NOT,
// column filters, ^, -, +); a word ending in "*" becomes a prefix query.
// A word with no letter or digit in it (punctuation alone) finds nothing
// and is left out; with no word left the query is an error wrapping
// ErrBadQuery.
func MatchQuery(words string) (string, error) {
	// FTS5 reads a string only up to a NUL: control characters are spaces.
	words = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(words, " "))
	var phrases []string
	for _, w := range strings.Fields(words) {
		prefix := strings.HasSuffix(w, "*")
		w = strings.TrimRight(w, "*")
		if !hasTokenChar(w) {
			continue
		}
		p := `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
		if prefix {
			p += "*"
		}
		phrases = append(phrases, p)
	}
	if len(phrases) == 0 {
		return "", fmt.Errorf("%w: no words to search for", ErrBadQuery)
	}
	if len(phrases) > maxSearchWords {
		return "", fmt.Errorf("%w: more than %d words", ErrBadQuery, maxSearchWords)
	}
	return strings.Join(phrases, " "), nil
}

// hasTokenChar reports whether s holds a character the unicode61 tokenizer
// keeps in a token (a letter, a digit, a private-use character); a phrase
// without one is empty, and FTS5 finds nothing for it.
func hasTokenChar(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r) {
			return true
		}
	}
	return false
}

// markSnippet turns a snippet with markOpen and markClose around its
// matched terms into HTML: the text escaped, then the markers made <mark>
// elements. Markers the archived text itself held cannot open an element
// twice nor leave one open, so the result is escaped text and balanced
// <mark> elements whatever the text.
func markSnippet(s string) string {
	var b strings.Builder
	open := false
	for s != "" {
		i := strings.IndexAny(s, markOpen+markClose)
		if i < 0 {
			b.WriteString(html.EscapeString(s))
			break
		}
		b.WriteString(html.EscapeString(s[:i]))
		switch {
		case s[i:i+1] == markOpen && !open:
			b.WriteString("<mark>")
			open = true
		case s[i:i+1] == markClose && open:
			b.WriteString("</mark>")
			open = false
		}
		s = s[i+1:]
	}
	if open {
		b.WriteString("</mark>")
	}
	return b.String()
}
