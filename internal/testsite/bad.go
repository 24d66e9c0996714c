package testsite

import (
	"encoding/binary"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// PDF is the body of the bad server's /paper.pdf.
var PDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// Bad is a server that misbehaves in the ways real servers do.
type Bad struct {
	*httptest.Server

	mu    sync.Mutex
	count map[string]int
	times map[string][]time.Time
}

// NewBad starts the misbehaving server on 127.0.0.1; it stops when the test ends.
func NewBad(t testing.TB) *Bad {
	t.Helper()
	b := &Bad{count: map[string]int{}, times: map[string][]time.Time{}}
	b.Server = listen(t, "127.0.0.1", http.HandlerFunc(b.serve))
	return b
}

// Count is how many requests a path received.
func (b *Bad) Count(path string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.count[path]
}

// Times are when a path's requests arrived.
func (b *Bad) Times(path string) []time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]time.Time(nil), b.times[path]...)
}

func (b *Bad) serve(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	b.count[r.URL.Path]++
	b.times[r.URL.Path] = append(b.times[r.URL.Path], time.Now())
	n := b.count[r.URL.Path]
	b.mu.Unlock()
	switch r.URL.Path {
	case "/robots.txt":
		http.NotFound(w, r)
	case "/paper.pdf":
		blob(w, "application/pdf", PDF)
	case "/photo.png":
		blob(w, "image/png", PNG(64, 64, Blue))
	case "/page.html":
		html(w, fmt.Sprintf(simplePage, "Fine", "Fine", "A page that works."))
	case "/gone":
		http.NotFound(w, r)
	case "/reset":
		rawThenReset(w, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n<html><body>"+
			string(make([]byte, 2000)))
	case "/malformed":
		rawThenClose(w, "HTTP/1.1 two hundred OK\r\nthis is not a header line\r\n\r\nhello")
	case "/endless":
		endless(w, r, 0, 32<<10)
	case "/noise": // incompressible, without end
		noise(w, r)
	case "/trickle":
		endless(w, r, 50*time.Millisecond, 512)
	case "/loop":
		i, _ := strconv.Atoi(r.URL.Query().Get("n"))
		http.Redirect(w, r, fmt.Sprintf("/loop?n=%d", i+1), http.StatusFound)
	case "/busy": // 429 with Retry-After once, then fine
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		html(w, fmt.Sprintf(simplePage, "Busy", "Busy", "Served on the second try."))
	case "/hang": // no response at all until the client gives up
		select {
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
	case "/flaky": // two 503s, then fine
		if n <= 2 {
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return
		}
		html(w, fmt.Sprintf(simplePage, "Flaky", "Flaky", "Served on the third try."))
	default:
		http.NotFound(w, r)
	}
}

// rawThenReset writes raw bytes, then resets the connection (RST) mid-body.
func rawThenReset(w http.ResponseWriter, raw string) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	buf.WriteString(raw)
	buf.Flush()
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	time.Sleep(20 * time.Millisecond)
	conn.Close()
}

func rawThenClose(w http.ResponseWriter, raw string) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	buf.WriteString(raw)
	buf.Flush()
	conn.Close()
}

// endless streams a chunked body until the client goes away.
func endless(w http.ResponseWriter, r *http.Request, pause time.Duration, size int) {
	w.Header().Set("Content-Type", "application/octet-stream")
	chunk := make([]byte, size)
	for i := range chunk {
		chunk[i] = byte('a' + i%26)
	}
	fl, _ := w.(http.Flusher)
	for r.Context().Err() == nil {
		if _, err := w.Write(chunk); err != nil {
			return
		}
		if fl != nil {
			fl.Flush()
		}
		if pause > 0 {
			time.Sleep(pause)
		}
	}
}

// noise streams pseudo-random bytes until the client goes away: a body no
// gzip can shrink.
func noise(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "video/mp4")
	rng := rand.New(rand.NewPCG(7, 11))
	buf := make([]byte, 64<<10)
	for r.Context().Err() == nil {
		for i := 0; i < len(buf); i += 8 {
			binary.LittleEndian.PutUint64(buf[i:], rng.Uint64())
		}
		if _, err := w.Write(buf); err != nil {
			return
		}
	}
}

// NewTLS starts an HTTPS site (self-signed, on 127.0.0.1) with one page.
func NewTLS(t testing.TB) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			http.NotFound(w, r)
		case "/img/seal.png":
			blob(w, "image/png", PNG(32, 32, Green))
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("X-Secure-Fixture", "yes")
			fmt.Fprint(w, `<!DOCTYPE html><html><head><title>Secure story</title></head><body><article><h1>Secure story</h1><img src="/img/seal.png"><p>Served over TLS.</p></article></body></html>`)
		}
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake failures are what some tests provoke
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}
