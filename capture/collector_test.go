package capture_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/vellumhq/vellum/capture"
)

// collySite is a small site whose every corner a Colly default would change:
// a body over 10 bytes (COLLY_MAX_BODY_SIZE), a redirect that sets a cookie
// the next hop must send (COLLY_FOLLOW_REDIRECTS, COLLY_DISABLE_COOKIES), a
// 404 and a 204 (COLLY_PARSE_HTTP_ERROR_RESPONSE), robots.txt (COLLY_IGNORE_ROBOTSTXT).
func collySite(t *testing.T) *counting {
	var big strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&big, "<p>paragraph %d of a long article</p>\n", i)
	}
	return newCounting(t, map[string]http.HandlerFunc{
		"/robots.txt": func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
		},
		"/": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<title>Home</title><a href="/login">in</a> <a href="/gone">x</a> <a href="/empty">e</a> <a href="/private/p">p</a><img src="/big.png">`)
		},
		"/login": func(w http.ResponseWriter, r *http.Request) {
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1", Path: "/"})
			http.Redirect(w, r, "/member", http.StatusFound)
		},
		"/member": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			if ck, err := r.Cookie("session"); err != nil || ck.Value != "s1" {
				fmt.Fprint(w, "<title>no cookie</title>")
				return
			}
			fmt.Fprint(w, "<title>Member</title>"+big.String())
		},
		"/gone":  func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
		"/empty": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) },
		"/big.png": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Write(bytes.Repeat([]byte{0x89}, 64<<10))
		},
	})
}

// summary lists an archive's records as type, target, status line and
// payload digest, sorted, with the request records' User-Agent.
func summary(t *testing.T, archive string) []string {
	t.Helper()
	var out []string
	for _, r := range readArchive(t, archive) {
		line := r.Type() + " " + r.Target()
		head, _ := httpBody(r.Block)
		switch r.Type() {
		case "response":
			line += " " + strings.SplitN(string(head), "\r\n", 2)[0] + " " + r.Header.Get("WARC-Payload-Digest")
		case "request":
			for _, l := range strings.Split(string(head), "\r\n") {
				// The cookie of /login reaches other pages too, or not,
				// as pages fetched at once happen to be ordered.
				if strings.HasPrefix(l, "User-Agent:") || (strings.HasPrefix(l, "Cookie:") && strings.HasSuffix(r.Target(), "/member")) {
					line += " " + l
				}
			}
		case "warcinfo", "metadata":
			continue // dates and run IDs differ
		}
		out = append(out, line)
	}
	sort.Strings(out)
	return out
}

func TestCollyEnvironmentChangesNothing(t *testing.T) {
	srv := collySite(t)
	cfg := testConfig(t)
	cfg.Depth = 1
	run(t, cfg, srv.URL+"/")
	want := summary(t, cfg.Archive)
	if !contains(want, "request "+srv.URL+"/member User-Agent: "+capture.DefaultUserAgent+" Cookie: session=s1") {
		t.Fatalf("the fixture does not exercise what it should:\n%s", strings.Join(want, "\n"))
	}
	for _, l := range want {
		if strings.Contains(l, "/private/") {
			t.Fatalf("robots.txt not obeyed: %s", l)
		}
	}

	for k, v := range map[string]string{
		"COLLY_USER_AGENT":                "colly-from-env",
		"COLLY_MAX_BODY_SIZE":             "10",
		"COLLY_FOLLOW_REDIRECTS":          "no",
		"COLLY_DISABLE_COOKIES":           "yes",
		"COLLY_IGNORE_ROBOTSTXT":          "no",
		"COLLY_PARSE_HTTP_ERROR_RESPONSE": "no",
		"COLLY_MAX_REQUESTS":              "1",
		"COLLY_MAX_DEPTH":                 "1",
		"COLLY_CACHE_DIR":                 t.TempDir(),
		"COLLY_ALLOWED_DOMAINS":           "example.org",
		"COLLY_DISALLOWED_DOMAINS":        "127.0.0.1",
		"COLLY_DETECT_CHARSET":            "yes",
		"COLLY_TRACE_HTTP":                "yes",
	} {
		t.Setenv(k, v)
	}
	cfg2 := testConfig(t)
	cfg2.Depth = 1
	run(t, cfg2, srv.URL+"/")
	if got := summary(t, cfg2.Archive); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("with COLLY_* set, the records differ:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestFetchHeaderNeverOnTheWire(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := newCounting(t, map[string]http.HandlerFunc{
		"/": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<a href="/hop">next</a><img src="/img-hop">`)
		},
		"/hop":     redirectTo("/story"),
		"/story":   page("Story"),
		"/img-hop": redirectTo("/img.png"),
		"/img.png": func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Content-Type", "image/png") },
	})
	inner := srv.Config.Handler
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s referer=%q", r.URL.Path, r.Header.Get("Referer")))
		for k := range r.Header {
			if strings.Contains(strings.ToLower(k), "vellum") {
				t.Errorf("%s: header %s reached the server", r.URL.Path, k)
			}
		}
		mu.Unlock()
		inner.ServeHTTP(w, r)
	})
	cfg := testConfig(t)
	cfg.Depth = 1
	run(t, cfg, srv.URL+"/")
	for _, r := range readArchive(t, cfg.Archive) {
		if bytes.Contains(bytes.ToLower(r.Block), []byte("x-vellum")) {
			t.Errorf("%s record of %s holds the fetch header", r.Type(), r.Target())
		}
	}
	mu.Lock()
	defer mu.Unlock()
	sort.Strings(seen)
	// A page's hops carry no Referer; a requisite's carry its page's on
	// every hop, as a browser sends them (Go's client would name the hop).
	for _, want := range []string{
		`/hop referer=""`, `/story referer=""`,
		`/img-hop referer="` + srv.URL + `/"`, `/img.png referer="` + srv.URL + `/"`,
	} {
		if !contains(seen, want) {
			t.Errorf("no request %s; the server saw:\n%s", want, strings.Join(seen, "\n"))
		}
	}
}

