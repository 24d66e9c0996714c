package browser

import (
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Malformed or unwanted requests get a clear status from the proxy and
// never reach the handler; nothing is tunnelled past it.
func TestProxyRefusesWhatItCannotRecord(t *testing.T) {
	var log handlerLog
	_, addr, ca := startProxy(t, log.wrap(func(w http.ResponseWriter, r *http.Request) {}))
	ws := "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	plain := []struct {
		raw  string
		want int
	}{
		{"GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400},                        // origin-form: not a proxy request
		{"GET ftp://127.0.0.1/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400},         // scheme
		{"GET https://127.0.0.1/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400},       // https must use CONNECT
		{"GET http://u:p@127.0.0.1/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400},    // user info
		{"GET http://127.0.0.1:0/ HTTP/1.1\r\nHost: 127.0.0.1:0\r\n\r\n", 400},     // port 0
		{"GET http://a..b/ HTTP/1.1\r\nHost: a..b\r\n\r\n", 400},                   // empty label
		{"GET http://1.2.3/ HTTP/1.1\r\nHost: 1.2.3\r\n\r\n", 400},                 // numeric, not an IPv4 address
		{"CONNECT 127.0.0.1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400},             // no port
		{"CONNECT u@127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n", 400},   // user info
		{"CONNECT 127.0.0.1:99999 HTTP/1.1\r\nHost: 127.0.0.1:99999\r\n\r\n", 400}, // port out of range
		{"CONNECT [::1:443 HTTP/1.1\r\nHost: x\r\n\r\n", 400},                      // bracket
		{"CONNECT [fe80::1%25eth0]:443 HTTP/1.1\r\nHost: x\r\n\r\n", 400},          // zone
		{"CONNECT /chat HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400},                 // a path
		{"GET http://127.0.0.2/chat HTTP/1.1\r\nHost: 127.0.0.2\r\n" + ws, 501},    // WebSocket
		{"NOT A REQUEST\r\n\r\n", 400},                                             // net/http's own parser
		{"GET http://127.0.0.2/ HTTP/1.1\r\nHost: 127.0.0.2\r\nBad Header: x\r\n\r\n", 400},
		{"GET http://127.0.0.2/ HTTP/1.1\r\nHost: 127.0.0.2\r\nX-Big: " + strings.Repeat("a", maxHeaderBytes+8192) + "\r\n\r\n", 431},
	}
	for _, tc := range plain {
		c := dialProxy(t, addr)
		if got := c.status(t, tc.raw); got != tc.want {
			t.Errorf("%.70q: got %d; want %d", tc.raw, got, tc.want)
		}
	}
	tunnelled := []struct {
		raw  string
		want int
	}{
		{"GET / HTTP/1.1\r\nHost: 127.0.0.3:8443\r\n\r\n", 421},                         // another host
		{"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 421},                              // another port (443)
		{"GET http://127.0.0.1:8443/ HTTP/1.1\r\nHost: 127.0.0.1:8443\r\n\r\n", 400},    // http inside TLS
		{"GET https://u@127.0.0.1:8443/ HTTP/1.1\r\nHost: 127.0.0.1:8443\r\n\r\n", 400}, // user info
		{"OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1:8443\r\n\r\n", 200},                     // net/http answers it; h never sees it
		{"CONNECT 127.0.0.1:8443 HTTP/1.1\r\nHost: 127.0.0.1:8443\r\n\r\n", 400},        // a tunnel in a tunnel
		{"GET /socket HTTP/1.1\r\nHost: 127.0.0.1:8443\r\n" + ws, 501},                  // wss://
		{"GET / HTTP/1.1\r\nHost: 127.0.0.1:8443\r\nX-Big: " + strings.Repeat("a", maxHeaderBytes+8192) + "\r\n\r\n", 431},
	}
	for _, tc := range tunnelled {
		c := connectTLS(t, addr, ca, "127.0.0.1:8443")
		if got := c.status(t, tc.raw); got != tc.want {
			t.Errorf("in a TLS tunnel, %.70q: got %d; want %d", tc.raw, got, tc.want)
		}
	}
	// Chromium tunnels ws:// too, without TLS inside.
	c := connect(t, addr, "127.0.0.2:80")
	if resp, body := c.do(t, "GET /socket HTTP/1.1\r\nHost: 127.0.0.2\r\n"+ws); resp.StatusCode != 501 || !strings.Contains(body, "WebSockets") {
		t.Errorf("ws:// in a tunnel: got %d %q; want 501 saying WebSockets are not captured", resp.StatusCode, body)
	}
	if n := len(log.all()); n != 0 {
		t.Errorf("the handler saw %d of these requests: %v", n, log.all())
	}
	// A plain request in such a tunnel is still an http request for h.
	if resp, _ := c.do(t, "GET /x?y HTTP/1.1\r\nHost: 127.0.0.2\r\n\r\n"); resp.StatusCode != 200 {
		t.Errorf("plain request in a tunnel: %d", resp.StatusCode)
	}
	if reqs := log.all(); len(reqs) != 1 || reqs[0].URL != "http://127.0.0.2/x?y" {
		t.Errorf("plain request in a tunnel reached the handler as %v; want http://127.0.0.2/x?y", reqs)
	}
}

// Close ends every connection in every state and returns only when all
// the proxy's goroutines, handler calls included, are done.
func TestProxyCloseLeavesNothingRunning(t *testing.T) {
	before := runtime.NumGoroutine()
	entered := make(chan struct{})
	var handlerDone atomic.Bool
	ca, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	p := NewProxy(ca, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hang" {
			close(entered)
			<-r.Context().Done()
			handlerDone.Store(true)
			return
		}
		w.Write([]byte("ok"))
	}), nil)
	addr, err := p.Start()
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	idle := dialProxy(t, addr) // kept alive after a request
	idle.do(t, "GET http://127.0.0.2/ HTTP/1.1\r\nHost: 127.0.0.2\r\n\r\n")
	tunnel := connectTLS(t, addr, ca, "127.0.0.1:8443") // a tunnel kept alive
	tunnel.do(t, "GET / HTTP/1.1\r\nHost: 127.0.0.1:8443\r\n\r\n")
	noTLS := connect(t, addr, "127.0.0.1:8443") // waiting for the browser's first byte
	silent := dialProxy(t, addr)                // waiting for a request line
	hanging := dialProxy(t, addr)               // in the handler
	io.WriteString(hanging, "GET http://127.0.0.2/hang HTTP/1.1\r\nHost: 127.0.0.2\r\n\r\n")
	<-entered
	conns = append(conns, idle, tunnel, noTLS, silent, hanging)

	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Close did not return")
	}
	if !handlerDone.Load() {
		t.Error("Close returned before the handler call in progress ended")
	}
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil || isTimeout(err) {
			t.Errorf("connection %d still open after Close (read: %v)", i, err)
		}
		c.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Error("the proxy still accepts connections after Close")
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Beyond maxConns, a connection waits until another closes.
func TestProxyCapsConnections(t *testing.T) {
	_, addr, _ := startProxy(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	const req = "GET http://127.0.0.2/ HTTP/1.1\r\nHost: 127.0.0.2\r\n\r\n"
	var open []*rawConn
	for range maxConns {
		c := dialProxy(t, addr)
		if resp, _ := c.do(t, req); resp.StatusCode != 200 {
			t.Fatalf("connection %d: %d", len(open), resp.StatusCode)
		}
		open = append(open, c)
	}
	extra := dialProxy(t, addr)
	io.WriteString(extra, req)
	// Only a wrong answer can fail here: a slow machine just passes.
	extra.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := extra.Read(make([]byte, 1)); n > 0 || !isTimeout(err) {
		t.Fatalf("connection %d was served at once (%d bytes, %v); want it held until another closes", maxConns+1, n, err)
	}
	open[0].Close()
	extra.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(extra.br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("connection %d after another closed: %v %v", maxConns+1, resp, err)
	}
}

// Close is safe before Start and twice; a proxy does not start again.
func TestProxyCloseAndStartOnce(t *testing.T) {
	ca, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	p := NewProxy(ca, http.NotFoundHandler(), nil)
	if err := p.Close(); err != nil {
		t.Errorf("Close before Start: %v", err)
	}
	if _, err := p.Start(); err == nil {
		t.Error("Start after Close succeeded")
	}
	p = NewProxy(ca, http.NotFoundHandler(), nil)
	if _, err := p.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Start(); err == nil {
		t.Error("second Start succeeded")
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
