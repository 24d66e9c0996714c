package netguard

import (
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// Guard refuses connections to addresses that are not public, but for
// those its allow list covers. The zero Guard allows no such address; a
// Guard is safe for concurrent use.
type Guard struct {
	allow []netip.Prefix
}

// New returns a Guard whose allow list is allow (IPv4-mapped prefixes are
// taken as the IPv4 ones).
func New(allow ...netip.Prefix) *Guard {
	g := &Guard{}
	for _, p := range allow {
		g.allow = append(g.allow, canonical(p))
	}
	return g
}

// Parse reads an --allow-targets value: CIDR ranges or single addresses,
// separated by commas ("127.0.0.2/32,10.0.0.0/8,fd00::/8"). Blank entries
// are ignored, so "" allows nothing. A range with host bits set is taken
// as the range it falls in (10.1.2.3/8 is 10.0.0.0/8).
func Parse(s string) (*Guard, error) {
	var allow []netip.Prefix
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		p, err := parseEntry(entry)
		if err != nil {
			return nil, fmt.Errorf("--allow-targets %q: %s", entry, reason(err))
		}
		allow = append(allow, p)
	}
	return New(allow...), nil
}

func parseEntry(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("an address with a zone (%%%s) names no range", a.Zone())
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// reason is what netip says is wrong with an entry, without its echo of
// the entry (the error names it already).
func reason(err error) string {
	return "not a CIDR range or an IP address: " + netipEcho.ReplaceAllString(err.Error(), "")
}

// netipEcho is how net/netip's errors begin: the function and its input.
var netipEcho = regexp.MustCompile(`^((netip\.)?Parse(Addr|Prefix)\("(?:[^"\\]|\\.)*"\): )+`)

// canonical masks p and takes an IPv4-mapped range as the IPv4 one, the
// form Check compares addresses in.
func canonical(p netip.Prefix) netip.Prefix {
	a, bits := p.Addr().WithZone(""), p.Bits()
	if a.Is4In6() && bits >= 96 {
		a, bits = a.Unmap(), bits-96
	}
	return netip.PrefixFrom(a, bits).Masked()
}

// Allowed returns the allow list, as Check compares with it.
func (g *Guard) Allowed() []netip.Prefix { return append([]netip.Prefix(nil), g.allow...) }

// String is the allow list as Parse reads it ("" when empty).
func (g *Guard) String() string {
	s := make([]string, len(g.allow))
	for i, p := range g.allow {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

func (g *Guard) allows(a netip.Addr) bool {
	for _, p := range g.allow {
		if p.Contains(a) || p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// Check says whether a connection to ap may be made: nil when its address
// is public or the allow list covers it, a *RefusedError otherwise. An IPv6
// address that carries an IPv4 one (IPv4-mapped, NAT64, 6to4, Teredo) is
// refused when the IPv4 address would be, the allow list not covering it
// in either form.
func (g *Guard) Check(ap netip.AddrPort) error {
	a := ap.Addr().WithZone("")
	if g.allows(a) {
		return nil
	}
	if s, ok := classify(a); ok {
		return &RefusedError{Addr: ap.String(), IP: a, Range: s.p, What: s.what}
	}
	for _, e := range embedded(a) {
		if g.allows(e.v4) {
			continue
		}
		if s, ok := classify(e.v4); ok {
			return &RefusedError{Addr: ap.String(), IP: e.v4, Range: s.p, What: s.what, Via: e.how}
		}
	}
	return nil
}

// Control is a net.Dialer's Control: it runs once the address to connect
// to is known (a name resolved), before the connection is made, and
// refuses what Check refuses. An address that is no IP address and port
// (a Unix socket) is refused too.
func (g *Guard) Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &RefusedError{Addr: address, What: "not an IP address and port (" + network + ")"}
	}
	return g.Check(ap)
}

// Dialer returns a dialer that connects where Check allows only, with the
// timeouts of the capture engine's own dialer, resolving names with r (nil
// means the system resolver). Its Control is the Guard's: whoever adds
// ControlContext to it takes the guard off.
func (g *Guard) Dialer(r *net.Resolver) *net.Dialer {
	return &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Resolver: r, Control: g.Control}
}

// RefusedError is a connection the Guard refused.
type RefusedError struct {
	Addr  string       // the address dialled, host:port
	IP    netip.Addr   // the address in Range: Addr's, or the IPv4 one it carries
	Range netip.Prefix // the refused range IP is in
	What  string       // what the range is ("loopback address")
	Via   string       // how Addr carries IP ("a NAT64 address"), "" when it is IP
}

func (e *RefusedError) Error() string {
	if !e.Range.IsValid() {
		return fmt.Sprintf("refused to connect to %s: %s", e.Addr, e.What)
	}
	what := e.What
	if e.Via != "" {
		what = fmt.Sprintf("%s %s in %s", e.What, e.IP, e.Via)
	}
	return fmt.Sprintf("refused to connect to %s: %s (not in --allow-targets)", e.Addr, what)
}
