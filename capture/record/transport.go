package record

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"
)

// Limits bound what one URL may cost.
type Limits struct {
	MaxBody int64         // entity bytes recorded at most; beyond it the record is cut (WARC-Truncated: length)
	Timeout time.Duration // one URL in all, retries included (one exchange, for the bare Transport); a body still arriving then is cut (WARC-Truncated: time)
	MaxKeep int64         // entity bytes kept in memory for parsing (HTML, CSS); parsing reads no more
}

// defaultMaxKeep is as much of a body as capture's parsers read (its
// maxParseBytes): keeping more would be kept for nothing.
const defaultMaxKeep = 8 << 20

// DefaultLimits are the limits of a capture unless flags say otherwise.
func DefaultLimits() Limits {
	return Limits{MaxBody: 1 << 30, Timeout: 2 * time.Minute, MaxKeep: defaultMaxKeep}
}

// Transport is an http.RoundTripper that records every exchange it carries,
// byte for byte, through a RecordWriter: the request as written to the
// connection and the response as read from it (status line, header case and
// order, chunk framing, Content-Encoding as sent). It speaks HTTP/1.1 only
// and never decompresses.
type Transport struct {
	base   *http.Transport
	w      RecordWriter
	limits Limits
	now    func() time.Time
}

var _ http.RoundTripper = (*Transport)(nil)

// NewTransport wraps base (cloned; nil means a default) so that its
// connections are recorded and every exchange is written to w.
func NewTransport(base *http.Transport, w RecordWriter) *Transport {
	if base == nil {
		base = &http.Transport{}
	} else {
		base = base.Clone()
	}
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	dial := base.DialContext
	if dial == nil {
		dial = dialer.DialContext
	}
	tlsConfig := base.TLSClientConfig
	base.Proxy = nil
	base.DisableCompression = true
	base.ForceAttemptHTTP2 = false
	base.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	base.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &recConn{Conn: c}, nil
	}
	base.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		raw, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		cfg := &tls.Config{}
		if tlsConfig != nil {
			cfg = tlsConfig.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName, _, _ = net.SplitHostPort(addr)
		}
		cfg.NextProtos = []string{"http/1.1"}
		tc := tls.Client(raw, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, err
		}
		return &recConn{Conn: tc}, nil
	}
	if base.MaxIdleConnsPerHost == 0 {
		base.MaxIdleConnsPerHost = 8
	}
	if base.ResponseHeaderTimeout == 0 {
		base.ResponseHeaderTimeout = time.Minute
	}
	return &Transport{base: base, w: w, limits: DefaultLimits(), now: time.Now}
}

// SetLimits changes the per-URL limits.
func (t *Transport) SetLimits(l Limits) { t.limits = l }

// CloseIdleConnections closes idle keep-alive connections.
func (t *Transport) CloseIdleConnections() { t.base.CloseIdleConnections() }

// Fetched is the outcome of one recorded exchange.
type Fetched struct {
	Status    int
	Header    http.Header
	Entity    []byte // response body as sent (still content-encoded), when kept for parsing
	EntityCut bool   // Entity is only the first Limits.MaxKeep bytes of the body
	Truncated string // WARC-Truncated reason: "", "length", "time" or "disconnect"
	Size      int64  // response bytes recorded
	Records   ExchangeRecords
	BodyErr   error // why the body ended early, if it did
	// FromArchive: a resumed run's own earlier capture, read back from its
	// WARC file rather than fetched (nothing new was written).
	FromArchive bool
}

// RoundTrip implements http.RoundTripper: it records the exchange and returns
// the response with its (possibly truncated) body held in memory.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	f, err := t.Fetch(req, func(*http.Response) bool { return true })
	if err != nil {
		return nil, err
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", f.Status, http.StatusText(f.Status)),
		StatusCode:    f.Status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        f.Header,
		Body:          io.NopCloser(bytes.NewReader(f.Entity)),
		ContentLength: int64(len(f.Entity)),
		Request:       req,
	}, nil
}

// copyBuffers keeps the buffers bodies are copied through, one per fetch
// in flight rather than one per fetch.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// Fetch carries out req, records it and returns what came back. keep says,
// once the response header is in, whether the entity is wanted for parsing.
// The response is read to its end (or a limit) whatever keep says, so the
// record is complete.
func (t *Transport) Fetch(req *http.Request, keep func(*http.Response) bool) (*Fetched, error) {
	return t.FetchTo(req, keep, nil)
}

