package rewrite

// rewriteSrcset rewrites each image candidate URL of a srcset value (decoded, as for Rewrite) with
// modifier mod, keeping descriptors, commas and whitespace exactly as they were.
//
// Candidates are split as the WHATWG "parse a srcset attribute" algorithm splits them: a URL is a
// run of non-whitespace that may contain commas ("a.jpg?w=1,2 1x"), commas ending a URL separate
// candidates, and descriptors may hold commas inside parentheses.
func rewriteSrcset(v string, u *URLRewriter, mod string) string {
	var rs resolver
	rs.init(u)
	b, ok := rs.appendSrcset(nil, []byte(v), mod)
	if !ok {
		return v
	}
	return string(b)
}

// appendSrcset appends the rewritten srcset value v to dst and reports whether any URL changed;
// when none did, dst is returned unchanged.
func (rs *resolver) appendSrcset(dst, v []byte, mod string) ([]byte, bool) {
	start, copied, changed := len(dst), 0, false
	pos := 0
	for {
		for pos < len(v) && (isHTMLSpace(v[pos]) || v[pos] == ',') {
			pos++
		}
		if pos >= len(v) {
			break
		}
		urlStart := pos
		for pos < len(v) && !isHTMLSpace(v[pos]) {
			pos++
		}
		urlEnd := pos
		if v[urlEnd-1] == ',' {
			for urlEnd > urlStart && v[urlEnd-1] == ',' {
				urlEnd--
			}
		} else {
			pos = srcsetDescriptorsEnd(v, pos)
		}
		if urlEnd == urlStart {
			continue
		}
		mark := len(dst)
		dst = append(dst, v[copied:urlStart]...)
		var ok bool
		if dst, ok = rs.appendURL(dst, v[urlStart:urlEnd], mod); ok {
			copied, changed = urlEnd, true
		} else {
			dst = dst[:mark]
		}
	}
	if !changed {
		return dst[:start], false
	}
	return append(dst, v[copied:]...), true
}

// srcsetDescriptorsEnd returns the index of the comma that ends the descriptors starting at pos (a
// comma inside parentheses does not), or len(v).
func srcsetDescriptorsEnd(v []byte, pos int) int {
	inParens := false
	for ; pos < len(v); pos++ {
		switch c := v[pos]; {
		case inParens:
			inParens = c != ')'
		case c == '(':
			inParens = true
		case c == ',':
			return pos
		}
	}
	return pos
}

// isHTMLSpace reports whether c is ASCII whitespace as HTML defines it.
func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}
