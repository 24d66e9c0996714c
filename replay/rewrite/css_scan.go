package rewrite

import "bytes"

// scan appends the rewriting of s to dst. Unless final, it stops before a token that s may cut
// short and returns how much of s it consumed; the parse state then is the state before it.
func (c *cssRewriter) scan(dst, s []byte, final bool) ([]byte, int) {
	i, last := 0, 0
	if c.skip != skipNone {
		if i = c.skipToken(s); c.skip != skipNone {
			return append(dst, s...), len(s)
		}
	}
	more := func(at int) ([]byte, int) {
		return append(dst, s[last:at]...), at
	}
	for i < len(s) {
		ch := s[i]
		switch {
		case ch == '/':
			if i+1 >= len(s) && !final {
				return more(i)
			}
			if i+1 >= len(s) || s[i+1] != '*' {
				i++
				continue
			}
			end := bytes.Index(s[i+2:], []byte("*/"))
			if end < 0 {
				if !final {
					return more(i)
				}
				i = len(s)
				continue
			}
			i += end + 4
		case ch == '"' || ch == '\'':
			end := cssStringEnd(s, i)
			if end == len(s) && !final {
				return more(i)
			}
			if end < len(s) && s[end] == ch {
				if mod, ok := c.stringTarget(); ok {
					dst, last = c.rewriteValue(dst, s, last, i+1, end, mod, ch)
				}
				end++
			}
			i = end // a bad string ends before its newline
		case ch == '@':
			ok, need := cssStartsIdent(s, i+1, final)
			if !ok {
				if need {
					return more(i)
				}
				i++
				continue
			}
			end, need := cssIdentEnd(s, i+1, final)
			if need {
				return more(i)
			}
			switch name := s[i+1 : end]; {
			case cssNameIs(name, "import"):
				c.at, c.importWanted = atImport, true
			case cssNameIs(name, "namespace"):
				c.at, c.importWanted = atNamespace, false
			default:
				c.at, c.importWanted = atOther, false
			}
			i = end
		case ch == '-' || ch == '\\' || cssNameStart(ch):
			ok, need := cssStartsIdent(s, i, final)
			if !ok {
				if need {
					return more(i)
				}
				i++
				continue
			}
			end, need := cssIdentEnd(s, i, final)
			if need {
				return more(i)
			}
			if end >= len(s) || s[end] != '(' {
				i = end
				continue
			}
			name := s[i:end]
			if !cssNameIs(name, "url") {
				if cssNameIs(name, "image-set") || cssNameIs(name, "-webkit-image-set") {
					c.push(fnImageSet)
				} else {
					c.push(fnOther)
				}
				i = end + 1
				continue
			}
			j := end + 1
			for j < len(s) && isHTMLSpace(s[j]) {
				j++
			}
			if j >= len(s) && !final {
				return more(i)
			}
			if j < len(s) && (s[j] == '"' || s[j] == '\'') {
				c.push(fnURL) // url("x") is a function holding a string
				i = j
				continue
			}
			next, ve, ok, need := cssURLEnd(s, j, final)
			if need {
				return more(i)
			}
			if ok && ve > j {
				if mod, ok := c.urlTarget(); ok {
					dst, last = c.rewriteValue(dst, s, last, j, ve, mod, 0)
				}
			}
			i = next
		case '0' <= ch && ch <= '9':
			// A number and its unit, so that "12url(" is a dimension, not a url token.
			start := i
			for i < len(s) && ('0' <= s[i] && s[i] <= '9' || s[i] == '.') {
				i++
			}
			ok, need := cssStartsIdent(s, i, final)
			if need {
				return more(start)
			}
			if ok {
				if i, need = cssIdentEnd(s, i, final); need {
					return more(start)
				}
			}
		case ch == '(':
			c.push(fnOther)
			i++
		case ch == ')':
			c.pop()
			i++
		case ch == ';' || ch == '{' || ch == '}':
			c.at, c.importWanted, c.nfuncs = atNone, false, 0
			i++
		default:
			i++
		}
	}
	return append(dst, s[last:]...), len(s)
}

func cssNameStart(ch byte) bool {
	return 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || ch == '_' || ch >= 0x80
}

