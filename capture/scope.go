package capture

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Scope says which linked pages a crawl follows from a seed. Requisites are
// captured wherever they live; scope only limits pages.
type Scope string

// The scopes, narrowest first.
const (
	ScopePage   Scope = "page"   // the seed alone
	ScopePrefix Scope = "prefix" // URLs under the seed's directory
	ScopeHost   Scope = "host"   // the seed's host
	ScopeDomain Scope = "domain" // the seed's registrable domain and its subdomains
)

// ParseScope checks a --scope value.
func ParseScope(s string) (Scope, error) {
	switch sc := Scope(strings.ToLower(s)); sc {
	case ScopePage, ScopePrefix, ScopeHost, ScopeDomain:
		return sc, nil
	}
	return "", fmt.Errorf("unknown scope %q (want page, prefix, host or domain)", s)
}

// Contains reports whether u is in this scope around seed.
func (s Scope) Contains(seed, u *url.URL) bool {
	if u.Scheme != "http" && u.Scheme != "https" {
		return false
	}
	switch s {
	case ScopePage:
		return sameURL(seed, u)
	case ScopePrefix:
		return strings.EqualFold(seed.Host, u.Host) && strings.HasPrefix(u.Path, dirOf(seed.Path))
	case ScopeHost:
		return strings.EqualFold(seed.Hostname(), u.Hostname())
	case ScopeDomain:
		a, b := registrable(seed.Hostname()), registrable(u.Hostname())
		return a != "" && a == b
	}
	return false
}

// follows says whether the run follows a link to u that is in scope: u
// matches an --include pattern (when there are any) and no --exclude one.
// Colly's filters refuse an excluded URL anyway; checking before the URL is
// claimed keeps it out of the frontier and the --max-pages budget.
func (c *crawl) follows(u *url.URL) bool {
	return (len(c.cfg.Include) == 0 || matchesAny(c.cfg.Include, u.String())) && !c.excluded(u)
}

// excluded says whether an --exclude pattern names u.
func (c *crawl) excluded(u *url.URL) bool {
	return len(c.cfg.Exclude) > 0 && matchesAny(c.cfg.Exclude, u.String())
}

func matchesAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

func sameURL(a, b *url.URL) bool {
	return strings.EqualFold(a.Host, b.Host) && a.Path == b.Path && a.RawQuery == b.RawQuery
}

func dirOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i+1]
	}
	return "/"
}

// registrable is the registrable domain of host (example.co.uk for
// news.example.co.uk); an IP address or a bare name is its own domain.
func registrable(host string) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if net.ParseIP(host) != nil || !strings.Contains(host, ".") {
		return host
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return host
	}
	return d
}
