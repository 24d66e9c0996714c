package testsite

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// DNS is a DNS server on loopback UDP that knows a few names and answers
// NXDOMAIN for everything else, so tests can use real host names and a real
// "no such host" without any resolver outside the machine.
type DNS struct {
	Addr string // host:port of the server

	mu    sync.Mutex
	names map[string]net.IP
	turns map[string][]net.IP // names whose answer changes (see Rebind)
	pc    net.PacketConn
}

// NewDNS starts a DNS server; it stops when the test ends.
func NewDNS(t testing.TB, names map[string]string) *DNS {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("dns: %v", err)
	}
	d := &DNS{Addr: pc.LocalAddr().String(), names: map[string]net.IP{}, turns: map[string][]net.IP{}, pc: pc}
	for n, ip := range names {
		d.names[strings.ToLower(strings.TrimSuffix(n, "."))] = net.ParseIP(ip)
	}
	go d.serve()
	t.Cleanup(func() { pc.Close() })
	return d
}

// Dialer returns a dialer whose lookups go to this server only.
func (d *DNS) Dialer() *net.Dialer {
	return &net.Dialer{
		Timeout: 10 * time.Second,
		Resolver: &net.Resolver{
			PreferGo: true,
			Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var nd net.Dialer
				return nd.DialContext(ctx, "udp", d.Addr)
			},
		},
	}
}

// Rebind makes name's A queries get ips in turn, the last one from then on
// (DNS rebinding: a name that is one address when a check looks it up and
// another when the connection is made).
func (d *DNS) Rebind(name string, ips ...string) {
	seq := make([]net.IP, len(ips))
	for i, ip := range ips {
		seq[i] = net.ParseIP(ip)
	}
	d.mu.Lock()
	d.turns[strings.ToLower(strings.TrimSuffix(name, "."))] = seq
	d.mu.Unlock()
}

func (d *DNS) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := d.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		if out, ok := d.answer(buf[:n]); ok {
			_, _ = d.pc.WriteTo(out, from)
		}
	}
}

func (d *DNS) answer(q []byte) ([]byte, bool) {
	var p dnsmessage.Parser
	h, err := p.Start(q)
	if err != nil {
		return nil, false
	}
	qs, err := p.AllQuestions()
	if err != nil || len(qs) != 1 {
		return nil, false
	}
	question := qs[0]
	name := strings.ToLower(strings.TrimSuffix(question.Name.String(), "."))
	d.mu.Lock()
	ip, known := d.names[name]
	if seq := d.turns[name]; len(seq) > 0 {
		ip, known = seq[0], true
		if len(seq) > 1 && question.Type == dnsmessage.TypeA {
			d.turns[name] = seq[1:]
		}
	}
	d.mu.Unlock()
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired}
	if !known {
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	_ = b.StartQuestions()
	_ = b.Question(question)
	_ = b.StartAnswers()
	if known && question.Type == dnsmessage.TypeA && ip.To4() != nil {
		var a [4]byte
		copy(a[:], ip.To4())
		_ = b.AResource(dnsmessage.ResourceHeader{Name: question.Name, Class: dnsmessage.ClassINET, TTL: 60},
			dnsmessage.AResource{A: a})
	}
	out, err := b.Finish()
	return out, err == nil
}