func TestExcludeIsACollyFilter(t *testing.T) {
	srv := newCounting(t, map[string]http.HandlerFunc{
		"/": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<a href="/out">ad</a><img src="/ad.png"><img src="/ok.png">`)
		},
		"/out":    redirectTo("/tracker/landing"),
		"/ad.png": func(w http.ResponseWriter, r *http.Request) {},
		"/ok.png": func(w http.ResponseWriter, r *http.Request) {},
	})
	cfg := testConfig(t)
	cfg.Depth = 1
	cfg.Exclude = []*regexp.Regexp{regexp.MustCompile(`/tracker/`), regexp.MustCompile(`ad\.png$`), regexp.MustCompile(`/never$`)}
	res := run(t, cfg, srv.URL+"/", srv.URL+"/never")
	if n := srv.Count("/tracker/landing") + srv.Count("/ad.png") + srv.Count("/never"); n != 0 {
		t.Errorf("%d requests for excluded URLs", n)
	}
	if srv.Count("/ok.png") != 1 || srv.Count("/out") != 1 {
		t.Errorf("ok.png fetched %d times, /out %d; want 1 each", srv.Count("/ok.png"), srv.Count("/out"))
	}
	recs := readArchive(t, cfg.Archive)
	one(t, recs, "response", srv.URL+"/out") // the redirect is archived; where it leads is not
	if s := res.Seeds[1]; !errors.Is(s.Err, capture.ErrExcluded) {
		t.Errorf("excluded seed: err %v, want %v", s.Err, capture.ErrExcluded)
	}
	for _, p := range res.Problems {
		if strings.Contains(p.URL, "/out") {
			t.Errorf("the redirect to an excluded URL is reported as a problem: %+v", p)
		}
	}
}

func TestPagesOfAHostOverSeveralConnectionsOnlyWithoutDelay(t *testing.T) {
	// /a and /b each wait until both are being served, up to a limit: with
	// --delay 0 they meet; with a delay, one page of the host at a time.
	for _, delay := range []time.Duration{0, 10 * time.Millisecond} {
		patience := 10 * time.Second // for the other page to arrive, with --delay 0
		if delay > 0 {
			patience = 200 * time.Millisecond // it never does
		}
		var mu sync.Mutex
		inFlight, most := 0, 0
		both := make(chan struct{})
		var once sync.Once
		wait := func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			inFlight++
			most = max(most, inFlight)
			if inFlight == 2 {
				once.Do(func() { close(both) })
			}
			mu.Unlock()
			select {
			case <-both:
			case <-time.After(patience):
			}
			mu.Lock()
			inFlight--
			mu.Unlock()
			page("p")(w, r)
		}
		srv := newCounting(t, map[string]http.HandlerFunc{
			"/": func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				fmt.Fprint(w, `<a href="/a">a</a><a href="/b">b</a>`)
			},
			"/a": wait, "/b": wait,
		})
		cfg := testConfig(t)
		cfg.Depth = 1
		cfg.Delay = delay
		run(t, cfg, srv.URL+"/")
		switch {
		case delay == 0 && most != 2:
			t.Errorf("--delay 0: at most %d pages of the host at once, want 2", most)
		case delay > 0 && most != 1:
			t.Errorf("--delay %s: %d pages of the host at once, want 1", delay, most)
		}
	}
}

func TestCollectorCallbacksQueueThroughTheScheduler(t *testing.T) {
	srv := newCounting(t, map[string]http.HandlerFunc{
		"/robots.txt": func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "User-agent: *\nDisallow: /private\n")
		},
		"/": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=iso-8859-1")
			// Not links: a site's own markup that only a rule knows.
			fmt.Fprint(w, "<title>Caf\xe9</title><div data-next=\"/page2\"></div><div data-next=\"/private\"></div>")
		},
		"/page2":   page("Two"),
		"/private": page("Private"),
	})
	var titles []string
	var mu sync.Mutex
	cfg := testConfig(t)
	cfg.Depth = 1
	cfg.Collector = func(c *colly.Collector) {
		c.OnHTML("title", func(e *colly.HTMLElement) {
			mu.Lock()
			titles = append(titles, e.Text)
			mu.Unlock()
		})
		c.OnHTML("div[data-next]", func(e *colly.HTMLElement) {
			e.Request.Visit(e.Attr("data-next"))
		})
		c.OnRequest(func(r *colly.Request) { r.Headers.Set("X-Newsroom", "desk-7") })
	}
	run(t, cfg, srv.URL+"/")
	recs := readArchive(t, cfg.Archive)
	one(t, recs, "response", srv.URL+"/page2")
	if srv.Count("/private") != 0 {
		t.Error("a page a callback visited went around robots.txt")
	}
	req := one(t, recs, "request", srv.URL+"/page2")
	if !bytes.Contains(req.Block, []byte("X-Newsroom: desk-7\r\n")) {
		t.Errorf("a header set in OnRequest is not in the request:\n%s", req.Block)
	}
	mu.Lock()
	sort.Strings(titles)
	if strings.Join(titles, ",") != "Café,Two" {
		t.Errorf("OnHTML saw titles %q, want Café (decoded from Latin-1) and Two", titles)
	}
	mu.Unlock()

	// At --depth 0 a callback's page is a link too far.
	cfg2 := testConfig(t)
	cfg2.Collector = cfg.Collector
	before := srv.Count("/page2")
	run(t, cfg2, srv.URL+"/")
	if srv.Count("/page2") != before {
		t.Error("--depth 0: a callback's page was fetched")
	}
}

func TestIncludeNarrowsLinkedPagesOnly(t *testing.T) {
	srv := newCounting(t, map[string]http.HandlerFunc{
		"/": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<a href="/news/a">a</a><a href="/sport/b">b</a><a href="/news/skip">s</a><img src="/img/x.png">`)
		},
		"/news/a":    page("A"),
		"/sport/b":   page("B"),
		"/news/skip": page("S"),
		"/img/x.png": func(w http.ResponseWriter, r *http.Request) {},
	})
	cfg := testConfig(t)
	cfg.Depth = 1
	cfg.MaxPages = 2 // the seed and /news/a: pages not followed take none of it
	cfg.Include = []*regexp.Regexp{regexp.MustCompile(`/news/`)}
	cfg.Exclude = []*regexp.Regexp{regexp.MustCompile(`skip`)}
	res := run(t, cfg, srv.URL+"/")
	for path, want := range map[string]int{"/": 1, "/news/a": 1, "/img/x.png": 1, "/sport/b": 0, "/news/skip": 0} {
		if got := srv.Count(path); got != want {
			t.Errorf("%s requested %d times, want %d", path, got, want)
		}
	}
	if !res.Seeds[0].OK() {
		t.Errorf("the seed, not matching --include, failed: %v", res.Seeds[0].Err)
	}
}

