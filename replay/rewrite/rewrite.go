package rewrite

import (
	"bytes"
	"net/url"
	"strings"

	"github.com/vellumhq/vellum/internal/srcset"
)

// URLRewriter maps URLs found in archived content to archive URLs.
//
// A URLRewriter is a value the caller fills in per replayed document; its methods do not modify
// it. HTML works on its own copy, so a <base href> in the document does not change Base.
type URLRewriter struct {
	Prefix    string   // "/web/" or "http://127.0.0.1:8081/web/": prepended to every rewritten URL
	Timestamp string   // 14 digits: the capture being replayed
	Base      *url.URL // the archived document's own URL, against which relative URLs resolve
}

// Rewrite returns the archive URL for raw (as found in the document: relative, protocol-relative or
// absolute) with modifier mod: Prefix + Timestamp + mod + "/" + the absolute URL.
//
// data:, blob:, javascript:, about:, mailto:, tel: and every other non-http(s) value, fragment-only
// values ("#x"), empty values and URLs already inside the archive (starting with Prefix, or with the
// prefix's path or scheme-relative form when Prefix is absolute) are returned unchanged, as are
// relative values when Base is not an http(s) URL. The fragment stays at the end
// ("/web/2014…/http://a/b#frag"). HTML entities are the caller's business: raw is a decoded value.
//
// Like a browser, Rewrite ignores surrounding whitespace and inner tabs and newlines, reads
// backslashes as slashes before the query, and removes "." and ".." path segments; it does not
// otherwise normalise the URL (the index canonicalises on lookup), so the original text, including
// non-ASCII bytes in the document's own charset, is kept.
func (r *URLRewriter) Rewrite(raw, mod string) string {
	var rs resolver
	rs.init(r)
	n := len(rs.prefix) + len(rs.ts) + len(mod) + len("/https://") + len(rs.host) + len(rs.path) + len(raw)
	b, ok := rs.appendURL(make([]byte, 0, n), []byte(raw), mod)
	if !ok {
		return raw
	}
	return string(b)
}

// resolver is the working form of a URLRewriter: the prefix and base split into the pieces that
// rewriting appends, so that rewriting a URL parses nothing but the URL itself. It works on byte
// slices, as found in the document, and allocates nothing in the common cases.
type resolver struct {
	prefix, ts string
	prefixPath string // the path of an absolute Prefix ("/web/"), else ""
	prefixNet  string // the scheme-relative form of an absolute Prefix ("//host:port/web/"), else ""
	scheme     string // the base's scheme, "http" or "https"; "" when relative values stay as they are
	host       string // the base's host[:port]
	path       string // the base's escaped path, starting with "/"
	dirLen     int    // the length of path's directory, through its last "/"
}

func (rs *resolver) init(u *URLRewriter) {
	*rs = resolver{prefix: u.Prefix, ts: u.Timestamp}
	if i := strings.Index(u.Prefix, "://"); i > 0 {
		rs.prefixNet = u.Prefix[i+1:]
		if j := strings.IndexByte(rs.prefixNet[2:], '/'); j >= 0 {
			rs.prefixPath = rs.prefixNet[2+j:]
		}
	}
	rs.setBase(u.Base)
}

// setBase makes b the URL that relative values resolve against.
func (rs *resolver) setBase(b *url.URL) {
	rs.scheme, rs.host, rs.path, rs.dirLen = "", "", "/", 1
	if b == nil || b.Opaque != "" || b.Host == "" {
		return
	}
	switch {
	case strings.EqualFold(b.Scheme, "http"):
		rs.scheme = "http"
	case strings.EqualFold(b.Scheme, "https"):
		rs.scheme = "https"
	default:
		return
	}
	rs.host = b.Host
	if p := b.EscapedPath(); strings.HasPrefix(p, "/") {
		rs.path = p
	} else if p != "" {
		rs.path = "/" + p
	}
	rs.dirLen = strings.LastIndexByte(rs.path, '/') + 1
}

// archived reports whether s already points into the archive.
func (rs *resolver) archived(s []byte) bool {
	return rs.prefix == "" || hasPrefix(s, rs.prefix) ||
		rs.prefixPath != "" && hasPrefix(s, rs.prefixPath) ||
		rs.prefixNet != "" && hasPrefix(s, rs.prefixNet)
}

func hasPrefix(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix
}

// appendURL appends the archive URL for raw with modifier mod to dst and reports whether it did;
// when it does not (raw stays as it is), dst is returned unchanged.
func (rs *resolver) appendURL(dst, raw []byte, mod string) ([]byte, bool) {
	s := cleanURL(raw)
	if len(s) == 0 || s[0] == '#' || rs.archived(s) {
		return dst, false
	}
	n := len(dst)
	dst = append(dst, rs.prefix...)
	dst = append(dst, rs.ts...)
	dst = append(dst, mod...)
	dst = append(dst, '/')
	dst, ok := rs.appendAbsolute(dst, s)
	if !ok {
		return dst[:n], false
	}
	return dst, true
}

