package netguard

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

// FuzzParse reads --allow-targets values: an error is one line naming the
// entry it refuses; a list it takes reads back the same from its String,
// and allows each of its ranges' first addresses.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"127.0.0.2/32,10.0.0.0/8", "", ",", " ::1 , fd00::/8", "10.1.2.3/8", "::ffff:127.0.0.0/104",
		"10.0.0.0/33", "localhost", "fe80::1%eth0", "fe80::%eth0/64", "1.2.3.4/\n", `"): x`, "0.0.0.0/0,::/0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, err := Parse(s)
		if err != nil {
			msg := err.Error()
			if strings.ContainsAny(msg, "\r\n") {
				t.Fatalf("Parse(%q): error on more than one line: %q", s, msg)
			}
			if !strings.HasPrefix(msg, "--allow-targets \"") {
				t.Fatalf("Parse(%q): error names no entry: %q", s, msg)
			}
			entry, err := strconv.QuotedPrefix(strings.TrimPrefix(msg, "--allow-targets "))
			if uq, _ := strconv.Unquote(entry); err != nil || !strings.Contains(s, uq) {
				t.Fatalf("Parse(%q): error names %s, not an entry of it", s, entry)
			}
			return
		}
		again, err := Parse(g.String())
		if err != nil || again.String() != g.String() {
			t.Fatalf("Parse(%q) = %q, which reads back as %v, %v", s, g.String(), again, err)
		}
		for _, p := range g.Allowed() {
			if p != p.Masked() || p.Addr().Is4In6() {
				t.Fatalf("Parse(%q): range %v not in canonical form", s, p)
			}
			if err := g.Check(netip.AddrPortFrom(p.Addr(), 80)); err != nil {
				t.Fatalf("Parse(%q) allows %v but refuses its first address: %v", s, p, err)
			}
		}
	})
}