func TestACallbackAbortFailsTheURLAndNothingElse(t *testing.T) {
	srv := newCounting(t, map[string]http.HandlerFunc{
		"/robots.txt": func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "User-agent: *\nAllow: /\n") },
		"/":           page("Home"),
	})
	for _, path := range []string{"/robots.txt", "/"} {
		cfg := testConfig(t)
		cfg.Collector = func(c *colly.Collector) {
			c.OnRequest(func(r *colly.Request) {
				if r.URL.Path == path {
					r.Abort()
				}
			})
		}
		res := run(t, cfg, srv.URL+"/")
		if s := res.Seeds[0]; s.OK() {
			t.Errorf("%s aborted: the seed is reported ok: %s", path, s.Line())
		}
	}
}

func TestAnExcludedRobotsTxtIsNeverFetchedAndSaysWhatToDo(t *testing.T) {
	srv := newCounting(t, map[string]http.HandlerFunc{"/": page("Home")})
	cfg := testConfig(t)
	cfg.Exclude = []*regexp.Regexp{regexp.MustCompile(`\.txt$`)}
	res := run(t, cfg, srv.URL+"/")
	if srv.Count("/robots.txt") != 0 {
		t.Error("an excluded robots.txt was fetched")
	}
	if s := res.Seeds[0]; s.OK() || !strings.Contains(s.Line(), "--ignore-robots") {
		t.Errorf("seed line %q: want a failure that says --ignore-robots", s.Line())
	}
	cfg = testConfig(t)
	cfg.Exclude = []*regexp.Regexp{regexp.MustCompile(`\.txt$`)}
	cfg.IgnoreRobots = true
	if res := run(t, cfg, srv.URL+"/"); !res.Seeds[0].OK() {
		t.Errorf("with --ignore-robots: %s", res.Seeds[0].Line())
	}
}

