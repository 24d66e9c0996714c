package netguard

import (
	"encoding/binary"
	"net/netip"
)

// span is a range of addresses that is not the public Internet, and what
// it is, as a refusal names it.
type span struct {
	p    netip.Prefix
	what string
}

// spans are the refused ranges: IANA's special-purpose registries (RFC
// 6890 and its updates) less what is globally reachable. Narrower ranges
// come first, so that 169.254.169.254 is named a cloud metadata address
// rather than a link-local one.
var spans = []span{
	// Cloud metadata services: AWS, GCP, Azure, OpenStack (and AWS ECS's
	// task endpoint) on link-local, Alibaba Cloud on CGNAT, Oracle Cloud's
	// older one in 192.0.0.0/24, AWS's IPv6 one in the ULA range.
	{pfx("169.254.169.254/32"), "cloud metadata address"},
	{pfx("169.254.170.2/32"), "cloud metadata address"},
	{pfx("100.100.100.200/32"), "cloud metadata address"},
	{pfx("192.0.0.192/32"), "cloud metadata address"},
	{pfx("fd00:ec2::254/128"), "cloud metadata address"},

	{pfx("0.0.0.0/32"), "unspecified address"},
	{pfx("0.0.0.0/8"), `"this network" address`}, // Linux connects 0.x to the machine itself
	{pfx("10.0.0.0/8"), "private address"},
	{pfx("100.64.0.0/10"), "shared (CGNAT) address"},
	{pfx("127.0.0.0/8"), "loopback address"},
	{pfx("169.254.0.0/16"), "link-local address"},
	{pfx("172.16.0.0/12"), "private address"},
	{pfx("192.0.0.0/24"), "IETF protocol assignment address"},
	{pfx("192.0.2.0/24"), "documentation address"},
	{pfx("192.168.0.0/16"), "private address"},
	{pfx("198.18.0.0/15"), "benchmarking address"},
	{pfx("198.51.100.0/24"), "documentation address"},
	{pfx("203.0.113.0/24"), "documentation address"},
	{pfx("224.0.0.0/4"), "multicast address"},
	{pfx("255.255.255.255/32"), "broadcast address"},
	{pfx("240.0.0.0/4"), "reserved address"},

	{pfx("::/128"), "unspecified address"},
	{pfx("::1/128"), "loopback address"},
	{pfx("::/96"), "IPv4-compatible address (deprecated)"},
	{pfx("64:ff9b:1::/48"), "local-use NAT64 address"},
	{pfx("100::/64"), "discard-only address"},
	{pfx("2001:2::/48"), "benchmarking address"},
	{pfx("2001:db8::/32"), "documentation address"},
	{pfx("3fff::/20"), "documentation address"},
	{pfx("fc00::/7"), "unique local address"},
	{pfx("fe80::/10"), "link-local address"},
	{pfx("fec0::/10"), "site-local address (deprecated)"},
	{pfx("ff00::/8"), "multicast address"},
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// classify returns the refused range a belongs to, if any.
func classify(a netip.Addr) (span, bool) {
	for _, s := range spans {
		if s.p.Contains(a) {
			return s, true
		}
	}
	return span{}, false
}

// embedding is an IPv4 address that an IPv6 one carries, and how.
type embedding struct {
	v4  netip.Addr
	how string
}

var (
	nat64  = pfx("64:ff9b::/96")  // RFC 6052: the last 32 bits
	sixTo4 = pfx("2002::/16")     // RFC 3056: bits 16-47
	teredo = pfx("2001::/32")     // RFC 4380: the server in bits 32-63, the client inverted in the last 32
	mapped = pfx("::ffff:0:0/96") // RFC 4291: the last 32 bits
)

// embedded lists the IPv4 addresses a reaches through a translation or a
// tunnel: a connection to such an IPv6 address ends at the IPv4 one.
func embedded(a netip.Addr) []embedding {
	if !a.Is6() {
		return nil
	}
	b := a.As16()
	v4 := func(p []byte) netip.Addr { return netip.AddrFrom4([4]byte(p)) }
	switch {
	case mapped.Contains(a):
		return []embedding{{v4(b[12:]), "an IPv4-mapped IPv6 address"}}
	case nat64.Contains(a):
		return []embedding{{v4(b[12:]), "a NAT64 address"}}
	case sixTo4.Contains(a):
		return []embedding{{v4(b[2:6]), "a 6to4 address"}}
	case teredo.Contains(a):
		var client [4]byte
		binary.BigEndian.PutUint32(client[:], ^binary.BigEndian.Uint32(b[12:]))
		return []embedding{{v4(b[4:8]), "a Teredo address (its server)"}, {netip.AddrFrom4(client), "a Teredo address (its client)"}}
	}
	return nil
}