func cssNameChar(ch byte) bool {
	return cssNameStart(ch) || '0' <= ch && ch <= '9' || ch == '-'
}

// cssValidEscape reports whether a backslash at i starts an escape; need when s ends first.
func cssValidEscape(s []byte, i int, final bool) (ok, need bool) {
	if i+1 >= len(s) {
		return final, !final // at the very end a backslash escapes U+FFFD
	}
	ch := s[i+1]
	return ch != '\n' && ch != '\r' && ch != '\f', false
}

// cssStartsIdent reports whether an identifier starts at i; need when s ends before that is known.
func cssStartsIdent(s []byte, i int, final bool) (ok, need bool) {
	if i >= len(s) {
		return false, !final
	}
	switch ch := s[i]; {
	case ch == '-':
		if i+1 >= len(s) {
			return false, !final
		}
		if n := s[i+1]; n == '-' || cssNameStart(n) {
			return true, false
		} else if n == '\\' {
			return cssValidEscape(s, i+1, final)
		}
		return false, false
	case ch == '\\':
		return cssValidEscape(s, i, final)
	default:
		return cssNameStart(ch), false
	}
}

// cssIdentEnd returns the end of the name starting at i; need when s may cut it short.
func cssIdentEnd(s []byte, i int, final bool) (int, bool) {
	for i < len(s) {
		switch ch := s[i]; {
		case cssNameChar(ch):
			i++
		case ch == '\\':
			ok, need := cssValidEscape(s, i, final)
			if need {
				return i, true
			}
			if !ok {
				return i, false
			}
			if i = cssEscapeEnd(s, i); i == len(s) && !final {
				return i, true
			}
		default:
			return i, false
		}
	}
	return i, !final
}

// cssEscapeEnd returns the index after the valid escape at s[i]: a backslash and a character,
// or up to six hex digits and one whitespace (CR LF counting as one).
func cssEscapeEnd(s []byte, i int) int {
	i++
	if i >= len(s) || !isHexDigit(s[i]) {
		return min(i+1, len(s))
	}
	for end := min(i+6, len(s)); i < end && isHexDigit(s[i]); i++ {
	}
	if i < len(s) && isHTMLSpace(s[i]) {
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		i++
	}
	return i
}

// cssNameIs reports whether the CSS name b, escapes decoded, is name (ASCII case-insensitive).
func cssNameIs(b []byte, name string) bool {
	if bytes.IndexByte(b, '\\') >= 0 {
		b = decodeCSSEscapes(b)
	}
	return equalFoldASCII(b, name)
}

// cssStringEnd returns the index of the quote that closes the string opening at i, of the
// newline that makes it a bad string, or len(s).
func cssStringEnd(s []byte, i int) int {
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

// cssURLEnd reads the unquoted url token whose value starts at j. It returns the index after its
// ")", the end of its value, whether it is a valid url token, and need when s may cut it short.
func cssURLEnd(s []byte, j int, final bool) (next, valueEnd int, ok, need bool) {
	for k := j; k < len(s); k++ {
		switch ch := s[k]; {
		case ch == ')':
			return k + 1, k, true, false
		case isHTMLSpace(ch):
			end := k
			for k < len(s) && isHTMLSpace(s[k]) {
				k++
			}
			switch {
			case k >= len(s):
				return k, end, true, !final
			case s[k] == ')':
				return k + 1, end, true, false
			}
			return cssBadURLEnd(s, k, final)
		case ch == '"' || ch == '\'' || ch == '(' || ch < 0x20 || ch == 0x7f:
			return cssBadURLEnd(s, k, final)
		case ch == '\\':
			ok, need := cssValidEscape(s, k, final)
			if need {
				return k, k, false, true
			}
			if !ok {
				return cssBadURLEnd(s, k, final)
			}
			if k = cssEscapeEnd(s, k); k == len(s) && !final {
				return k, k, false, true
			}
			k--
		}
	}
	return len(s), len(s), true, !final
}

// cssBadURLEnd consumes the remnants of a bad url token up to and including its ")".
func cssBadURLEnd(s []byte, k int, final bool) (next, valueEnd int, ok, need bool) {
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
