package capture_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vellumhq/vellum/capture"
)

// tarpit answers nothing until the client gives up.
func tarpit(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(time.Minute):
	}
}

// resetThenTarpit resets the connection on the first request and is a
// tarpit from then on.
func resetThenTarpit() http.HandlerFunc {
	var mu sync.Mutex
	n := 0
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		first := n == 1
		mu.Unlock()
		if !first {
			tarpit(w, r)
			return
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		conn.Close()
	}
}

// --timeout bounds a URL in all: its attempts and the pauses between them.
func TestTimeoutBoundsAURLAcrossItsAttempts(t *testing.T) {
	srv := newCounting(t, map[string]http.HandlerFunc{
		"/tarpit":       tarpit,
		"/reset-tarpit": resetThenTarpit(),
		"/busy": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "5")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		},
	})
	cfg := testConfig(t)
	cfg.Limits.Timeout = 400 * time.Millisecond
	cfg.Retries = 2
	res := run(t, cfg, srv.URL+"/tarpit", srv.URL+"/reset-tarpit", srv.URL+"/busy")
	for i, c := range []struct {
		path, errHas string
		requests     int
	}{
		{"/tarpit", "no response within 400ms", 1},       // not three attempts of 400ms each
		{"/reset-tarpit", "no response within 400ms", 2}, // the retry after the reset gets what is left
		{"/busy", "HTTP 429", 1},                         // a Retry-After beyond the limit ends the retries
	} {
		if err := res.Seeds[i].Err; err == nil || !strings.Contains(err.Error(), c.errHas) {
			t.Errorf("%s: %s, want an error saying %q", c.path, res.Seeds[i].Line(), c.errHas)
		}
		if n := srv.Count(c.path); n != c.requests {
			t.Errorf("%s: the server saw %d requests, want %d", c.path, n, c.requests)
		}
	}
}

// syncBuffer is a log destination safe for the crawl's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A robots.txt gets a short limit of its own. One that cannot be fetched
// (no answer, a 5xx) keeps Vellum off its host for the run, with a log
// line saying so; a 4xx allows everything.
func TestRobotsTxtHasItsOwnLimitAndAnUnreachableOneKeepsVellumOff(t *testing.T) {
	hang := newCounting(t, map[string]http.HandlerFunc{"/robots.txt": tarpit, "/story": page("Story"), "/other": page("Other")})
	down := newCounting(t, map[string]http.HandlerFunc{
		"/robots.txt": func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) },
		"/story":      page("Story"),
	})
	gone := newCounting(t, map[string]http.HandlerFunc{
		"/robots.txt": func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusForbidden) },
		"/story":      page("Story"),
	})
	trickle := newCounting(t, map[string]http.HandlerFunc{
		"/robots.txt": func(w http.ResponseWriter, r *http.Request) { // a rule, then never the end
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte("User-agent: *\nAllow: /\n"))
			w.(http.Flusher).Flush()
			tarpit(w, r)
		},
		"/story": page("Story"),
	})
	var logs syncBuffer
	cfg := testConfig(t)
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	cfg.Limits.Timeout = 5 * time.Second
	cfg.RobotsTimeout = 300 * time.Millisecond
	cfg.Retries = 2
	res := run(t, cfg, hang.URL+"/story", hang.URL+"/other", down.URL+"/story", gone.URL+"/story", trickle.URL+"/story")

	for i, c := range []struct{ seed, errHas string }{
		{hang.URL + "/story", "robots.txt unreachable (no response within 300ms)"},
		{hang.URL + "/other", "robots.txt unreachable (no response within 300ms)"},
		{down.URL + "/story", "robots.txt unreachable (HTTP 503)"},
		{trickle.URL + "/story", "robots.txt unreachable (cut off: body still arriving after 300ms)"},
	} {
		if i == 3 {
			i = 4 // the 403 is checked below
		}
		err := res.Seeds[i].Err
		if err == nil || !strings.Contains(err.Error(), c.errHas) || !errors.Is(err, capture.ErrRobotsUnreachable) || errors.Is(err, capture.ErrRobots) {
			t.Errorf("%s: %s, want a failure (not a robots refusal) saying %q", c.seed, res.Seeds[i].Line(), c.errHas)
		}
	}
	if !res.Seeds[3].OK() {
		t.Errorf("a robots.txt answering 403 allows all: %s", res.Seeds[3].Line())
	}
	if n := hang.Count("/robots.txt"); n != 1 {
		t.Errorf("the tarpit robots.txt was asked %d times, want once (its limit covers the retries)", n)
	}
	if n := down.Count("/robots.txt"); n != 3 {
		t.Errorf("the 503 robots.txt was asked %d times, want 3 (retried like any 5xx)", n)
	}
	if n := hang.Count("/story") + hang.Count("/other") + down.Count("/story") + trickle.Count("/story"); n != 0 {
		t.Errorf("%d pages fetched from hosts whose robots.txt could not be read", n)
	}
	for _, host := range []string{hang.URL, down.URL, trickle.URL} {
		n := 0
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, `level=WARN msg="robots.txt unreachable: nothing of its host is fetched this run"`) &&
				strings.Contains(line, " url="+host+"/robots.txt ") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d log lines saying %s/robots.txt is unreachable, want 1; logs:\n%s", n, host, logs.String())
		}
	}
}
