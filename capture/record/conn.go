package record

import (
	"bytes"
	"net"
	"sync"
	"time"

	"github.com/vellumhq/vellum/warc"
)

// recConn is a connection that copies the bytes crossing it into the exchange
// attached to it: what was written is the request, what was read the
// response, exactly as on the wire (after TLS, before any HTTP parsing).
type recConn struct {
	net.Conn

	mu sync.Mutex
	ex *exchange
}

// attach makes ex the exchange that records this connection's traffic from
// now on. Attaching again (the HTTP client retried on a fresh connection)
// starts the recording over.
func (c *recConn) attach(ex *exchange) {
	c.mu.Lock()
	if c.ex != nil && c.ex != ex {
		c.ex.sealLocked()
	}
	c.ex = ex
	c.mu.Unlock()
	ex.restart(c)
}

// detach stops recording into ex, if it is still attached.
func (c *recConn) detach(ex *exchange) {
	c.mu.Lock()
	if c.ex == ex {
		c.ex = nil
	}
	c.mu.Unlock()
}

func (c *recConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		if ex := c.ex; ex != nil {
			ex.readFromWire(p[:n])
		}
		c.mu.Unlock()
	}
	return n, err
}

// Write records p before sending it: once the bytes are on the wire the
// response can arrive, and the exchange be sealed, before this goroutine
// runs again. A write that fails fails the request, so its record is never
// written.
func (c *recConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if ex := c.ex; ex != nil {
		ex.wroteToWire(p)
	}
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// exchange is one request and its response as recorded off a connection.
// Its fields are guarded by the connection's mutex while attached; after
// seal the fetching goroutine owns them.
type exchange struct {
	mu        sync.Mutex // guards the recording between attach and seal
	conn      *recConn
	started   time.Time
	remote    string
	request   bytes.Buffer
	response  *spool
	digest    *warc.HTTPDigester
	limit     int64 // recorded response bytes at most
	overLimit bool
	sealed    bool
}

func newExchange(limit int64) *exchange {
	return &exchange{response: newSpool(""), // "": the system temp dir (TMPDIR)
		digest: warc.NewHTTPDigester(), limit: limit}
}

func (ex *exchange) restart(c *recConn) {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	ex.conn = c
	ex.started = time.Now()
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		ex.remote = a.IP.String()
	} else if host, _, err := net.SplitHostPort(c.RemoteAddr().String()); err == nil {
		ex.remote = host
	}
	ex.request.Reset()
	ex.response.Reset()
	ex.digest = warc.NewHTTPDigester()
	ex.overLimit = false
}

func (ex *exchange) readFromWire(p []byte) {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	if ex.sealed || ex.overLimit {
		return
	}
	if room := ex.limit - ex.response.Size(); int64(len(p)) > room {
		p = p[:max(room, 0)]
		ex.overLimit = true
	}
	ex.response.Write(p)
	ex.digest.Write(p)
}

func (ex *exchange) wroteToWire(p []byte) {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	if !ex.sealed {
		ex.request.Write(p)
	}
}

// seal ends the recording: bytes that still arrive are not part of it.
func (ex *exchange) seal() {
	if c := ex.conn; c != nil {
		c.detach(ex)
	}
	ex.mu.Lock()
	ex.sealed = true
	ex.mu.Unlock()
}

func (ex *exchange) sealLocked() {
	ex.mu.Lock()
	ex.sealed = true
	ex.mu.Unlock()
}

func (ex *exchange) close() { ex.response.Close() }