// FetchTo is Fetch that also streams the response to a reader as it arrives
// (a browser waiting on the recording proxy): once the header is in, to
// gives the writer for the body as sent (still content-encoded), or nil. A
// writer that fails is dropped; the record is complete regardless.
func (t *Transport) FetchTo(req *http.Request, keep func(*http.Response) bool, to func(*http.Response) io.Writer) (*Fetched, error) {
	ex := newExchange(t.limits.MaxBody + 64<<10)
	defer ex.close()
	parent := req.Context()
	ctx, cancel := WithTimeLimit(parent, t.limits.Timeout)
	defer cancel()
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		if rc, ok := info.Conn.(*recConn); ok {
			rc.attach(ex)
		}
	}}
	req = req.WithContext(httptrace.WithClientTrace(ctx, trace))
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		ex.seal()
		if tl := timeLimitOf(ctx); tl != nil {
			return nil, &timeoutError{fmt.Sprintf("no response within %s", tl.d)}
		}
		return nil, err
	}
	f := &Fetched{Status: resp.StatusCode, Header: resp.Header}
	var kept *bytes.Buffer
	var sink io.Writer = io.Discard
	if keep(resp) {
		kept = &bytes.Buffer{}
		sink = &capWriter{w: kept, n: t.limits.MaxKeep}
	}
	if to != nil {
		if w := to(resp); w != nil {
			sink = io.MultiWriter(sink, &dropOnError{w: w})
		}
	}
	buf := copyBuffers.Get().(*[]byte)
	n, err := io.CopyBuffer(sink, io.LimitReader(resp.Body, t.limits.MaxBody+1), *buf)
	copyBuffers.Put(buf)
	switch {
	case n > t.limits.MaxBody:
		f.Truncated = "length"
	case err != nil && timeLimitOf(ctx) != nil:
		f.Truncated, f.BodyErr = "time", fmt.Errorf("body still arriving after %s", timeLimitOf(ctx).d)
	case err != nil:
		f.Truncated, f.BodyErr = "disconnect", err
	}
	resp.Body.Close()
	ex.seal()
	if kept != nil {
		f.Entity, f.EntityCut = kept.Bytes(), n > t.limits.MaxKeep
	}
	if err := ex.response.Err(); err != nil {
		return nil, err
	}
	if ex.response.Size() == 0 {
		return nil, errors.New("no response bytes recorded")
	}
	f.Size = ex.response.Size()
	if f.Truncated == "" && ex.overLimit {
		f.Truncated = "length"
	}
	rec, err := t.w.WriteExchange(&Exchange{
		TargetURI: req.URL.String(),
		Date:      ex.started.UTC(),
		IP:        ex.remote,
		Request:   ex.request.Bytes(),
		Response:  ex.response,
		RespSize:  ex.response.Size(),
		Digest:    ex.digest,
		Truncated: f.Truncated,
	})
	if err != nil {
		return nil, err
	}
	f.Records = rec
	return f, nil
}

// timeoutError is a per-URL time limit reached before the response header
// came; like a network timeout, it is worth a retry.
type timeoutError struct{ msg string }

func (e *timeoutError) Error() string   { return e.msg }
func (e *timeoutError) Timeout() bool   { return true }
func (e *timeoutError) Temporary() bool { return true }

// dropOnError passes writes on until the first that fails, then swallows
// them: a reader gone away must not cut the record short.
type dropOnError struct {
	w      io.Writer
	failed bool
}

func (d *dropOnError) Write(p []byte) (int, error) {
	if !d.failed {
		if _, err := d.w.Write(p); err != nil {
			d.failed = true
		}
	}
	return len(p), nil
}

// capWriter keeps the first n bytes written to it and drops the rest.
type capWriter struct {
	w io.Writer
	n int64
}

func (c *capWriter) Write(p []byte) (int, error) {
	if c.n > 0 {
		q := p
		if int64(len(q)) > c.n {
			q = q[:c.n]
		}
		c.w.Write(q)
		c.n -= int64(len(q))
	}
	return len(p), nil
}

// timeLimit is the cancellation cause of a context whose deadline is a time
// limit (of a URL, of a robots.txt) rather than the run's own end: it tells
// a limit reached, which cuts or fails the URL, from a run being stopped.
type timeLimit struct{ d time.Duration }

func (e *timeLimit) Error() string { return fmt.Sprintf("time limit of %s reached", e.d) }

// WithTimeLimit is context.WithTimeout with a time limit as the cause, so
// that a Fetch under it (however deeply nested) tells the limit, which cuts
// the record (WARC-Truncated: time), from its caller being stopped.
func WithTimeLimit(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, d, &timeLimit{d})
}

// TimeLimitReached reports whether a time limit set by WithTimeLimit ended
// ctx (false: ctx still running, or ended by its parent being stopped).
func TimeLimitReached(ctx context.Context) bool { return timeLimitOf(ctx) != nil }

// timeLimitOf is the time limit that ended ctx, or nil (ctx still running,
// or ended by its parent being stopped). Of nested limits, the first to
// expire ended it.
func timeLimitOf(ctx context.Context) *timeLimit {
	var tl *timeLimit
	if errors.As(context.Cause(ctx), &tl) {
		return tl
	}
	return nil
}