// appendAbsolute appends the absolute http(s) URL that the cleaned, non-empty value s resolves
// to; ok is false (and dst unchanged) when s does not resolve to one.
func (rs *resolver) appendAbsolute(dst, s []byte) ([]byte, bool) {
	if scheme, rest := splitScheme(s); scheme != nil {
		var sch string
		switch {
		case equalFoldASCII(scheme, "http"):
			sch = "http"
		case equalFoldASCII(scheme, "https"):
			sch = "https"
		default:
			return dst, false
		}
		if len(rest) > 0 && !isSlash(rest[0]) && sch == rs.scheme {
			return rs.appendRelative(dst, rest) // "http:page.html" is relative to an http base
		}
		return appendNetPath(dst, sch, trimSlashes(rest))
	}
	if len(s) >= 2 && isSlash(s[0]) && isSlash(s[1]) {
		if rs.scheme == "" {
			return dst, false
		}
		return appendNetPath(dst, rs.scheme, trimSlashes(s))
	}
	return rs.appendRelative(dst, s)
}

// appendRelative appends the non-empty s resolved against the base.
func (rs *resolver) appendRelative(dst, s []byte) ([]byte, bool) {
	if rs.scheme == "" {
		return dst, false
	}
	dst = append(dst, rs.scheme...)
	dst = append(dst, "://"...)
	dst = append(dst, rs.host...)
	switch {
	case isSlash(s[0]):
		return appendPath(dst, s), true
	case s[0] == '?':
		dst = append(dst, rs.path...)
		return append(dst, s...), true
	}
	dir := rs.path[:rs.dirLen]
	if _, norm := scanPath(s); s[0] != '.' && !norm {
		dst = append(dst, dir...)
		return append(dst, s...), true
	}
	return appendPath(dst, append([]byte(dir), s...)), true
}

// appendNetPath appends scheme://rest, where rest is an authority and what follows it.
func appendNetPath(dst []byte, scheme string, rest []byte) ([]byte, bool) {
	host := 0
	for host < len(rest) && !isSlash(rest[host]) && rest[host] != '?' && rest[host] != '#' {
		host++
	}
	if host == 0 {
		return dst, false // no host: not a URL a browser would load
	}
	dst = append(dst, scheme...)
	dst = append(dst, "://"...)
	dst = append(dst, rest[:host]...)
	return appendPath(dst, rest[host:]), true
}

// appendPath appends p, a path (possibly empty) followed by an optional query and fragment, with
// backslashes in the path read as slashes and dot segments removed (RFC 3986 §5.2.4).
func appendPath(dst, p []byte) []byte {
	end, norm := scanPath(p)
	if !norm {
		return append(dst, p...)
	}
	root := len(dst)
	path := p[:end]
	for len(path) > 0 {
		path = path[1:] // the slash (or backslash) that starts each segment
		n := 0
		for n < len(path) && !isSlash(path[n]) {
			n++
		}
		seg, last := path[:n], n == len(path)
		path = path[n:]
		switch string(seg) {
		case ".":
		case "..":
			if i := bytes.LastIndexByte(dst[root:], '/'); i >= 0 {
				dst = dst[:root+i]
			}
		default:
			dst = append(dst, '/')
			dst = append(dst, seg...)
			continue
		}
		if last {
			dst = append(dst, '/')
		}
	}
	return append(dst, p[end:]...)
}

// scanPath returns the end of the path at the start of s (where its query or fragment starts)
// and whether the path needs normalizing: it has backslashes or may have dot segments.
func scanPath(s []byte) (end int, norm bool) {
	for i, c := range s {
		if !pathBytes[c] {
			continue
		}
		switch c {
		case '?', '#':
			return i, norm
		case '\\':
			norm = true
		case '.':
			norm = norm || i > 0 && s[i-1] == '/'
		}
	}
	return len(s), norm
}

var pathBytes = [256]bool{'?': true, '#': true, '\\': true, '.': true}

// splitScheme returns the scheme of s and what follows its colon, or nil and s when s has none.
func splitScheme(s []byte) (scheme, rest []byte) {
	for i, c := range s {
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.':
			if i == 0 {
				return nil, s
			}
		case c == ':' && i > 0:
			return s[:i], s[i+1:]
		default:
			return nil, s
		}
	}
	return nil, s
}

func isSlash(c byte) bool { return c == '/' || c == '\\' }

func trimSlashes(s []byte) []byte {
	for len(s) > 0 && isSlash(s[0]) {
		s = s[1:]
	}
	return s
}

// cleanURL strips what URL parsing ignores: leading and trailing C0 controls and spaces, and tabs
// and newlines anywhere (then into a new slice: s may be the document).
func cleanURL(s []byte) []byte {
	i, j := 0, len(s)
	for i < j && s[i] <= ' ' {
		i++
	}
	for j > i && s[j-1] <= ' ' {
		j--
	}
	s = s[i:j]
	for k, c := range s {
		if c <= '\r' && (c == '\t' || c == '\n' || c == '\r') {
			b := append([]byte(nil), s[:k]...)
			for _, c := range s[k:] {
				if c != '\t' && c != '\n' && c != '\r' {
					b = append(b, c)
				}
			}
			return b
		}
	}
	return s
}

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
