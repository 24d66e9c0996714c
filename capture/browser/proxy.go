package browser

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"time"
)

// Limits of the proxy. The browser is the only client, so these are about
// a misbehaving page or a wedged connection, not about load.
const (
	maxConns       = 64               // connections from the browser at a time (Chromium opens at most 32 to a proxy)
	maxHeaderBytes = 256 << 10        // request line and headers (Chromium's own cap on a request's headers)
	headerTimeout  = 30 * time.Second // to read a request's headers, or to start TLS after a CONNECT
	idleTimeout    = 90 * time.Second // a kept-alive connection with no request
)

// Proxy serves browser traffic on a loopback port: absolute-form requests
// for http, CONNECT for https (answered 200, then TLS with a leaf for the
// host issued by the CA, cached per host, and HTTP/1.1 inside: ALPN offers
// http/1.1 only). It fetches nothing itself: each request reaches the
// handler with r.URL absolute (scheme, host[:port], path, query), r.Host
// set, r.RequestURI empty, the hop-by-hop and proxy headers removed
// (Proxy-Connection, Proxy-Authorization, Connection and what it names,
// Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade) and everything else
// as the browser sent it. The handler's response reaches the browser as
// written (streamed when it flushes, Content-Encoding untouched), less its
// own hop-by-hop headers: the proxy owns the framing on the browser's
// connection. The request's context is done when the browser drops the
// connection or the proxy closes. Nothing else leaves: a WebSocket upgrade
// gets 501 and nothing is ever tunnelled as raw bytes.
type Proxy struct {
	ca  *CA
	h   http.Handler
	log *slog.Logger

	mu      sync.Mutex
	srv     *http.Server // nil until Start
	ln      *limitListener
	tunnels *tunnelListener
	cancel  context.CancelFunc // ends the requests' contexts on Close
	closed  bool

	// wg counts the Serve loops and the goroutine of every connection,
	// hijacked (CONNECT) or not, so Close can wait for them all.
	wg sync.WaitGroup
}

// NewProxy returns a proxy that sends every request of the browser to h,
// with TLS for https terminated by leaves of ca. A nil log discards.
func NewProxy(ca *CA, h http.Handler, log *slog.Logger) *Proxy {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Proxy{ca: ca, h: h, log: log}
}

// Start listens on 127.0.0.1 on a port of the system's choice and serves
// in the background; addr is the host:port to give Chromium's
// --proxy-server.
func (p *Proxy) Start() (addr string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.srv != nil || p.closed {
		return "", errors.New("browser: proxy already started")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("browser: proxy: %w", err)
	}
	base, cancel := context.WithCancel(context.Background())
	var protocols http.Protocols
	protocols.SetHTTP1(true) // HTTP/2 would need its own framing of the handler's stream; Chromium speaks 1.1 to a proxy
	p.cancel = cancel
	p.ln = newLimitListener(ln, maxConns)
	p.tunnels = newTunnelListener(ln.Addr())
	p.srv = &http.Server{
		Handler:           http.HandlerFunc(p.serve),
		Protocols:         &protocols,
		ReadHeaderTimeout: headerTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(p.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return base },
		ConnContext:       withTunnel,
		ConnState:         p.connState,
	}
	for _, l := range []net.Listener{p.ln, p.tunnels} {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			if err := p.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				p.log.Error("proxy stopped", "err", err)
			}
		}()
	}
	return ln.Addr().String(), nil
}

// connState counts connection goroutines: the server starts one per
// connection right after StateNew and ends it after StateClosed. A
// hijacked connection never reaches StateClosed; its CONNECT handler
// marks the end instead (see connect).
func (p *Proxy) connState(_ net.Conn, s http.ConnState) {
	switch s {
	case http.StateNew:
		p.wg.Add(1)
	case http.StateClosed:
		p.wg.Done()
	}
}

// Close stops listening, closes every connection (kept-alive, tunnelled,
// or in the middle of a request, whose context is cancelled) and waits for
// every goroutine the proxy started. Handler calls still running are
// waited for too: h must return once its request's context is done.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	if p.srv == nil {
		return nil
	}
	err := p.srv.Close() // both listeners, and the connections it tracks
	p.ln.closeConns()    // and those it does not: hijacked, or accepted just now
	p.cancel()           // after the connections: a handler that stops must not answer the browser
	p.wg.Wait()
	if err != nil {
		return fmt.Errorf("browser: proxy: %w", err)
	}
	return nil
}

