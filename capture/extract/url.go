package extract

import (
	"net/netip"
	"net/url"
	"strings"

	"golang.org/x/net/idna"
)

// absLinkURL resolves the attribute or CSS reference ref against base the way a browser would
// and returns it as an absolute http(s) URL without a fragment; ok is false when ref does not
// yield one. Besides what url.URL.ResolveReference does, it strips surrounding whitespace and
// inner tabs and newlines, reads backslashes as slashes, tolerates stray "%" signs, lower-cases
// the host (converting an internationalised one to punycode), drops a default port, and
// percent-encodes spaces and other bytes that may not appear raw in a request line.
func absLinkURL(base *url.URL, ref string) (string, bool) {
	ref = strings.TrimFunc(ref, func(r rune) bool { return r <= ' ' })
	if ref == "" || hasPrefixFold(ref, "data:") || hasPrefixFold(ref, "javascript:") {
		return "", false // the common non-http schemes, skipped before any parsing work
	}
	if strings.ContainsAny(ref, "\t\n\r") {
		ref = linkRefControls.Replace(ref)
	}
	if i := strings.IndexByte(ref, '#'); i >= 0 {
		ref = ref[:i]
	}
	if end := strings.IndexByte(ref, '?'); end != 0 {
		// A backslash is a slash in the authority and path of an http(s) URL, not in its query.
		if end < 0 {
			end = len(ref)
		}
		if strings.IndexByte(ref[:end], '\\') >= 0 {
			ref = strings.ReplaceAll(ref[:end], "\\", "/") + ref[end:]
		}
	}
	u, err := url.Parse(ref)
	if err != nil {
		if u, err = url.Parse(escapeStrayPercents(ref)); err != nil {
			return "", false
		}
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.Opaque != "" {
		return "", false
	}
	u.Fragment, u.RawFragment = "", ""
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if host == "" { // "http://:" has a Host but no host name
		return "", false
	}
	if !hostIsASCII(host) {
		if host, err = idna.Lookup.ToASCII(host); err != nil {
			return "", false
		}
	}
	if port == "80" && u.Scheme == "http" || port == "443" && u.Scheme == "https" {
		port = ""
	}
	if strings.IndexByte(host, ':') >= 0 {
		if _, err := netip.ParseAddr(host); err != nil { // "http://::/" names no host
			return "", false
		}
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	if u.Path == "" {
		u.Path = "/"
	}
	u.RawQuery = escapeQuery(u.RawQuery)
	return u.String(), true
}

// linkRefControls removes the tabs and newlines that URL parsing ignores anywhere in a URL.
var linkRefControls = strings.NewReplacer("\t", "", "\n", "", "\r", "")

// escapeStrayPercents encodes each "%" not followed by two hex digits as "%25".
func escapeStrayPercents(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && !(i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2])) {
			b.WriteString("%25")
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// escapeQuery percent-encodes the bytes of a raw query that the WHATWG URL standard encodes:
// controls, space, quotes, angle brackets and non-ASCII.
func escapeQuery(q string) string {
	const hex = "0123456789ABCDEF"
	needs := func(c byte) bool { return c <= ' ' || c >= 0x7f || strings.IndexByte("\"'<>", c) >= 0 }
	i := 0
	for i < len(q) && !needs(q[i]) {
		i++
	}
	if i == len(q) {
		return q
	}
	var b strings.Builder
	b.WriteString(q[:i])
	for ; i < len(q); i++ {
		if c := q[i]; needs(c) {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func hostIsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
