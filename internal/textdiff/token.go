package textdiff

import (
	"unicode"
	"unicode/utf8"
)

// tokenClass is what kind of token the tokenizer found.
type tokenClass uint8

const (
	classSpace tokenClass = iota // a run of whitespace
	classWord                    // a word, or one ideograph
	classOther                   // one punctuation mark or symbol, or one byte of invalid UTF-8
)

// nextToken returns the length in bytes of the token that s begins with, and
// its class. s must not be empty.
//
// The length depends only on s itself (a word looks at most two runes past its
// end), so tokenizing a substring that starts and ends on token boundaries
// yields the same tokens as tokenizing the whole text; Count relies on it.
func nextToken(s string) (int, tokenClass) {
	r, n := utf8.DecodeRuneInString(s)
	switch {
	case unicode.IsSpace(r):
		for n < len(s) {
			r, size := utf8.DecodeRuneInString(s[n:])
			if !unicode.IsSpace(r) {
				break
			}
			n += size
		}
		return n, classSpace
	case isIdeograph(r):
		// Chinese and Japanese put no spaces between words; one character per
		// token keeps a changed word from marking the whole sentence.
		return n, classWord
	case isWordRune(r):
		return n + wordTail(s[n:], unicode.IsDigit(r)), classWord
	}
	return n, classOther
}

// wordTail returns the length of the rest of a word whose first rune has
// already been read; prevDigit says whether that rune was a digit.
func wordTail(s string, prevDigit bool) int {
	n := 0
	for n < len(s) {
		if c := s[n]; c < utf8.RuneSelf && asciiWord[c] {
			n++
			prevDigit = c <= '9'
			continue
		}
		r, size := utf8.DecodeRuneInString(s[n:])
		if isWordRune(r) && !isIdeograph(r) {
			n += size
			prevDigit = unicode.IsDigit(r)
			continue
		}
		// An apostrophe or hyphen inside a word ("don't", "well-known"), or a
		// decimal or thousands separator inside a number ("1.5", "20,000"),
		// belongs to the word when a word rune follows it.
		isNumberSep := r == '.' || r == ','
		if !isJoiner(r) && !(isNumberSep && prevDigit) {
			break
		}
		next, nextSize := utf8.DecodeRuneInString(s[n+size:])
		if !isWordRune(next) || isIdeograph(next) || (isNumberSep && !unicode.IsDigit(next)) {
			break
		}
		n += size + nextSize
		prevDigit = unicode.IsDigit(next)
	}
	return n
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiWord[r]
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// asciiWord says which ASCII characters are letters or digits.
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
	return t
}()

// isJoiner reports whether r is an apostrophe or hyphen that may sit inside a
// word.
func isJoiner(r rune) bool {
	switch r {
	case '\'', '\u2019', // apostrophe, right single quotation mark
		'-', '\u2010', '\u2011': // hyphen-minus, hyphen, non-breaking hyphen
		return true
	}
	return false
}

func isIdeograph(r rune) bool {
	if r < 0x2E80 { // below the CJK blocks
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}

// tokenize returns the byte offsets at which the tokens of s start, followed
// by len(s): token i is s[b[i]:b[i+1]].
func tokenize(s string) []int {
	b := make([]int, 0, len(s)/3+2)
	for i := 0; i < len(s); {
		b = append(b, i)
		n, _ := nextToken(s[i:])
		i += n
	}
	return append(b, len(s))
}

// countWords returns the number of word tokens in s.
func countWords(s string) int {
	words := 0
	for len(s) > 0 {
		n, class := nextToken(s)
		if class == classWord {
			words++
		}
		s = s[n:]
	}
	return words
}
