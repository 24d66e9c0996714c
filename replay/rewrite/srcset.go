package rewrite

import "github.com/vellumhq/vellum/internal/srcset"

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
// when none did, dst is returned unchanged. Every candidate's URL is rewritten, even one that
// browsers drop for its descriptors, so that no URL of the live web is left in the page.
func (rs *resolver) appendSrcset(dst, v []byte, mod string) ([]byte, bool) {
	start, copied, changed := len(dst), 0, false
	var buf [8]srcset.Candidate
	for _, c := range srcset.Scan(buf[:0], v) {
		mark := len(dst)
		dst = append(dst, v[copied:c.Start]...)
		var ok bool
		if dst, ok = rs.appendURL(dst, v[c.Start:c.End], mod); ok {
			copied, changed = c.End, true
		} else {
			dst = dst[:mark]
		}
	}
	if !changed {
		return dst[:start], false
	}
	return append(dst, v[copied:]...), true
}

// isHTMLSpace reports whether c is ASCII whitespace as HTML defines it.
func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}
