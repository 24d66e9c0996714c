package testsite

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Hit is one request a fixture server received.
type Hit struct {
	Host, Path string
	Header     http.Header
	Time       time.Time
}

// Site is the news site (Main, on 127.0.0.1) and its CDN (on 127.0.0.2).
type Site struct {
	Main *httptest.Server
	CDN  *httptest.Server

	mu      sync.Mutex
	hits    []Hit
	cdn     string // CDN base URL as the article names it
	edit    func(string) string
	article []byte // the article's raw response
}

// ArticlePath is the path of the fixture article.
const ArticlePath = "/2014/08/story.html"

// New starts the site; it stops when the test ends.
func New(t testing.TB) *Site {
	t.Helper()
	s := &Site{}
	s.Main = listen(t, "127.0.0.1", s.logged(http.HandlerFunc(s.serveMain)))
	s.CDN = listen(t, "127.0.0.2", s.logged(http.HandlerFunc(s.serveCDN)))
	s.SetCDNBase(s.CDN.URL)
	return s
}

// listen starts an httptest server on a given loopback address.
func listen(t testing.TB, ip string, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatalf("testsite: listen on %s: %v (Linux routes all of 127.0.0.0/8 to loopback)", ip, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// SetCDNBase changes the CDN base URL written into pages (for tests that
// reach the CDN by a host name through their own DNS).
func (s *Site) SetCDNBase(base string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cdn = strings.TrimSuffix(base, "/")
	s.render()
}

// EditArticle changes the article's HTML from now on (nil: back to the
// original), as a newsroom edits a story between two runs.
func (s *Site) EditArticle(edit func(html string) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.edit = edit
	s.render()
}

func (s *Site) render() {
	html := articleHTML(s.cdn)
	if s.edit != nil {
		html = s.edit(html)
	}
	s.article = rawArticle(html)
}

// ArticleBytes is exactly what the server writes for the article
// (/2014/08/story.html): status line, headers, chunk framing, gzip.
func (s *Site) ArticleBytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.article
}

// URL is the main site's URL for path.
func (s *Site) URL(path string) string { return s.Main.URL + path }

// ArticleURL is the article's URL.
func (s *Site) ArticleURL() string { return s.URL(ArticlePath) }

// Hits returns the requests received so far, in order.
func (s *Site) Hits() []Hit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Hit(nil), s.hits...)
}

// HitCount counts the requests for a path on any host.
func (s *Site) HitCount(path string) int {
	n := 0
	for _, h := range s.Hits() {
		if h.Path == path {
			n++
		}
	}
	return n
}

func (s *Site) logged(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits = append(s.hits, Hit{Host: r.Host, Path: r.URL.RequestURI(), Header: r.Header.Clone(), Time: time.Now()})
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}
