package cssurl

import (
	"bytes"
	"unicode/utf8"
)

// The pieces of CSS Syntax Level 3's tokenizer that Scan uses. Each takes the input so far and
// final, which says whether it is the whole of it; need is true when the input may cut short
// what is being read, so that the caller waits for more.

func nameStart(ch byte) bool {
	return 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || ch == '_' || ch >= 0x80
}

func nameChar(ch byte) bool {
	return nameStart(ch) || '0' <= ch && ch <= '9' || ch == '-'
}

// isSpace reports whether ch is whitespace as CSS (and HTML) define it.
func isSpace(ch byte) bool {
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\f' || ch == '\r'
}

func isHexDigit(ch byte) bool {
	return '0' <= ch && ch <= '9' || 'a' <= ch && ch <= 'f' || 'A' <= ch && ch <= 'F'
}

func hexValue(ch byte) rune {
	switch {
	case ch >= 'a':
		return rune(ch-'a') + 10
	case ch >= 'A':
		return rune(ch-'A') + 10
	}
	return rune(ch - '0')
}

// validEscape reports whether a backslash at i starts an escape.
func validEscape(s []byte, i int, final bool) (ok, need bool) {
	if i+1 >= len(s) {
		return final, !final // at the very end a backslash escapes U+FFFD
	}
	ch := s[i+1]
	return ch != '\n' && ch != '\r' && ch != '\f', false
}

// startsIdent reports whether an identifier starts at i.
func startsIdent(s []byte, i int, final bool) (ok, need bool) {
	if i >= len(s) {
		return false, !final
	}
	switch ch := s[i]; {
	case ch == '-':
		if i+1 >= len(s) {
			return false, !final
		}
		if n := s[i+1]; n == '-' || nameStart(n) {
			return true, false
		} else if n == '\\' {
			return validEscape(s, i+1, final)
		}
		return false, false
	case ch == '\\':
		return validEscape(s, i, final)
	default:
		return nameStart(ch), false
	}
}

// identEnd returns the end of the name starting at i.
func identEnd(s []byte, i int, final bool) (end int, need bool) {
	for i < len(s) {
		switch ch := s[i]; {
		case nameChar(ch):
			i++
		case ch == '\\':
			ok, need := validEscape(s, i, final)
			if need {
				return i, true
			}
			if !ok {
				return i, false
			}
			if i = escapeEnd(s, i); i == len(s) && !final {
				return i, true
			}
		default:
			return i, false
		}
	}
	return i, !final
}

// escapeEnd returns the index after the valid escape at s[i]: a backslash and a character, or up
// to six hex digits and one whitespace (CR LF counting as one).
func escapeEnd(s []byte, i int) int {
	i++
	if i >= len(s) || !isHexDigit(s[i]) {
		return min(i+1, len(s))
	}
	for end := min(i+6, len(s)); i < end && isHexDigit(s[i]); i++ {
	}
	if i < len(s) && isSpace(s[i]) {
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		i++
	}
	return i
}

// nameIs reports whether the CSS name b, escapes decoded, is name (lower case), ignoring ASCII case.
func nameIs(b []byte, name string) bool {
	if bytes.IndexByte(b, '\\') >= 0 {
		b = Unescape(b)
	}
	return equalFold(b, name)
}

// equalFold reports whether b is s (lower case), ignoring ASCII case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// stringEnd returns the index of the quote that closes the string opening at i, of the newline
// that makes it a bad string, or len(s).
func stringEnd(s []byte, i int) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case q, '\n', '\r', '\f':
			return j
		case '\\':
			if j+1 >= len(s) {
				return len(s)
			}
			if s[j+1] == '\r' && j+2 < len(s) && s[j+2] == '\n' {
				j++
			} else if s[j+1] == '\r' && j+2 >= len(s) {
				return len(s) // perhaps "\" CR LF, cut after the CR
			}
			j++
		}
	}
	return len(s)
}

// urlEnd reads the unquoted url token whose value starts at j. It returns the index after its
// ")", the end of its value, and whether it is a valid url token.
func urlEnd(s []byte, j int, final bool) (next, valueEnd int, ok, need bool) {
	for k := j; k < len(s); k++ {
		switch ch := s[k]; {
		case ch == ')':
			return k + 1, k, true, false
		case isSpace(ch):
			end := k
			for k < len(s) && isSpace(s[k]) {
				k++
			}
			switch {
			case k >= len(s):
				return k, end, true, !final
			case s[k] == ')':
				return k + 1, end, true, false
			}
			return badURLEnd(s, k, final)
		case ch == '"' || ch == '\'' || ch == '(' || ch < 0x20 || ch == 0x7f:
			return badURLEnd(s, k, final)
		case ch == '\\':
			ok, need := validEscape(s, k, final)
			if need {
				return k, k, false, true
			}
			if !ok {
				return badURLEnd(s, k, final)
			}
			if k = escapeEnd(s, k); k == len(s) && !final {
				return k, k, false, true
			}
			k--
		}
	}
	return len(s), len(s), true, !final
}

// badURLEnd consumes the remnants of a bad url token up to and including its ")".
func badURLEnd(s []byte, k int, final bool) (next, valueEnd int, ok, need bool) {
	for ; k < len(s); k++ {
		switch s[k] {
		case ')':
			return k + 1, k, false, false
		case '\\':
			k++
		}
	}
	return len(s), len(s), false, !final
}

// Unescape returns b, the raw text of a URL span or name, with its CSS escapes decoded and its
// escaped newlines removed; b itself when it holds no backslash.
func Unescape(b []byte) []byte {
	if bytes.IndexByte(b, '\\') < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			out = append(out, b[i])
			continue
		}
		i++
		switch {
		case i >= len(b):
			out = utf8.AppendRune(out, utf8.RuneError)
		case b[i] == '\n' || b[i] == '\f':
		case b[i] == '\r':
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
		case isHexDigit(b[i]):
			var r rune
			k := i
			for ; k < len(b) && k-i < 6 && isHexDigit(b[k]); k++ {
				r = r<<4 | hexValue(b[k])
			}
			if k < len(b) && isSpace(b[k]) {
				if b[k] == '\r' && k+1 < len(b) && b[k+1] == '\n' {
					k++
				}
				k++
			}
			if r == 0 || r > utf8.MaxRune || 0xD800 <= r && r <= 0xDFFF {
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
			i = k - 1
		default:
			out = append(out, b[i])
		}
	}
	return out
}
