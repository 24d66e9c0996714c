package capture

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ParseSeed checks a URL given by the user: absolute http(s) with a host.
// A bare "example.org/path" is taken as http://example.org/path, as wget does.
func ParseSeed(raw string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, errors.New("empty URL")
	}
	if !strings.Contains(s, "://") && !strings.HasPrefix(s, "//") && !strings.Contains(s, " ") &&
		strings.Contains(strings.SplitN(s, "/", 2)[0], ".") {
		s = "http://" + s
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