// serve is the proxy's one handler: CONNECT opens a tunnel, any other
// request is checked, made absolute and given to h.
func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	t, inTunnel := r.Context().Value(tunnelKey{}).(*tunnel)
	if r.Method == http.MethodConnect {
		if inTunnel {
			p.refuse(w, r, http.StatusBadRequest, "CONNECT inside a tunnel")
			return
		}
		p.connect(w, r)
		return
	}
	var target string
	var no *refusal
	if inTunnel {
		target, no = t.requestURL(r)
	} else {
		target, no = plainURL(r)
	}
	if no != nil {
		p.refuse(w, r, no.status, no.reason)
		return
	}
	if isWebSocket(r.Header) {
		p.refuse(w, r, http.StatusNotImplemented, "WebSockets are not captured")
		return
	}
	out := r.Clone(r.Context())
	u := *r.URL
	u.Scheme, u.Host = "http", target
	if inTunnel {
		u.Scheme = t.scheme
	}
	out.URL, out.Host, out.RequestURI = &u, target, ""
	removeHopHeaders(out.Header)
	p.h.ServeHTTP(&responseWriter{w: w}, out)
}

// refusal is why a request does not reach h, and the status that says so.
type refusal struct {
	status int
	reason string
}

func badRequest(reason string) *refusal { return &refusal{http.StatusBadRequest, reason} }

// plainURL checks an http request sent to the proxy itself: it must be in
// absolute form (http://host[:port]/path). It returns the URL's host as it
// should be written.
func plainURL(r *http.Request) (string, *refusal) {
	u := r.URL
	switch {
	case u.Scheme == "" && u.Host == "":
		return "", badRequest("this is a capture proxy: it takes absolute-form requests")
	case u.Scheme != "http":
		return "", badRequest("scheme " + u.Scheme + " is not proxied (https goes through CONNECT)")
	case u.User != nil:
		return "", badRequest("user info in the request URL")
	case u.Opaque != "" || (u.Path != "" && u.Path[0] != '/'):
		return "", badRequest("malformed request path")
	}
	a, err := parseAuthority(u.Host, "80")
	if err != nil {
		return "", badRequest(fmt.Sprintf("malformed host %q", u.Host))
	}
	return a.urlHost("80"), nil
}

// refuse answers the browser without asking h; the line in the log is
// what tells the user something of the page was not captured.
func (p *Proxy) refuse(w http.ResponseWriter, r *http.Request, status int, reason string) {
	p.log.Warn("proxy refused a request", "status", status, "method", r.Method, "target", r.RequestURI, "host", r.Host, "reason", reason)
	http.Error(w, "vellum capture proxy: "+reason, status)
}

func isWebSocket(h http.Header) bool {
	for _, v := range h.Values("Upgrade") {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(textproto.TrimString(f), "websocket") {
				return true
			}
		}
	}
	return false
}

// hopHeaders are the headers that belong to one connection (RFC 9110
// §7.6.1), plus the proxy ones, in either direction.
var hopHeaders = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// removeHopHeaders removes hopHeaders and the headers Connection names.
func removeHopHeaders(h http.Header) {
	for _, v := range h["Connection"] {
		for f := range strings.SplitSeq(v, ",") {
			if f = textproto.TrimString(f); f != "" {
				h.Del(f)
			}
		}
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
}

// responseWriter hands h's response to the browser as h writes it: the
// hop-by-hop headers go (net/http frames the body itself: Content-Length
// when h sets it, chunked otherwise), and net/http adds no Content-Type
// or Date that h did not write, so the browser sees what the origin sent.
type responseWriter struct {
	w           http.ResponseWriter
	wroteHeader bool
}

func (rw *responseWriter) Header() http.Header { return rw.w.Header() }

func (rw *responseWriter) WriteHeader(code int) {
	if rw.wroteHeader {
		rw.w.WriteHeader(code) // net/http logs the superfluous call
		return
	}
	h := rw.w.Header()
	removeHopHeaders(h)
	if code >= 200 {
		rw.wroteHeader = true
		for _, k := range []string{"Content-Type", "Date"} {
			if _, ok := h[k]; !ok {
				h[k] = nil // a nil value stops net/http from adding one
			}
		}
	}
	rw.w.WriteHeader(code)
}

func (rw *responseWriter) Write(b []byte) (int, error) {
	if !rw.wroteHeader {
		rw.WriteHeader(http.StatusOK)
	}
	return rw.w.Write(b)
}

// Flush sends what h wrote so far to the browser.
func (rw *responseWriter) Flush() {
	if !rw.wroteHeader {
		rw.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(rw.w).Flush() // a closed connection shows in h's next Write
}

// Unwrap lets h's http.ResponseController reach the connection (deadlines).
func (rw *responseWriter) Unwrap() http.ResponseWriter { return rw.w }
