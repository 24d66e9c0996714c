package browser

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// authority is a checked host and port, from a CONNECT request line, a
// Host header or an absolute URL. The proxy parses these itself (the leaf
// certificate is issued for the host, and a tunnel's requests must name
// the host it was opened for), so this is the one parser of outside input
// that is ours; FuzzParseAuthority holds it to its contract.
type authority struct {
	host string // lower case; an IP address in its canonical form, IPv6 without brackets
	port string // decimal, 1 to 65535, no leading zeros
}

var errAuthority = errors.New("not a host:port")

// maxHost is the longest DNS name (253) with a trailing dot, or an IPv6
// address in brackets with room to spare.
const maxHost = 254

// parseAuthority checks s as host[:port]: a DNS name, an IPv4 address or
// an IPv6 address in brackets (no zone), then an optional port. Without
// one the port is defaultPort; an empty defaultPort makes it required (a
// CONNECT names its port). It refuses user info, paths and anything else.
func parseAuthority(s, defaultPort string) (authority, error) {
	host, port, err := splitHostPort(s)
	if err != nil {
		return authority{}, err
	}
	if port == "" {
		if defaultPort == "" {
			return authority{}, errAuthority
		}
		port = defaultPort
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 || strings.IndexFunc(port, notDigit) >= 0 {
		return authority{}, errAuthority
	}
	return authority{host: host, port: strconv.FormatUint(n, 10)}, nil
}

// splitHostPort separates and checks the host; the port comes back as
// written (possibly empty) for parseAuthority to check.
func splitHostPort(s string) (host, port string, err error) {
	if len(s) == 0 || len(s) > maxHost+6 {
		return "", "", errAuthority
	}
	if s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", errAuthority
		}
		ip, err := netip.ParseAddr(s[1:end])
		if err != nil || !ip.Is6() || ip.Zone() != "" {
			return "", "", errAuthority
		}
		rest := s[end+1:]
		if rest != "" {
			var ok bool
			if port, ok = strings.CutPrefix(rest, ":"); !ok || port == "" {
				return "", "", errAuthority
			}
		}
		return ip.String(), port, nil
	}
	host = s
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		host, port = s[:i], s[i+1:]
		if port == "" {
			return "", "", errAuthority
		}
	}
	host = strings.ToLower(host)
	if ip, err := netip.ParseAddr(host); err == nil && ip.Is4() {
		return ip.String(), port, nil
	}
	if !validDNSName(host) {
		return "", "", errAuthority
	}
	return host, port, nil
}

// validDNSName accepts what a browser sends after canonicalising a URL's
// host: labels of letters, digits, '-' and '_' (seen in real host names),
// one optional trailing dot, and a last label that is not all digits (a
// browser turns those into IPv4 addresses, so such a name is malformed).
func validDNSName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return strings.IndexFunc(labels[len(labels)-1], notDigit) >= 0
}

func notDigit(r rune) bool { return r < '0' || r > '9' }

// hostPort is host:port, with brackets around an IPv6 address.
func (a authority) hostPort() string { return net.JoinHostPort(a.host, a.port) }

// urlHost is the host as a URL writes it: the port is left out when it is
// the scheme's default.
func (a authority) urlHost(defaultPort string) string {
	if a.port == defaultPort {
		if strings.Contains(a.host, ":") {
			return "[" + a.host + "]"
		}
		return a.host
	}
	return a.hostPort()
}
