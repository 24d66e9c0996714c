package index

import (
	"fmt"
	"html"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Bounds of a query's words.
const (
	// maxSearchWords bounds the words of a query: each is a phrase FTS5
	// must intersect with the others.
	maxSearchWords = 32
	// minPrefix is the fewest letters a prefix ("abc*") may have: FTS5
	// gathers every word a prefix begins, and "a*" is most of the index.
	minPrefix = 3
)

// queryWord is one word of a query as the user typed it, without its "*".
type queryWord struct {
	text   string
	prefix bool
}

// parseWords splits what a user typed into words. A word with no letter or
// digit in it (punctuation alone) finds nothing and is left out; with no
// word left, too many, or a prefix shorter than minPrefix, the query is an
// error wrapping ErrBadQuery.
func parseWords(words string) ([]queryWord, error) {
	// FTS5 reads a string only up to a NUL: control characters are spaces.
	words = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(words, " "))
	var out []queryWord
	for _, w := range strings.Fields(words) {
		prefix := strings.HasSuffix(w, "*")
		w = strings.TrimRight(w, "*")
		if !hasTokenChar(w) {
			continue
		}
		if prefix && len(tokens(w)[len(tokens(w))-1].folded) < minPrefix {
			return nil, fmt.Errorf("%w: %q: a word ending in * needs at least %d letters", ErrBadQuery, w+"*", minPrefix)
		}
		out = append(out, queryWord{w, prefix})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no words to search for", ErrBadQuery)
	}
	if len(out) > maxSearchWords {
		return nil, fmt.Errorf("%w: more than %d words", ErrBadQuery, maxSearchWords)
	}
	return out, nil
}

// matchOf is the FTS5 query of words: each word a quoted phrase, so nothing
// in it is read as FTS5 syntax (quotes, NEAR(, AND, OR, NOT, column
// filters, ^, -, +), and a prefix a phrase followed by "*".
func matchOf(words []queryWord) string {
	phrases := make([]string, len(words))
	for i, w := range words {
		phrases[i] = `"` + strings.ReplaceAll(w.text, `"`, `""`) + `"`
		if w.prefix {
			phrases[i] += "*"
		}
	}
	return strings.Join(phrases, " ")
}

// MatchQuery turns the words a user typed into the FTS5 query that finds
// the pages holding every one of them (see parseWords and matchOf).
func MatchQuery(words string) (string, error) {
	ws, err := parseWords(words)
	if err != nil {
		return "", err
	}
	return matchOf(ws), nil
}

// isTokenChar tells the characters the unicode61 tokenizer keeps in a
// token (letters, digits, private-use characters) and the combining marks
// it folds away, from the separators between tokens.
func isTokenChar(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r) || unicode.Is(unicode.Mn, r)
}

func hasTokenChar(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return isTokenChar(r) && !unicode.Is(unicode.Mn, r) }) >= 0
}

// token is a word of a text: where it is and its folded form.
type token struct {
	start, end int
	folded     string
}

// tokens splits s as the unicode61 tokenizer does, folding each word as
// "remove_diacritics 2" does: lower case, accents taken off.
func tokens(s string) []token {
	var out []token
	start := -1
	for i, r := range s {
		switch {
		case isTokenChar(r) && start < 0:
			start = i
		case !isTokenChar(r) && start >= 0:
			out = append(out, token{start, i, fold(s[start:i])})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, token{start, len(s), fold(s[start:])})
	}
	return out
}

// fold lower-cases w and takes the diacritics off its letters.
func fold(w string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(w) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// snippetTerm is a folded word to mark in a snippet; a prefix marks the
// words it begins.
type snippetTerm struct {
	folded string
	prefix bool
}

// snippetTerms are the words of a query as they are marked: a word of
// several tokens ("rose+overnight") marks each, its last as the prefix.
func snippetTerms(words []queryWord) []snippetTerm {
	var out []snippetTerm
	for _, w := range words {
		ts := tokens(w.text)
		for i, t := range ts {
			out = append(out, snippetTerm{t.folded, w.prefix && i == len(ts)-1})
		}
	}
	return out
}

// snippetWords is how many words a snippet shows.
const snippetWords = 32

// snippet is the passage of text of n words that holds the most of terms
// (the first such), as HTML: the text escaped and each word that a term
// finds in a <mark> element. A passage that does not start or end the text
// has "…" there.
func snippet(text string, terms []snippetTerm, n int) string {
	toks := tokens(text)
	if len(toks) == 0 {
		return ""
	}
	hit := make([]int, len(toks)) // the term a token matches, plus one; 0 for none
	for i, t := range toks {
		for j, term := range terms {
			if t.folded == term.folded || term.prefix && strings.HasPrefix(t.folded, term.folded) {
				hit[i] = j + 1
				break
			}
		}
	}
	// The window with the most distinct terms, then the most matches, the
	// first of them; slid one word at a time.
	count := make([]int, len(terms)+1)
	distinct, matches := 0, 0
	add := func(k, d int) {
		if h := hit[k]; h > 0 {
			if count[h] += d; count[h] == 0 || (d > 0 && count[h] == 1) {
				distinct += d
			}
			matches += d
		}
	}
	for k := range min(n, len(toks)) {
		add(k, 1)
	}
	best, bestScore := 0, distinct*1000+matches
	for start := 1; start+n <= len(toks); start++ {
		add(start-1, -1)
		add(start+n-1, 1)
		if score := distinct*1000 + matches; score > bestScore {
			best, bestScore = start, score
		}
	}
	// Centre the matches of the window in it, so that words before the
	// first show what it is about.
	first, lastHit := -1, -1
	for k := best; k < min(best+n, len(toks)); k++ {
		if hit[k] > 0 {
			if first < 0 {
				first = k
			}
			lastHit = k
		}
	}
	if first >= 0 {
		best = max(0, min(first-(n-(lastHit-first+1))/2, len(toks)-n))
	}
	last := min(best+n, len(toks)) - 1
	var b strings.Builder
	if best > 0 {
		b.WriteString("…")
	}
	pos := toks[best].start
	for k := best; k <= last; k++ {
		t := toks[k]
		b.WriteString(html.EscapeString(text[pos:t.start]))
		if hit[k] > 0 {
			b.WriteString("<mark>" + html.EscapeString(text[t.start:t.end]) + "</mark>")
		} else {
			b.WriteString(html.EscapeString(text[t.start:t.end]))
		}
		pos = t.end
	}
	if last == len(toks)-1 {
		b.WriteString(html.EscapeString(strings.TrimRightFunc(text[pos:], unicode.IsSpace)))
	} else {
		b.WriteString("…")
	}
	return b.String()
}
