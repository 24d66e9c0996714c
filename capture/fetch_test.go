package capture_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// counting is a loopback server of a few routes that counts the requests
// of each path.
type counting struct {
	*httptest.Server
	mu    sync.Mutex
	count map[string]int
}

func newCounting(t *testing.T, routes map[string]http.HandlerFunc) *counting {
	t.Helper()
	return newCountingOn(t, "127.0.0.1:0", routes)
}

// newCountingOn is newCounting listening on addr.
func newCountingOn(t *testing.T, addr string, routes map[string]http.HandlerFunc) *counting {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c := &counting{count: map[string]int{}}
	c.Server = &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.count[r.URL.Path]++
		c.mu.Unlock()
		if h, ok := routes[r.URL.Path]; ok {
			h(w, r)
			return
		}
		http.NotFound(w, r)
	})}}
	c.Start()
	t.Cleanup(c.Close)
	return c
}

// Count is how many requests path received.
func (c *counting) Count(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count[path]
}

func redirectTo(to string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, http.StatusFound) }
}

func page(title string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!DOCTYPE html><title>%s</title><p>%s</p>", title, title)
	}
}

func TestRedirectBackIntoItsChainIsALoop(t *testing.T) {
	srv := newCounting(t, map[string]http.HandlerFunc{
		"/a":      redirectTo("/b"),
		"/b":      redirectTo("/a"),
		"/self":   redirectTo("/self"),
		"/story":  page("Story"),
		"/old":    redirectTo("/story"), // to a URL the run fetches as a seed of its own
		"/cookie": cookieCheck,
	})
	cfg := testConfig(t)
	res := run(t, cfg, srv.URL+"/a", srv.URL+"/self", srv.URL+"/story", srv.URL+"/old", srv.URL+"/cookie")
	for i, want := range []string{
		"FAILED " + srv.URL + "/a: redirect loop: " + srv.URL + "/b redirects back to " + srv.URL + "/a",
		"FAILED " + srv.URL + "/self: redirect loop: " + srv.URL + "/self redirects back to " + srv.URL + "/self",
		"ok     200 " + srv.URL + "/story",
		"ok     302 " + srv.URL + "/old  /web/", // the chain ends where the run fetched the URL anyway
		"ok     200 " + srv.URL + "/cookie",     // after one hop to itself, with the cookie
	} {
		if line := res.Seeds[i].Line(); !strings.HasPrefix(line, want) {
			t.Errorf("seed %d: %q, want it to start %q", i, line, want)
		}
	}
	if n := srv.Count("/a") + srv.Count("/b"); n != 2 {
		t.Errorf("the loop /a → /b → /a made %d requests, want 2", n)
	}
	if n := srv.Count("/story"); n != 1 {
		t.Errorf("/story fetched %d times, want 1", n)
	}
	recs := readArchive(t, cfg.Archive)
	if n := len(find(recs, "response", srv.URL+"/b")); n != 1 {
		t.Errorf("%d response records of /b, want 1 (each hop is recorded)", n)
	}
}

// cookieCheck redirects to itself to set a cookie, as some sites do, and
// serves the page once the cookie comes back: a browser gets the page, and
// so must Vellum.
func cookieCheck(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie("seen"); err != nil {
		http.SetCookie(w, &http.Cookie{Name: "seen", Value: "1", Path: "/"})
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
		return
	}
	page("Behind a cookie check")(w, r)
}

// A chain that failed (here a redirect loop) archives its hops but is no
// page: its last redirect is neither parsed (no metadata record, its links
// not followed) nor counted, on a first run or on the next.
func TestAFailedChainIsNoPage(t *testing.T) {
	srv := newCounting(t, map[string]http.HandlerFunc{
		"/a": redirectTo("/b"),
		"/b": redirectTo("/a"),
	})
	cfg := testConfig(t)
	for i := range 2 {
		res := run(t, cfg, srv.URL+"/a")
		if c := res.Run.Counts; c.Pages != 0 || c.Unchanged != 0 || c.Errors != 1 {
			t.Errorf("run %d: %d pages (%d unchanged), %d errors; want 0 pages and 1 error", i+1, c.Pages, c.Unchanged, c.Errors)
		}
	}
	recs := readArchive(t, cfg.Archive)
	for _, u := range []string{srv.URL + "/a", srv.URL + "/b"} {
		if n := len(find(recs, "metadata", "urn:pageinfo:"+u)); n != 0 {
			t.Errorf("%d metadata records of the redirect %s", n, u)
		}
	}
}
