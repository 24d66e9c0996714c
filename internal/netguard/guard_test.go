package netguard

import (
	"errors"
	"net"
	"net/netip"
	"testing"
)

// Each refused range, in each form a connection may take, is refused and
// named; public addresses and what the allow list covers are not.
func TestControlRefusesWhatIsNotPublic(t *testing.T) {
	for _, tc := range []struct {
		addr string // as a dialer hands it to Control
		what string // the range named; "" = allowed
	}{
		{"127.0.0.1:8080", "loopback address"},
		{"127.255.255.254:80", "loopback address"},
		{"[::1]:80", "loopback address"},
		{"10.1.2.3:80", "private address"},
		{"172.16.0.1:80", "private address"},
		{"172.31.255.255:80", "private address"},
		{"192.168.1.1:80", "private address"},
		{"169.254.1.1:80", "link-local address"},
		{"[fe80::1]:80", "link-local address"},
		{"[fe80::1%eth0]:80", "link-local address"},
		{"169.254.169.254:80", "cloud metadata address"},
		{"169.254.170.2:80", "cloud metadata address"},
		{"100.100.100.200:80", "cloud metadata address"},
		{"[fd00:ec2::254]:80", "cloud metadata address"},
		{"100.64.0.1:80", "shared (CGNAT) address"},
		{"100.127.255.255:80", "shared (CGNAT) address"},
		{"224.0.0.1:80", "multicast address"},
		{"239.255.255.250:1900", "multicast address"},
		{"[ff02::1]:80", "multicast address"},
		{"0.0.0.0:80", "unspecified address"},
		{"0.1.2.3:80", `"this network" address`},
		{"[::]:80", "unspecified address"},
		{"255.255.255.255:80", "broadcast address"},
		{"240.0.0.1:80", "reserved address"},
		{"198.18.0.1:80", "benchmarking address"},
		{"198.19.255.255:80", "benchmarking address"},
		{"[2001:2::1]:80", "benchmarking address"},
		{"192.0.2.1:80", "documentation address"},
		{"198.51.100.7:80", "documentation address"},
		{"203.0.113.9:80", "documentation address"},
		{"[2001:db8::1]:80", "documentation address"},
		{"[3fff::1]:80", "documentation address"},
		{"192.0.0.8:80", "IETF protocol assignment address"},
		{"[fc00::1]:80", "unique local address"},
		{"[fdff:ffff::1]:80", "unique local address"},
		{"[fec0::1]:80", "site-local address (deprecated)"},
		{"[100::1]:80", "discard-only address"},
		{"[::7f00:1]:80", "IPv4-compatible address (deprecated)"},
		{"[64:ff9b:1::a00:1]:80", "local-use NAT64 address"},
		// IPv6 forms that end at an IPv4 address.
		{"[::ffff:127.0.0.1]:80", "loopback address 127.0.0.1 in an IPv4-mapped IPv6 address"},
		{"[::ffff:169.254.169.254]:80", "cloud metadata address 169.254.169.254 in an IPv4-mapped IPv6 address"},
		{"[::ffff:10.0.0.1]:80", "private address 10.0.0.1 in an IPv4-mapped IPv6 address"},
		{"[64:ff9b::7f00:1]:80", "loopback address 127.0.0.1 in a NAT64 address"},
		{"[64:ff9b::a9fe:a9fe]:80", "cloud metadata address 169.254.169.254 in a NAT64 address"},
		{"[2002:c0a8:101::1]:80", "private address 192.168.1.1 in a 6to4 address"},
		{"[2002:7f00:1::]:80", "loopback address 127.0.0.1 in a 6to4 address"},
		{"[2001:0:4136:e378:8000:63bf:f5ff:fffe]:80", "private address 10.0.0.1 in a Teredo address (its client)"},
		{"[2001:0:a00:1::f7f7:f7f7]:80", "private address 10.0.0.1 in a Teredo address (its server)"},
		// Public addresses.
		{"93.184.215.14:80", ""},
		{"8.8.8.8:53", ""},
		{"172.32.0.1:80", ""},
		{"100.128.0.1:80", ""},
		{"198.20.0.1:80", ""},
		{"[2606:4700::6810:84e5]:443", ""},
		{"[::ffff:93.184.215.14]:80", ""},
		{"[64:ff9b::808:808]:80", ""},
		{"[2002:808:808::1]:80", ""},
		{"[2001:0:4136:e378:8000:63bf:f7f7:f7f7]:80", ""}, // client 8.8.8.8
		// Allowed by the list (127.0.0.2/32, 192.168.7.0/24, fd12::/16), in every form.
		{"127.0.0.2:80", ""},
		{"[::ffff:127.0.0.2]:80", ""},
		{"[64:ff9b::7f00:2]:80", ""},
		{"192.168.7.9:80", ""},
		{"[2002:c0a8:709::1]:80", ""},
		{"[fd12::1]:80", ""},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			g, err := Parse("127.0.0.2/32, 192.168.7.0/24, fd12::/16")
			if err != nil {
				t.Fatal(err)
			}
			err = g.Control("tcp", tc.addr, nil)
			if tc.what == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var r *RefusedError
			if !errors.As(err, &r) {
				t.Fatalf("not refused (%v); want %s", err, tc.what)
			}
			want := "refused to connect to " + tc.addr + ": " + tc.what + " (not in --allow-targets)"
			if r.Error() != want {
				t.Errorf("error %q\n want %q", r.Error(), want)
			}
			if !r.Range.IsValid() || !r.Range.Contains(r.IP) {
				t.Errorf("range %v does not hold %v", r.Range, r.IP)
			}
		})
	}
}

