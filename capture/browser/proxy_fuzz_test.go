package browser

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"testing"
)

func FuzzParseAuthority(f *testing.F) {
	for _, s := range []string{
		"example.com:443", "EXAMPLE.com", "127.0.0.1:8443", "[::1]:443", "[::ffff:1.2.3.4]:80",
		"a_b.example.:0443", "1.2.3", "999.1.1.1:80", "u@h:443", "h:", ":443", "[::1", "[fe80::1%eth0]:443",
		"h:+80", "h:65536", "xn--bcher-kva.example:443", "a..b:1", "/path", "[1.2.3.4]:443",
	} {
		f.Add(s)
	}
	ca, err := NewCA()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parseAuthority(s, "")
		if b, err2 := parseAuthority(s, "443"); err == nil && (err2 != nil || b != a) {
			t.Fatalf("%q: a default port changes an explicit one: %v, %v", s, a, b)
		}
		a, err = parseAuthority(s, "443")
		if err != nil {
			return
		}
		n, perr := strconv.Atoi(a.port)
		if a.host == "" || perr != nil || n < 1 || n > 65535 || strconv.Itoa(n) != a.port {
			t.Fatalf("%q accepted as %#v", s, a)
		}
		// What the proxy writes back (URL host, CONNECT-style host:port)
		// reads back as the same authority.
		for _, again := range []string{a.hostPort(), a.urlHost("443")} {
			if b, err := parseAuthority(again, "443"); err != nil || b != a {
				t.Fatalf("%q accepted as %#v, but %q reads back as %#v, %v", s, a, again, b, err)
			}
		}
		if ip, err := netip.ParseAddr(a.host); err == nil && ip.String() != a.host {
			t.Fatalf("%q: IP host %q not canonical", s, a.host)
		}
		// Every accepted host gets a certificate.
		ca.mu.Lock()
		clear(ca.leaves)
		ca.mu.Unlock()
		if _, err := ca.leaf(a.host); err != nil {
			t.Fatalf("%q accepted, but no certificate for %q: %v", s, a.host, err)
		}
	})
}

// FuzzProxyRequest gives the proxy's handler whatever net/http parses,
// plain or in a tunnel: it must never panic, and what reaches h must be
// an absolute http(s) URL with its host set and no hop-by-hop headers.
func FuzzProxyRequest(f *testing.F) {
	for _, s := range []string{
		"GET http://127.0.0.2:8080/a?b HTTP/1.1\r\nHost: 127.0.0.2:8080\r\nConnection: X\r\nX: 1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: 127.0.0.1:8443\r\n\r\n",
		"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
		"POST http://h/p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc",
		"GET http://h/ HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n",
		"GET https://127.0.0.1:8443/x HTTP/1.1\r\nHost: 127.0.0.1:8443\r\n\r\n",
		"GET http://[::1]:80/ HTTP/1.1\r\nHost: [::1]\r\n\r\n",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	ca, err := NewCA()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte, inTunnel bool) {
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return
		}
		if inTunnel {
			tun := &tunnel{target: authority{host: "127.0.0.1", port: "8443"}, scheme: "https"}
			r = r.WithContext(context.WithValue(r.Context(), tunnelKey{}, tun))
		}
		called := false
		p := NewProxy(ca, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			called = true
			u := r.URL
			if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Host != r.Host || r.RequestURI != "" || u.User != nil {
				t.Fatalf("handler got URL %q, Host %q, RequestURI %q", u, r.Host, r.RequestURI)
			}
			if inTunnel && u.Host != "127.0.0.1:8443" {
				t.Fatalf("handler got %q from a tunnel to 127.0.0.1:8443", u)
			}
			if _, err := parseAuthority(u.Host, "443"); err != nil {
				t.Fatalf("handler got a malformed host %q", u.Host)
			}
			for _, k := range hopHeaders {
				if _, ok := r.Header[k]; ok {
					t.Fatalf("handler got hop-by-hop header %s", k)
				}
			}
		}), nil)
		w := httptest.NewRecorder()
		p.serve(w, r)
		if !called && r.Method != http.MethodConnect && w.Code < 400 {
			t.Fatalf("refused with %d", w.Code)
		}
	})
}
