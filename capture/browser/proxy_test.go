package browser

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// seenRequest is what the handler got from the proxy.
type seenRequest struct {
	Method, URL, Host, RequestURI, Remote, Body string
	Header                                      http.Header
}

// handlerLog records every request the proxy gives the handler.
type handlerLog struct {
	mu   sync.Mutex
	reqs []seenRequest
}

func (l *handlerLog) wrap(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		l.mu.Lock()
		l.reqs = append(l.reqs, seenRequest{r.Method, r.URL.String(), r.Host, r.RequestURI, r.RemoteAddr, string(body), r.Header.Clone()})
		l.mu.Unlock()
		next(w, r)
	})
}

// urls lists "METHOD URL" of each request, for failure messages.
func (l *handlerLog) urls() []string {
	var out []string
	for _, r := range l.all() {
		out = append(out, r.Method+" "+r.URL)
	}
	return out
}

func (l *handlerLog) all() []seenRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.reqs)
}

// startProxy runs a proxy for the test with a new CA, closed in Cleanup.
func startProxy(t *testing.T, h http.Handler) (*Proxy, string, *CA) {
	t.Helper()
	ca, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	p := NewProxy(ca, h, nil)
	addr, err := p.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, addr, ca
}

// proxyClient is a Go client that sends everything through the proxy and
// trusts the run's CA, leaving gzip bodies alone.
func proxyClient(t *testing.T, addr string, ca *CA) *http.Client {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert())
	tr := &http.Transport{
		Proxy:              http.ProxyURL(&url.URL{Scheme: "http", Host: addr}),
		TLSClientConfig:    &tls.Config{RootCAs: roots},
		DisableCompression: true,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The handler gets the browser's request as an absolute URL with its
// headers and body; the client gets the handler's response byte for byte.
func TestProxyHandsRequestsToTheHandler(t *testing.T) {
	gz := gzipped(t, "<p>hello, archive</p>")
	var log handlerLog
	_, addr, ca := startProxy(t, log.wrap(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Origin", "fixture")
		w.Header().Set("Content-Encoding", "gzip")
		w.Header()["Set-Cookie"] = []string{"a=1; Path=/", "b=2"}
		w.Header().Set("Content-Length", strconv.Itoa(len(gz)))
		w.WriteHeader(http.StatusCreated)
		w.Write(gz)
	}))
	client := proxyClient(t, addr, ca)
	for _, target := range []string{
		"http://127.0.0.2:8080/a/b%20c?x=1&y=%2F",
		"http://example.test/p?q",
		"https://127.0.0.1:8443/p?q=%C3%A9",
		"https://example.test/index.html",
		"https://[::1]:8443/v6",
	} {
		t.Run(target, func(t *testing.T) {
			req, _ := http.NewRequest("POST", target, strings.NewReader(`{"q":1}`))
			req.Header.Set("Cookie", "session=abc; x=y")
			req.Header.Set("User-Agent", "Mozilla/5.0 test")
			req.Header.Set("Accept-Encoding", "gzip, deflate, br")
			req.Header.Set("Sec-Fetch-Mode", "cors")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusCreated || !bytes.Equal(body, gz) {
				t.Errorf("client got %d %q; want 201 and the gzip bytes as written", resp.StatusCode, body)
			}
			want := http.Header{"X-Origin": {"fixture"}, "Content-Encoding": {"gzip"}, "Set-Cookie": {"a=1; Path=/", "b=2"}, "Content-Length": {strconv.Itoa(len(gz))}}
			if !equalHeader(resp.Header, want) {
				t.Errorf("client got headers %v; want exactly %v (no Date or Content-Type added)", resp.Header, want)
			}
			reqs := log.all()
			got := reqs[len(reqs)-1]
			u, _ := url.Parse(target)
			if got.Method != "POST" || got.URL != target || got.Host != u.Host || got.RequestURI != "" || got.Body != `{"q":1}` {
				t.Errorf("handler got %s %s Host %q RequestURI %q body %q; want POST %s Host %q, no RequestURI, the body",
					got.Method, got.URL, got.Host, got.RequestURI, got.Body, target, u.Host)
			}
			for k, v := range map[string]string{"Cookie": "session=abc; x=y", "User-Agent": "Mozilla/5.0 test", "Accept-Encoding": "gzip, deflate, br", "Sec-Fetch-Mode": "cors"} {
				if got.Header.Get(k) != v {
					t.Errorf("handler got %s %q; want %q", k, got.Header.Get(k), v)
				}
			}
		})
	}
}

