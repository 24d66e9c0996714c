package capture

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ParseSeed checks a URL given by the user: absolute http(s) with a host.
// A seed without "://" gets "http://" in front, whatever its host looks
// like ("localhost:8080/x", "127.0.0.1/x", "news.example/x", "intranet"), as
// wget does. url.Parse alone would read "localhost:" as a scheme; here a
// name and a colon count as a scheme only when no port number follows, so
// "mailto:desk@news.example" is refused rather than fetched from
// news.example.
func ParseSeed(raw string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, errors.New("empty URL")
	}
	if !strings.Contains(s, "://") {
		scheme, rest, ok := cutScheme(s)
		switch {
		case !ok || startsWithPort(rest): // "host/…" or "host:port/…"
			s = "http://" + strings.TrimPrefix(s, "//")
		case scheme != "http" && scheme != "https": // "mailto:…"
			return nil, fmt.Errorf("invalid URL %q: scheme must be http or https", raw)
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("invalid URL %q: %v", raw, errors.Unwrap(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("invalid URL %q: scheme must be http or https", raw)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("invalid URL %q: no host", raw)
	}
	return normalize(u), nil
}

// cutScheme splits "name:rest" when name has the form of a URL scheme.
func cutScheme(s string) (scheme, rest string, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ':' && i > 0:
			return strings.ToLower(s[:i]), s[i+1:], true
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return "", "", false
		}
	}
	return "", "", false
}

// startsWithPort reports whether s, what follows "host:", is a port number
// ending the host: digits, then the end, a path, a query or a fragment.
func startsWithPort(s string) bool {
	n := 0
	for n < len(s) && '0' <= s[n] && s[n] <= '9' {
		n++
	}
	return n > 0 && (n == len(s) || strings.ContainsRune("/?#", rune(s[n])))
}

// normalize prepares a URL for fetching and for the visited set: the
// fragment goes, the host is lowercased, an empty path becomes "/".
func normalize(u *url.URL) *url.URL {
	v := *u
	v.Fragment, v.RawFragment = "", ""
	v.Host = strings.ToLower(v.Host)
	v.Scheme = strings.ToLower(v.Scheme)
	if v.Path == "" && v.Opaque == "" {
		v.Path = "/"
	}
	if (v.Scheme == "http" && v.Port() == "80") || (v.Scheme == "https" && v.Port() == "443") {
		v.Host = strings.TrimSuffix(v.Host, ":"+v.Port()) // keeps an IPv6 address's brackets
	}
	return &v
}

// parseLink resolves an extracted absolute URL string for fetching.
func parseLink(s string) (*url.URL, bool) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return nil, false
	}
	return normalize(u), true
}
