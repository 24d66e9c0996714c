package record

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// memWriter keeps the exchanges written to it, their response bytes copied.
type memWriter struct {
	mu  sync.Mutex
	exs []Exchange
	rsp [][]byte
}

func (w *memWriter) WriteExchange(ex *Exchange) (ExchangeRecords, error) {
	b := make([]byte, ex.RespSize)
	if _, err := ex.Response.ReadAt(b, 0); err != nil && err != io.EOF {
		return ExchangeRecords{}, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.exs = append(w.exs, *ex)
	w.rsp = append(w.rsp, b)
	return ExchangeRecords{RequestID: "req", ResponseID: "resp"}, nil
}

func (w *memWriter) only(t *testing.T) (Exchange, []byte) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.exs) != 1 {
		t.Fatalf("%d exchanges written, want 1", len(w.exs))
	}
	return w.exs[0], w.rsp[0]
}

// rawServer answers every request on its connections with serve, which
// writes whatever bytes it likes. It returns the server's base URL.
func rawServer(t *testing.T, serve func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns { // kept alive by the client, or waiting for it to hang up
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					req.Body.Close()
					serve(c)
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

func fetch(t *testing.T, tr *Transport, url string, keep bool) (*Fetched, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "gzip")
	return tr.Fetch(req, func(*http.Response) bool { return keep })
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

func TestTheResponseIsRecordedAsItCrossedTheWire(t *testing.T) {
	body := gzipped(t, "<html><body>Story</body></html>")
	var raw bytes.Buffer
	raw.WriteString("HTTP/1.1 200 OK\r\nX-odd-CASE: kept\r\ncontent-type: text/html\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n")
	for _, part := range [][]byte{body[:7], body[7:]} { // two chunks, framing as sent
		raw.WriteString(strconv.FormatInt(int64(len(part)), 16) + "\r\n")
		raw.Write(part)
		raw.WriteString("\r\n")
	}
	raw.WriteString("0\r\n\r\n")
	base := rawServer(t, func(c net.Conn) { c.Write(raw.Bytes()) })
	w := &memWriter{}
	f, err := fetch(t, NewTransport(nil, w), base+"/story", true)
	if err != nil {
		t.Fatal(err)
	}
	ex, resp := w.only(t)
	if !bytes.Equal(resp, raw.Bytes()) {
		t.Errorf("recorded response:\n%q\nwant the bytes sent:\n%q", resp, raw.Bytes())
	}
	if !bytes.HasPrefix(ex.Request, []byte("GET /story HTTP/1.1\r\nHost: ")) || !bytes.Contains(ex.Request, []byte("Accept-Encoding: gzip\r\n")) {
		t.Errorf("recorded request %q", ex.Request)
	}
	if ex.TargetURI != base+"/story" || ex.IP != "127.0.0.1" || ex.Truncated != "" {
		t.Errorf("exchange %q from %q, truncated %q", ex.TargetURI, ex.IP, ex.Truncated)
	}
	if ex.Digest == nil || ex.Digest.Status() != 200 || ex.Digest.PayloadDigest() == "" {
		t.Errorf("digester not fed the response: %+v", ex.Digest)
	}
	if f.Status != 200 || !bytes.Equal(f.Entity, body) || f.Size != int64(raw.Len()) || f.Records.ResponseID != "resp" {
		t.Errorf("fetched status %d, %d entity bytes (want the %d still gzipped), size %d, records %+v",
			f.Status, len(f.Entity), len(body), f.Size, f.Records)
	}
}

func TestAnEntityNotWantedIsRecordedButNotKept(t *testing.T) {
	base := rawServer(t, func(c net.Conn) {
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 5\r\n\r\nimage")
	})
	w := &memWriter{}
	f, err := fetch(t, NewTransport(nil, w), base+"/a.png", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, resp := w.only(t); !bytes.HasSuffix(resp, []byte("\r\n\r\nimage")) {
		t.Errorf("recorded %q", resp)
	}
	if f.Entity != nil {
		t.Errorf("entity kept: %q", f.Entity)
	}
}

func TestABodyOverTheSizeLimitIsCut(t *testing.T) {
	const size = 1 << 20
	base := rawServer(t, func(c net.Conn) {
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1048576\r\n\r\n")
		c.Write(bytes.Repeat([]byte("a"), size))
	})
	w := &memWriter{}
	tr := NewTransport(nil, w)
	tr.SetLimits(Limits{MaxBody: 1000, Timeout: time.Minute, MaxKeep: 100})
	f, err := fetch(t, tr, base+"/big", true)
	if err != nil {
		t.Fatal(err)
	}
	ex, resp := w.only(t)
	if f.Truncated != "length" || ex.Truncated != "length" {
		t.Errorf("truncated %q (record %q), want length", f.Truncated, ex.Truncated)
	}
	if limit := int64(1000 + 64<<10); ex.RespSize > limit || int64(len(resp)) > limit {
		t.Errorf("%d response bytes recorded, over the %d allowed", ex.RespSize, limit)
	}
	if len(f.Entity) != 100 || !f.EntityCut {
		t.Errorf("%d entity bytes kept (cut %v), want the first 100", len(f.Entity), f.EntityCut)
	}
}

func TestABodyStillArrivingAtTheTimeLimitIsCut(t *testing.T) {
	base := rawServer(t, func(c net.Conn) {
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100\r\n\r\nthe start")
		io.Copy(io.Discard, c) // the rest never comes: wait for the client to hang up
	})
	w := &memWriter{}
	tr := NewTransport(nil, w)
	tr.SetLimits(Limits{MaxBody: 1 << 20, Timeout: 300 * time.Millisecond, MaxKeep: 1 << 20})
	f, err := fetch(t, tr, base+"/slow", true)
	if err != nil {
		t.Fatal(err)
	}
	ex, resp := w.only(t)
	if f.Truncated != "time" || ex.Truncated != "time" || f.BodyErr == nil {
		t.Errorf("truncated %q (record %q), body error %v; want time", f.Truncated, ex.Truncated, f.BodyErr)
	}
	if !bytes.HasSuffix(resp, []byte("\r\n\r\nthe start")) || string(f.Entity) != "the start" {
		t.Errorf("recorded %q, kept %q", resp, f.Entity)
	}
}

func TestNoResponseWithinTheTimeLimitIsATimeout(t *testing.T) {
	base := rawServer(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	w := &memWriter{}
	tr := NewTransport(nil, w)
	tr.SetLimits(Limits{MaxBody: 1 << 20, Timeout: 200 * time.Millisecond, MaxKeep: 1 << 20})
	_, err := fetch(t, tr, base+"/silent", true)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("error %v, want a timeout (worth a retry)", err)
	}
	if len(w.exs) != 0 {
		t.Errorf("%d exchanges written for no response", len(w.exs))
	}
}

func TestAnOuterTimeLimitCutsTheBodyToo(t *testing.T) {
	base := rawServer(t, func(c net.Conn) {
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart")
		io.Copy(io.Discard, c)
	})
	w := &memWriter{}
	tr := NewTransport(nil, w)
	tr.SetLimits(Limits{MaxBody: 1 << 20, Timeout: time.Hour, MaxKeep: 1 << 20})
	ctx, cancel := WithTimeLimit(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/slow", nil)
	f, err := tr.Fetch(req, func(*http.Response) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	if f.Truncated != "time" || !TimeLimitReached(ctx) {
		t.Errorf("truncated %q, limit reached %v; want a cut at the caller's time limit", f.Truncated, TimeLimitReached(ctx))
	}
}

func TestRoundTripReturnsTheKeptResponse(t *testing.T) {
	base := rawServer(t, func(c net.Conn) {
		io.WriteString(c, "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\ngone")
	})
	w := &memWriter{}
	resp, err := (&http.Client{Transport: NewTransport(nil, w)}).Get(base + "/x")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || string(b) != "gone" {
		t.Errorf("got %d %q", resp.StatusCode, b)
	}
	w.only(t)
}

// failingAfter accepts n bytes, then fails every write.
type failingAfter struct {
	n   int
	got bytes.Buffer
}

func (f *failingAfter) Write(p []byte) (int, error) {
	if f.got.Len()+len(p) > f.n {
		return 0, errors.New("reader gone")
	}
	return f.got.Write(p)
}

func TestFetchToStreamsTheBodyAndAReaderGoneCutsNothing(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 10_000)
	var zbody bytes.Buffer
	zw := gzip.NewWriter(&zbody)
	zw.Write(body)
	zw.Close()
	base := rawServer(t, func(c net.Conn) {
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: "+strconv.Itoa(zbody.Len())+"\r\n\r\n")
		c.Write(zbody.Bytes())
	})
	for _, tc := range []struct {
		name string
		to   *failingAfter
	}{{"reader keeps up", &failingAfter{n: 1 << 30}}, {"reader gone", &failingAfter{n: 100}}} {
		t.Run(tc.name, func(t *testing.T) {
			w := &memWriter{}
			req, _ := http.NewRequest(http.MethodGet, base+"/x", nil)
			req.Header.Set("Accept-Encoding", "gzip")
			var status int
			f, err := NewTransport(nil, w).FetchTo(req, func(*http.Response) bool { return false }, func(r *http.Response) io.Writer {
				status = r.StatusCode
				return tc.to
			})
			if err != nil {
				t.Fatal(err)
			}
			_, resp := w.only(t)
			if !bytes.HasSuffix(resp, zbody.Bytes()) || f.Truncated != "" {
				t.Errorf("the record lost the body (truncated %q)", f.Truncated)
			}
			switch {
			case status != 200:
				t.Errorf("status given to the reader: %d", status)
			case tc.to.n > zbody.Len() && !bytes.Equal(tc.to.got.Bytes(), zbody.Bytes()):
				t.Errorf("the reader got %d bytes, want the %d sent, still gzipped", tc.to.got.Len(), zbody.Len())
			case tc.to.n < zbody.Len() && tc.to.got.Len() > tc.to.n:
				t.Errorf("a failed reader was written to again")
			}
		})
	}
}
