package browser

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// A tunnel is what a CONNECT opened: never a pipe of raw bytes to the
// host, but a connection the proxy serves itself, with TLS terminated by a
// leaf for the host when the browser starts a handshake (https, wss) and
// as plain HTTP otherwise (Chromium tunnels ws:// too). Either way its
// requests go through the same handler as everything else.
type tunnel struct {
	target authority // from the CONNECT line
	scheme string    // "https" or "http"
}

func (t *tunnel) defaultPort() string {
	if t.scheme == "https" {
		return "443"
	}
	return "80"
}

// requestURL checks a request read inside the tunnel: it must be for the
// host the tunnel was opened for. It returns the URL's host as it should
// be written.
func (t *tunnel) requestURL(r *http.Request) (string, *refusal) {
	u, def := r.URL, t.defaultPort()
	switch {
	case u.Scheme != "" && u.Scheme != t.scheme:
		return "", badRequest("scheme " + u.Scheme + " inside a " + t.scheme + " tunnel")
	case u.User != nil || u.Opaque != "" || (u.Path != "" && u.Path[0] != '/'):
		return "", badRequest("malformed request path")
	}
	a, err := parseAuthority(r.Host, def)
	if err != nil {
		return "", badRequest(fmt.Sprintf("malformed host %q", r.Host))
	}
	if a != t.target {
		// A leaf for one host must not carry another's requests.
		return "", &refusal{http.StatusMisdirectedRequest, fmt.Sprintf("host %s in a tunnel to %s", a.hostPort(), t.target.hostPort())}
	}
	return t.target.urlHost(def), nil
}

// connect answers a CONNECT with 200 and hands the connection, with TLS
// when the browser starts a handshake, to the server's tunnel listener.
func (p *Proxy) connect(w http.ResponseWriter, r *http.Request) {
	// r.RequestURI is the authority exactly as sent; r.Host has had user
	// info and the like parsed away.
	a, err := parseAuthority(r.RequestURI, "")
	if err != nil {
		p.refuse(w, r, http.StatusBadRequest, fmt.Sprintf("malformed CONNECT authority %q", r.RequestURI))
		return
	}
	cert, err := p.ca.leaf(a.host)
	if err != nil {
		p.refuse(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		p.log.Warn("proxy: CONNECT", "target", a.hostPort(), "err", err)
		return
	}
	// A hijacked connection never reaches StateClosed: its goroutine ends
	// with this handler.
	defer p.wg.Done()
	tc := &tunnelConn{Conn: conn, r: brw.Reader, tunnel: tunnel{target: a}}
	if err := tc.open(); err != nil {
		conn.Close()
		p.log.Debug("proxy: CONNECT", "target", a.hostPort(), "err", err)
		return
	}
	var c net.Conn = tc
	if tc.scheme == "https" {
		c = tls.Server(tc, &tls.Config{
			Certificates: []tls.Certificate{*cert},
			NextProtos:   []string{"http/1.1"},
			MinVersion:   tls.VersionTLS12,
		})
	}
	p.tunnels.hand(c)
}

// tunnelConn is the browser's connection after a CONNECT, read through the
// server's buffer so that no byte the browser sent early is lost.
type tunnelConn struct {
	net.Conn
	r *bufio.Reader
	tunnel
}

func (c *tunnelConn) Read(b []byte) (int, error) { return c.r.Read(b) }

// open answers the CONNECT and looks at the browser's first byte: 0x16
// starts a TLS handshake record.
func (c *tunnelConn) open() error {
	if err := c.SetDeadline(time.Now().Add(headerTimeout)); err != nil {
		return err
	}
	if _, err := io.WriteString(c.Conn, "HTTP/1.1 200 Connection Established\r\n\r\n"); err != nil {
		return err
	}
	first, err := c.r.Peek(1)
	if err != nil {
		return err
	}
	c.scheme = "http"
	if first[0] == 0x16 {
		c.scheme = "https"
	}
	return c.SetDeadline(time.Time{})
}

type tunnelKey struct{}

// withTunnel is the server's ConnContext: requests read from a tunnel
// carry it in their context.
func withTunnel(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if tc, ok := c.(*tunnelConn); ok {
		return context.WithValue(ctx, tunnelKey{}, &tc.tunnel)
	}
	return ctx
}

// tunnelListener gives the server the tunnels as if it accepted them, so
// one http.Server (its limits, keep-alive and idle timeout) serves both
// the browser's connections and what it tunnels through them.
type tunnelListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	close func()
}

func newTunnelListener(addr net.Addr) *tunnelListener {
	l := &tunnelListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
	l.close = sync.OnceFunc(func() { close(l.done) })
	return l
}

// hand gives c to the server, or closes it when the proxy is closing.
func (l *tunnelListener) hand(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.done:
		c.Close()
	}
}

func (l *tunnelListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *tunnelListener) Close() error   { l.close(); return nil }
func (l *tunnelListener) Addr() net.Addr { return l.addr }
