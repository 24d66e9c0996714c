package rewrite

import "unicode/utf8"

// CSS escapes for rewritten URLs (cssurl.Unescape decodes the ones found in stylesheets).

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