// Hop-by-hop and proxy headers go, in both directions; the rest reaches
// the handler exactly as sent.
func TestProxyRemovesHopByHopHeaders(t *testing.T) {
	var log handlerLog
	_, addr, ca := startProxy(t, log.wrap(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Connection", "X-Conn-Only, keep-alive")
		h.Set("X-Conn-Only", "1")
		h.Set("Keep-Alive", "timeout=5")
		h.Set("Proxy-Authenticate", "Basic")
		h.Set("Content-Type", "text/plain")
		w.Write([]byte("ok"))
	}))
	const headers = "Proxy-Connection: keep-alive\r\nProxy-Authorization: Basic eDp5\r\n" +
		"Connection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: 300\r\nTE: trailers\r\nTrailer: X-T\r\nUpgrade: h2c\r\n" +
		"Cookie: a=b\r\nUser-Agent: UA/1\r\nSec-Fetch-Site: none\r\nAccept-Encoding: gzip, br\r\nX-Dup: 1\r\nX-Dup: 2\r\n\r\n"
	want := http.Header{"Cookie": {"a=b"}, "User-Agent": {"UA/1"}, "Sec-Fetch-Site": {"none"}, "Accept-Encoding": {"gzip, br"}, "X-Dup": {"1", "2"}}

	plain := dialProxy(t, addr)
	resp, _ := plain.do(t, "GET http://127.0.0.2:8080/a?b=c HTTP/1.1\r\nHost: 127.0.0.2:8080\r\n"+headers)
	tunnelled := connectTLS(t, addr, ca, "127.0.0.1:8443")
	resp2, _ := tunnelled.do(t, "GET /a?b=c HTTP/1.1\r\nHost: 127.0.0.1:8443\r\n"+headers)
	for _, r := range []*http.Response{resp, resp2} {
		if r.StatusCode != 200 || r.Header.Get("X-Conn-Only") != "" || r.Header.Get("Keep-Alive") != "" || r.Header.Get("Proxy-Authenticate") != "" || r.Header.Get("Content-Type") != "text/plain" {
			t.Errorf("browser got %d %v; want 200, Content-Type, and no hop-by-hop headers", r.StatusCode, r.Header)
		}
	}
	reqs := log.all()
	if len(reqs) != 2 {
		t.Fatalf("handler saw %d requests; want 2", len(reqs))
	}
	for i, wantURL := range []string{"http://127.0.0.2:8080/a?b=c", "https://127.0.0.1:8443/a?b=c"} {
		if reqs[i].URL != wantURL || !equalHeader(reqs[i].Header, want) {
			t.Errorf("handler got %s %v; want %s %v", reqs[i].URL, reqs[i].Header, wantURL, want)
		}
	}
}

// A browser keeps its connections, plain and tunnelled, for the next request.
func TestProxyKeepsConnectionsAlive(t *testing.T) {
	var log handlerLog
	_, addr, ca := startProxy(t, log.wrap(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chunked" {
			w.Write([]byte("one,"))
			w.(http.Flusher).Flush()
			w.Write([]byte("two"))
			return
		}
		w.Write([]byte("body of " + r.URL.Path))
	}))
	client := proxyClient(t, addr, ca)
	for _, origin := range []string{"http://127.0.0.2:8080", "https://127.0.0.1:8443"} {
		var reused []bool
		for _, path := range []string{"/1", "/chunked", "/3"} {
			trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = append(reused, i.Reused) }}
			req, _ := http.NewRequest("GET", origin+path, nil)
			resp, err := client.Do(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			want := "body of " + path
			if path == "/chunked" {
				want = "one,two"
				if !slices.Equal(resp.TransferEncoding, []string{"chunked"}) {
					t.Errorf("%s%s came with Transfer-Encoding %v; want chunked", origin, path, resp.TransferEncoding)
				}
			}
			if string(body) != want {
				t.Errorf("%s%s: got %q; want %q", origin, path, body, want)
			}
		}
		if !slices.Equal(reused, []bool{false, true, true}) {
			t.Errorf("%s: connections reused %v; want a new one, then the same one twice", origin, reused)
		}
	}
	reqs := log.all()
	for i := range reqs {
		if same := i%3 == 0 || reqs[i].Remote == reqs[i-1].Remote; !same {
			t.Errorf("request %s came from %s, the one before it from %s: the proxy did not keep the connection", reqs[i].URL, reqs[i].Remote, reqs[i-1].Remote)
		}
	}
}

