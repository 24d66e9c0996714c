package main

import (
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vellumhq/vellum/warc"
)

// clusterSite is a site on two loopback hosts (127.0.0.1 and 127.0.0.2)
// that logs every request: pages /p/<i> in a binary tree (each links to
// 2i+1 and 2i+2), each with its own image and the host's one stylesheet
// (whose background image only the stylesheet names). Every tenth page,
// /p/<10k+5>, has moved: it redirects to /q/<10k+5>.
type clusterSite struct {
	bases [2]string
	pages int // per host

	mu  sync.Mutex
	log []siteRequest

	// trap holds the first page request whose User-Agent has trapUA, once
	// trapAfter page requests were served, until release is closed; the
	// request is announced on trapped.
	trapUA     string
	trapAfter  int
	trapHop    bool   // only a /q/ request: a redirect's hop
	trappedURL string // the request held (set before trapped is closed)
	trapped    chan struct{}
	release    chan struct{}
	trapOnce   sync.Once
	pagesSeen  int
}

type siteRequest struct {
	host, path, agent string
	start, end        time.Time
}

func newClusterSite(t *testing.T, pages int) *clusterSite {
	s := &clusterSite{pages: pages, trapped: make(chan struct{}), release: make(chan struct{})}
	for i, ip := range []string{"127.0.0.1", "127.0.0.2"} {
		l, err := net.Listen("tcp", ip+":0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(s.serve)}
		go srv.Serve(l)
		t.Cleanup(func() { srv.Close() })
		s.bases[i] = "http://" + l.Addr().String()
	}
	t.Cleanup(func() { s.open() })
	return s
}

// setTrap sets the trap (under the lock its reads take: the site's
// handlers are running already).
func (s *clusterSite) setTrap(ua string, after int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trapUA, s.trapAfter = ua, after
}

// setHopTrap sets the trap on the hop of a moved page: the /p/ request's
// redirect is in its worker's hands, and its fetch is not over.
func (s *clusterSite) setHopTrap(ua string, after int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trapUA, s.trapAfter, s.trapHop = ua, after, true
}

// held is the URL of the request the trap holds.
func (s *clusterSite) held() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.trappedURL
}

// moved says whether page i redirects to /q/i.
func moved(i int) bool { return i%10 == 5 }

// open lets a trapped request go.
func (s *clusterSite) open() {
	select {
	case <-s.release:
	default:
		close(s.release)
	}
}

func (s *clusterSite) serve(w http.ResponseWriter, r *http.Request) {
	e := siteRequest{host: r.Host, path: r.URL.Path, agent: r.UserAgent(), start: time.Now()}
	defer func() {
		e.end = time.Now()
		s.mu.Lock()
		s.log = append(s.log, e)
		s.mu.Unlock()
	}()
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/p/") || strings.HasPrefix(p, "/q/"):
		i, err := strconv.Atoi(p[len("/p/"):])
		hop := strings.HasPrefix(p, "/q/")
		if err != nil || i < 0 || i >= s.pages || hop && !moved(i) {
			http.NotFound(w, r)
			return
		}
		if moved(i) && !hop {
			http.Redirect(w, r, fmt.Sprintf("/q/%d", i), http.StatusFound)
			return
		}
		s.mu.Lock()
		s.pagesSeen++
		trap := s.trapUA != "" && strings.Contains(e.agent, s.trapUA) && s.pagesSeen > s.trapAfter && (!s.trapHop || hop)
		s.mu.Unlock()
		if trap {
			s.trapOnce.Do(func() {
				s.mu.Lock()
				s.trappedURL = "http://" + r.Host + p
				s.mu.Unlock()
				close(s.trapped)
				select {
				case <-s.release:
				case <-r.Context().Done():
				}
			})
		}
		var links strings.Builder
		for _, k := range []int{2*i + 1, 2*i + 2} {
			if k < s.pages {
				fmt.Fprintf(&links, `<a href="/p/%d">page %d</a> `, k, k)
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><title>Page %d</title><link rel="stylesheet" href="/style.css"></head>
<body><h1>Page %d of %s</h1><img src="/img/%d.png"><p>%s</p></body></html>`, i, i, r.Host, i, links.String())
	case strings.HasPrefix(p, "/img/") || p == "/bg.png":
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("\x89PNG\r\n\x1a\n" + p))
	case p == "/style.css":
		w.Header().Set("Content-Type", "text/css")
		w.Write([]byte("body { background: url(/bg.png) }"))
	default:
		http.NotFound(w, r)
	}
}

// urls is every URL of the site a run from /p/0 captures.
func (s *clusterSite) urls() []string {
	var out []string
	for _, b := range s.bases {
		for i := range s.pages {
			out = append(out, fmt.Sprintf("%s/p/%d", b, i), fmt.Sprintf("%s/img/%d.png", b, i))
			if moved(i) {
				out = append(out, fmt.Sprintf("%s/q/%d", b, i))
			}
		}
		out = append(out, b+"/style.css", b+"/bg.png")
	}
	return out
}

// robots are the site's robots.txt URLs (it has none: 404, archived as
// any response).
func (s *clusterSite) robots() []string {
	return []string{s.bases[0] + "/robots.txt", s.bases[1] + "/robots.txt"}
}

// requests is the log so far.
func (s *clusterSite) requests() []siteRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]siteRequest(nil), s.log...)
}

// checkPolite fails the test when two page requests of one host overlap,
// or one starts less than delay after the end of the one before. The
// frontier keeps Redis's clock in milliseconds: a gap may look up to 1 ms
// short of the delay.
func (s *clusterSite) checkPolite(t *testing.T, delay time.Duration) {
	t.Helper()
	byHost := map[string][]siteRequest{}
	for _, e := range s.requests() {
		if strings.HasPrefix(e.path, "/p/") || strings.HasPrefix(e.path, "/q/") {
			byHost[e.host] = append(byHost[e.host], e)
		}
	}
	if len(byHost) != 2 {
		t.Fatalf("page requests on %d hosts, want 2", len(byHost))
	}
	for host, rs := range byHost {
		sort.Slice(rs, func(i, j int) bool { return rs[i].start.Before(rs[j].start) })
		short := 0
		for i := 1; i < len(rs); i++ {
			gap := rs[i].start.Sub(rs[i-1].end)
			if gap < delay-time.Millisecond {
				short++
				if short <= 5 {
					t.Errorf("%s: %s started %v after %s ended (by %q, then %q), want ≥ %v", host, rs[i].path, gap, rs[i-1].path, rs[i-1].agent, rs[i].agent, delay)
				}
			}
		}
		if short > 5 {
			t.Errorf("%s: %d page requests in all too close to the one before", host, short)
		}
	}
}

// captures counts the response and revisit records of each URL in the WARC
// files under the archives, and says which archive each came from.
func captures(t *testing.T, archives ...string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, a := range archives {
		_ = filepath.WalkDir(filepath.Join(a, "warcs"), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if strings.HasSuffix(p, ".open") {
				t.Errorf("%s is still open", p)
			}
			if !strings.HasSuffix(p, ".warc.gz") {
				return nil
			}
			if err := warc.ScanFile(p, filepath.Base(p), func(e warc.Entry) error {
				if e.Type == "response" || e.Type == "revisit" {
					out[e.TargetURI] = append(out[e.TargetURI], a)
				}
				return nil
			}); err != nil {
				t.Errorf("reading %s: %v", p, err)
			}
			return nil
		})
	}
	return out
}
