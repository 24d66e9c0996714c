package s3

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vellumhq/vellum/internal/miniotest"
)

// TestPutFileRetryGetsItsOwnBody puts a proxy in front of MinIO that
// answers the first PUT of each object 503 SlowDown before reading its
// body, as a busy store or a load balancer may: net/http then returns the
// response while its write loop still reads the body. The retry must not
// share that reader (a data race under -race, and bytes of the first
// attempt in the second); each upload must succeed, verified.
func TestPutFileRetryGetsItsOwnBody(t *testing.T) {
	m := miniotest.Start(t)
	p := startEarlyAnswerProxy(t, m.Endpoint)
	cfg := testConfig(m, "earlyanswer", "")
	cfg.Endpoint = p.endpoint
	s := newStore(t, cfg)
	for _, size := range []int{4 << 20, 12 << 20} { // one PUT; three parts
		data := randomBytes(size, uint64(size))
		path, sum := writeFile(t, data)
		key := fmt.Sprintf("k%d", size)
		before := p.answered.Load()
		if err := s.PutFile(ctx, key, path, int64(size), sum); err != nil {
			t.Fatalf("%d bytes: %v", size, err)
		}
		if p.answered.Load() == before {
			t.Fatalf("%d bytes: the proxy answered no PUT early", size)
		}
		if got := readAll(t, s, key); !bytes.Equal(got, data) {
			t.Fatalf("%d bytes: the object differs from the file", size)
		}
	}
}

// earlyAnswerProxy passes requests on to MinIO, but answers the first PUT
// of each object (a part counts as its own) itself, at once.
type earlyAnswerProxy struct {
	endpoint string
	answered atomic.Int32
	mu       sync.Mutex
	seen     map[string]bool // object paths answered early
}

func startEarlyAnswerProxy(t *testing.T, target string) *earlyAnswerProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &earlyAnswerProxy{seen: map[string]bool{}}
	pass := httputil.NewSingleHostReverseProxy(u) // keeps the Host header, which is signed
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.first(r) {
			pass.ServeHTTP(w, r)
			return
		}
		p.answered.Add(1)
		const body = `<?xml version="1.0" encoding="UTF-8"?>` +
			`<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, body)
		w.(http.Flusher).Flush() // before a byte of the request body is read
	}))
	t.Cleanup(srv.Close)
	p.endpoint = srv.URL
	return p
}

// first reports whether r is the first PUT of its object.
func (p *earlyAnswerProxy) first(r *http.Request) bool {
	if r.Method != http.MethodPut || r.ContentLength < 1<<20 {
		return false
	}
	key := r.URL.Path + "?" + r.URL.Query().Get("partNumber")
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen[key] {
		return false
	}
	p.seen[key] = true
	return true
}