// The allow list wins over every range, the metadata addresses included,
// when it says so; the zero Guard allows nothing that is not public.
func TestAllowListIsTheOnlyWayIn(t *testing.T) {
	metadata := netip.MustParseAddrPort("169.254.169.254:80")
	if err := (&Guard{}).Check(metadata); err == nil {
		t.Errorf("the zero Guard lets %v through", metadata)
	}
	g, err := Parse("169.254.0.0/16")
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Check(metadata); err != nil {
		t.Errorf("allowed 169.254.0.0/16, got %v", err)
	}
	// An IPv4-mapped entry is its IPv4 range; host bits are masked.
	g, err = Parse("::ffff:127.0.0.0/104,10.1.2.3/8")
	if err != nil {
		t.Fatal(err)
	}
	if got := g.String(); got != "127.0.0.0/8,10.0.0.0/8" {
		t.Errorf("allow list %q, want 127.0.0.0/8,10.0.0.0/8", got)
	}
	for _, a := range []string{"127.0.0.1:1", "[::ffff:127.0.0.1]:1", "10.200.0.1:1"} {
		if err := g.Check(netip.MustParseAddrPort(a)); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
}

// What is not an IP address and port (a Unix socket) is refused.
func TestControlRefusesWhatItCannotRead(t *testing.T) {
	err := (&Guard{}).Control("unix", "/run/docker.sock", nil)
	if err == nil || err.Error() != "refused to connect to /run/docker.sock: not an IP address and port (unix)" {
		t.Errorf("got %v", err)
	}
}

func TestParseNamesTheBadEntry(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.0/33":              `--allow-targets "10.0.0.0/33": not a CIDR range or an IP address: prefix length out of range`,
		"127.0.0.2/32, localhost":  `--allow-targets "localhost": not a CIDR range or an IP address: unable to parse IP`,
		"10.0.0.0/8,300.1.1.1/32":  `--allow-targets "300.1.1.1/32": not a CIDR range or an IP address: IPv4 field has value >255`,
		"fe80::1%eth0":             `--allow-targets "fe80::1%eth0": not a CIDR range or an IP address: an address with a zone (%eth0) names no range`,
		"fe80::%eth0/64":           `--allow-targets "fe80::%eth0/64": not a CIDR range or an IP address: IPv6 zones cannot be present in a prefix`,
		"10.0.0.0/x":               `--allow-targets "10.0.0.0/x": not a CIDR range or an IP address: bad bits after slash: "x"`,
		"10.0.0.0/8\n127.0.0.1/32": `--allow-targets "10.0.0.0/8\n127.0.0.1/32": not a CIDR range or an IP address: unexpected character (at "/8\n127.0.0.1")`,
	} {
		_, err := Parse(in)
		if err == nil {
			t.Errorf("Parse(%q) took it", in)
			continue
		}
		if err.Error() != want {
			t.Errorf("Parse(%q):\n got %s\nwant %s", in, err, want)
		}
	}
	for _, in := range []string{"", " ", "127.0.0.2/32,", "127.0.0.2", "::1", "0.0.0.0/0,::/0"} {
		if _, err := Parse(in); err != nil {
			t.Errorf("Parse(%q): %v", in, err)
		}
	}
}

// The dialer refuses before anything reaches the address: the listener on
// 127.0.0.1 accepts nothing; one on the allowed 127.0.0.2 does.
func TestDialerConnectsOnlyWhereAllowed(t *testing.T) {
	g, err := Parse("127.0.0.2/32")
	if err != nil {
		t.Fatal(err)
	}
	d := g.Dialer(nil)
	refused, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer refused.Close()
	c, err := d.Dial("tcp", refused.Addr().String())
	var r *RefusedError
	if !errors.As(err, &r) || r.What != "loopback address" {
		c.Close()
		t.Fatalf("dial %s: %v; want a refusal", refused.Addr(), err)
	}
	allowed, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 here: %v", err)
	}
	defer allowed.Close()
	c, err = d.Dial("tcp", allowed.Addr().String())
	if err != nil {
		t.Fatalf("dial %s: %v", allowed.Addr(), err)
	}
	c.Close()
	// Nothing was connected to 127.0.0.1: its first Accept is the probe's.
	probe, err := net.Dial("tcp", refused.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	got, err := refused.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	if got.RemoteAddr().String() != probe.LocalAddr().String() {
		t.Errorf("127.0.0.1 accepted a connection from %v before the probe's", got.RemoteAddr())
	}
}
