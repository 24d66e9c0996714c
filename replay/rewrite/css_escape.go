package rewrite

import "unicode/utf8"

// CSS escapes: decoding the URLs found in stylesheets, and escaping rewritten ones.

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

// decodeCSSEscapes returns b with its CSS escapes decoded and escaped newlines removed.
func decodeCSSEscapes(b []byte) []byte {
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
			if k < len(b) && isHTMLSpace(b[k]) {
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

// cssNeedsEscape reports whether ch must be escaped in a string quoted by quote, or in an
// unquoted url when quote is 0.
func cssNeedsEscape(ch, quote byte) bool {
	switch {
	case ch == '\\' || ch == '\n' || ch == '\r' || ch == '\f':
		return true
	case quote != 0:
		return ch == quote
	}
	return ch <= ' ' || ch == '"' || ch == '\'' || ch == '(' || ch == ')' || ch == 0x7f
}

func needsCSSEscape(v []byte, quote byte, nonASCII bool) bool {
	for _, ch := range v {
		if cssNeedsEscape(ch, quote) || nonASCII && ch >= 0x80 {
			return true
		}
	}
	return false
}

// appendCSSEscaped appends v escaped for a string quoted by quote (an unquoted url when 0), with
// non-ASCII characters as escapes too when nonASCII is set.
func appendCSSEscaped(dst, v []byte, quote byte, nonASCII bool) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(v); i++ {
		ch := v[i]
		var r rune
		switch {
		case nonASCII && ch >= 0x80:
			var n int
			r, n = utf8.DecodeRune(v[i:])
			i += n - 1
		case !cssNeedsEscape(ch, quote):
			dst = append(dst, ch)
			continue
		case ch > ' ' && ch != 0x7f:
			dst = append(dst, '\\', ch)
			continue
		default:
			r = rune(ch)
		}
		dst = append(dst, '\\')
		for shift := 20; shift >= 0; shift -= 4 {
			if d := (r >> shift) & 0xF; d != 0 || shift == 0 || r>>(shift+4) != 0 {
				dst = append(dst, hex[d])
			}
		}
		dst = append(dst, ' ')
	}
	return dst
}