// What the handler flushes reaches the browser before the handler ends.
func TestProxyStreamsFlushedWrites(t *testing.T) {
	release := make(chan struct{})
	_, addr, ca := startProxy(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("first part\n"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.Write([]byte("second part\n"))
	}))
	client := proxyClient(t, addr, ca)
	for _, target := range []string{"http://127.0.0.2:8080/live", "https://127.0.0.1:8443/live"} {
		resp, err := client.Get(target)
		if err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(resp.Body)
		line := make(chan string, 1)
		go func() { s, _ := br.ReadString('\n'); line <- s }()
		select {
		case s := <-line:
			if s != "first part\n" {
				t.Errorf("%s: first line %q", target, s)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the flushed part never reached the client while the handler was still writing", target)
		}
		release <- struct{}{}
		rest, _ := io.ReadAll(br)
		resp.Body.Close()
		if string(rest) != "second part\n" {
			t.Errorf("%s: rest %q", target, rest)
		}
	}
}

// equalHeader compares two headers as maps.
func equalHeader(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// rawConn speaks HTTP/1.1 by hand to the proxy, as a browser would.
type rawConn struct {
	net.Conn
	br *bufio.Reader
}

func dialProxy(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return &rawConn{Conn: c, br: bufio.NewReader(c)}
}

// do writes a raw request and reads the response and its body.
func (c *rawConn) do(t *testing.T, raw string) (*http.Response, string) {
	t.Helper()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		t.Fatalf("reading the response to %.60q: %v", raw, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the body of the response to %.60q: %v", raw, err)
	}
	return resp, string(body)
}

// status writes a raw request and reads the status of the response only
// (the proxy may hang up before the browser has read a refusal's body).
func (c *rawConn) status(t *testing.T, raw string) int {
	t.Helper()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		t.Fatalf("reading the response to %.60q: %v", raw, err)
	}
	return resp.StatusCode
}

// connect sends CONNECT authority and checks the 200.
func connect(t *testing.T, addr, authority string) *rawConn {
	t.Helper()
	c := dialProxy(t, addr)
	io.WriteString(c, "CONNECT "+authority+" HTTP/1.1\r\nHost: "+authority+"\r\nProxy-Connection: keep-alive\r\n\r\n")
	resp, err := http.ReadResponse(c.br, &http.Request{Method: "CONNECT"})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("CONNECT %s: %v %v", authority, resp, err)
	}
	return c // the 200 has no body: nothing more is buffered
}

// connectTLS opens a tunnel and starts TLS in it, trusting the CA.
func connectTLS(t *testing.T, addr string, ca *CA, authority string) *rawConn {
	t.Helper()
	c := connect(t, addr, authority)
	host, _, _ := net.SplitHostPort(authority)
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert())
	tc := tls.Client(c.Conn, &tls.Config{RootCAs: roots, ServerName: host, NextProtos: []string{"h2", "http/1.1"}})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("TLS in the tunnel to %s: %v", authority, err)
	}
	if p := tc.ConnectionState().NegotiatedProtocol; p != "http/1.1" {
		t.Errorf("ALPN chose %q; want http/1.1", p)
	}
	return &rawConn{Conn: tc, br: bufio.NewReader(tc)}
}
