package warc

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// SURT returns the sort-friendly URI key of rawURL as pywb (the Python "surt"
// package) computes it: "http://www.Example.com:80/Story.html?b=2&a=1#top"
// becomes "com,example)/story.html?a=1&b=2". The scheme, user info, fragment,
// default port and a leading "www." (or "www2." ...) are dropped; the host is
// lowercased and its labels reversed with commas; percent-escapes are decoded
// and re-escaped minimally; dot segments and empty path segments are removed; a
// trailing slash is dropped unless the path is "/"; path and query are
// lowercased; query parameters are sorted and common session ids removed.
// URLs without a host ("dns:example.com", "mailto:...", "file:///x") are
// returned as they are, with spaces and control characters escaped so the key
// stays one CDXJ field. An error means no host could be found.
func SURT(rawURL string) (string, error) {
	s := strings.Map(func(r rune) rune {
		if r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, strings.TrimSpace(rawURL))
	s = stripAngles(s)
	if s == "" {
		return "", errors.New("warc: surt: empty URL")
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || !validScheme(scheme) {
		if i := strings.IndexByte(s, ':'); i > 0 && validScheme(s[:i]) && !strings.Contains(s[:i], ".") {
			return escapeMinimal(s), nil // dns:, mailto:, urn: ... have no host to reverse
		}
		scheme, rest = "http", s
	}
	scheme = strings.ToLower(scheme)
	if scheme == "http" || scheme == "https" {
		rest = strings.TrimLeft(rest, "/") // "http:////example.com" as browsers read it
	} else if strings.HasPrefix(rest, "/") {
		return escapeMinimal(s), nil // file:///path has no host either
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		authority = authority[i+1:]
	}
	host, port, err := splitHostPort(authority)
	if err != nil {
		return "", fmt.Errorf("warc: surt %q: %w", rawURL, err)
	}
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	tail, _, _ = strings.Cut(tail, "#")
	path, query, hasQuery := strings.Cut(tail, "?")

	var b strings.Builder
	b.WriteString(reverseHost(host))
	if port != "" {
		b.WriteString(":" + port)
	}
	b.WriteString(")")
	b.WriteString(canonicalPath(path))
	if hasQuery {
		if q := canonicalQuery(query); q != "" {
			b.WriteString("?" + q)
		}
	}
	return b.String(), nil
}

func validScheme(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alpha := 'a' <= c|0x20 && c|0x20 <= 'z'
		if !alpha && (i == 0 || !('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

func splitHostPort(authority string) (host, port string, err error) {
	host = authority
	if strings.HasPrefix(authority, "[") { // IPv6 literal
		i := strings.IndexByte(authority, ']')
		if i < 0 {
			return "", "", errors.New("unterminated IPv6 literal")
		}
		host, port = authority[:i+1], strings.TrimPrefix(authority[i+1:], ":")
	} else if i := strings.LastIndexByte(authority, ':'); i >= 0 {
		host, port = authority[:i], authority[i+1:]
	}
	if port != "" {
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return "", "", fmt.Errorf("bad port %q", port)
		}
		port = strings.TrimLeft(port, "0")
	}
	host = strings.ToLower(escapeMinimal(unescapeRepeatedly(host)))
	host = strings.Trim(host, ".")
	for strings.Contains(host, "..") {
		host = strings.ReplaceAll(host, "..", ".")
	}
	host = stripWWW(host)
	if host == "" {
		return "", "", errors.New("no host")
	}
	return host, port, nil
}

// stripWWW drops a leading "www." or "www<digits>." label.
func stripWWW(host string) string {
	if !strings.HasPrefix(host, "www") {
		return host
	}
	i := 3
	for i < len(host) && '0' <= host[i] && host[i] <= '9' {
		i++
	}
	if i < len(host) && host[i] == '.' {
		return host[i+1:]
	}
	return host
}

// reverseHost turns "news.example.com" into "com,example,news".
func reverseHost(host string) string {
	if strings.HasPrefix(host, "[") {
		return host
	}
	labels := strings.Split(host, ".")
	slices.Reverse(labels)
	return strings.Join(labels, ",")
}

func canonicalPath(p string) string {
	p = escapeMinimal(unescapeRepeatedly(p))
	var segs []string
	for _, s := range strings.Split(p, "/") {
		switch s {
		case "", ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, s)
		}
	}
	return strings.ToLower("/" + strings.Join(segs, "/"))
}

func canonicalQuery(q string) string {
	q = escapeMinimal(unescapeRepeatedly(q))
	params := strings.Split(q, "&")
	params = stripSessionIDs(params)
	for i := range params {
		params[i] = strings.ToLower(params[i])
	}
	if len(params) == 1 && params[0] == "" {
		return ""
	}
	slices.SortStableFunc(params, compareParams)
	return strings.Join(params, "&")
}

// compareParams orders "k=v" parameters as Python sorts (key, value) tuples:
// by key, a parameter without "=" before one with it, then by value.
func compareParams(a, b string) int {
	ak, av, aok := strings.Cut(a, "=")
	bk, bv, bok := strings.Cut(b, "=")
	if c := strings.Compare(ak, bk); c != 0 {
		return c
	}
	if aok != bok {
		if !aok {
			return -1
		}
		return 1
	}
	return strings.Compare(av, bv)
}

// unescapeRepeatedly decodes %XX escapes until none is left ("%2525" → "%").
// Invalid escapes stay as they are.
func unescapeRepeatedly(s string) string {
	for strings.IndexByte(s, '%') >= 0 {
		u := unescapeOnce(s)
		if u == s {
			break
		}
		s = u
	}
	return s
}

func unescapeOnce(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && unhex(s[i+1]) >= 0 && unhex(s[i+2]) >= 0 {
			if b == nil {
				b = append(make([]byte, 0, len(s)), s[:i]...)
			}
			b = append(b, byte(unhex(s[i+1])<<4|unhex(s[i+2])))
			i += 2
			continue
		}
		if b != nil {
			b = append(b, s[i])
		}
	}
	if b == nil {
		return s
	}
	return string(b)
}

// escapeMinimal escapes control characters, space, '#', '%' and non-ASCII bytes,
// and nothing else.
func escapeMinimal(s string) string {
	const hexdig = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || c >= 0x7f || c == '#' || c == '%' {
			b.WriteByte('%')
			b.WriteByte(hexdig[c>>4])
			b.WriteByte(hexdig[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// isSessionParam reports whether a query parameter is a session id that pywb
// drops from SURT keys: jsessionid, phpsessid or sid with a 32-character
// alphanumeric value, aspsessionidXXXXXXXX with a 24-letter value, cfid or
// cftoken.
func isSessionParam(k, v string) bool {
	switch {
	case strings.EqualFold(k, "jsessionid"), strings.EqualFold(k, "phpsessid"), strings.EqualFold(k, "sid"):
		return len(v) == 32 && allBytes(v, isAlnum)
	case len(k) == 20 && strings.EqualFold(k[:12], "aspsessionid"):
		return allBytes(k[12:], isAlpha) && len(v) == 24 && allBytes(v, isAlpha)
	case strings.EqualFold(k, "cfid"), strings.EqualFold(k, "cftoken"):
		return v != ""
	}
	return false
}

func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }
func isAlnum(c byte) bool { return isAlpha(c) || '0' <= c && c <= '9' }

func allBytes(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func stripSessionIDs(params []string) []string {
	out := params[:0]
	for _, p := range params {
		if k, v, _ := strings.Cut(p, "="); !isSessionParam(k, v) {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return []string{""}
	}
	return out
}