func TestCrawlDelayKeepsPagesOneAtATimeEvenWithoutDelay(t *testing.T) {
	var mu sync.Mutex
	inFlight, most := 0, 0
	var starts []time.Time
	slow := func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		starts = append(starts, time.Now())
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		page("p")(w, r)
	}
	srv := newCounting(t, map[string]http.HandlerFunc{
		"/robots.txt": func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "User-agent: *\nCrawl-delay: 1\n") },
		"/": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<a href="/a">a</a><a href="/b">b</a>`)
		},
		"/a": slow, "/b": slow,
	})
	cfg := testConfig(t) // --delay 0
	cfg.Depth = 1
	run(t, cfg, srv.URL+"/")
	mu.Lock()
	defer mu.Unlock()
	if most != 1 || len(starts) != 2 {
		t.Fatalf("%d pages at once (%d fetched); Crawl-delay wants one at a time", most, len(starts))
	}
	if gap := starts[1].Sub(starts[0]); gap < time.Second {
		t.Errorf("pages %s apart; Crawl-delay asks for 1s", gap)
	}
}

func TestARetriedSeedTakesTheTimeOfTheAttemptThatWorked(t *testing.T) {
	var mu sync.Mutex
	n := 0
	srv := newCounting(t, map[string]http.HandlerFunc{
		"/": func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			n++
			first := n == 1
			mu.Unlock()
			if first {
				w.Header().Set("Retry-After", "2")
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			page("Home")(w, r)
		},
	})
	cfg := testConfig(t)
	before := time.Now().UTC()
	res := run(t, cfg, srv.URL+"/")
	s := res.Seeds[0]
	if !s.OK() || s.Status != 200 {
		t.Fatalf("seed: %s", s.Line())
	}
	ts, err := time.Parse("20060102150405", s.Timestamp)
	if err != nil || ts.Before(before.Add(time.Second).Truncate(time.Second)) {
		t.Errorf("seed time %s (%v): want the 200's, at least a second after the 503 of %s", s.Timestamp, err, before.Format(time.TimeOnly))
	}
}
