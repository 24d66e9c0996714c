package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/vellumhq/vellum/warc"
)

// filterSite is a front page linking news, sport and a news page to skip,
// with two images; it counts the requests for each path, so a test sees
// what was never fetched, not only what was never written.
type filterSite struct {
	*httptest.Server
	mu   sync.Mutex
	hits map[string]int
}

func newFilterSite(t *testing.T) *filterSite {
	t.Helper()
	s := &filterSite{hits: make(map[string]int)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.mu.Unlock()
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<html><body><img src="/img/x.png"><img src="/img/ad.png">
<a href="/news/a.html">a</a> <a href="/news/b.html">b</a> <a href="/sport/c.html">c</a> <a href="/news/skip-me.html">skip</a>
</body></html>`)
		case "/news/a.html", "/news/b.html", "/sport/c.html", "/news/skip-me.html":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<article><p>A story of some length, told in full.</p></article>")
		case "/go":
			http.Redirect(w, r, "/news/skip-me.html", http.StatusFound)
		case "/img/x.png", "/img/ad.png":
			w.Header().Set("Content-Type", "image/png")
			fmt.Fprint(w, "\x89PNG\r\n\x1a\n")
		default: // robots.txt too: everything allowed
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// requested is how many requests for path the site answered.
func (s *filterSite) requested(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// checkFiltered checks what a capture of the site kept: a response record
// for each path in want and none for the paths in never, which the site
// was never asked for either.
func checkFiltered(t *testing.T, s *filterSite, archive string, want, never []string) {
	t.Helper()
	got := map[string]bool{}
	for _, r := range archiveRecords(t, archive, "") {
		if r.typ == warc.TypeResponse {
			got[strings.TrimPrefix(r.uri, s.URL)] = true
		}
	}
	var paths []string
	for p := range got {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range want {
		if !got[p] {
			t.Errorf("no response record for %s; the WARCs have %v", p, paths)
		}
	}
	for _, p := range never {
		if got[p] {
			t.Errorf("%s archived; the WARCs have %v", p, paths)
		}
		if n := s.requested(p); n != 0 {
			t.Errorf("%s requested %d times, want never", p, n)
		}
	}
}

// --include narrows the linked pages followed to those matching it (seeds
// and requisites are not held to it); --exclude keeps a URL from being
// fetched at all.
func TestIncludeAndExcludeDecideWhichLinkedPagesAreFetched(t *testing.T) {
	s := newFilterSite(t)
	archive := filepath.Join(t.TempDir(), "archive")
	r := vellum(t, nil, "capture", "--archive", archive, "--delay", "0", "--no-progress", "--depth", "1",
		"--include", "/news/", "--exclude", "skip-me", s.URL+"/")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	checkFiltered(t, s, archive,
		[]string{"/", "/news/a.html", "/news/b.html", "/img/x.png", "/img/ad.png"},
		[]string{"/sport/c.html", "/news/skip-me.html"})
}

// An --exclude naming a requisite keeps it out, never requested, while the
// page's other requisites are archived; VELLUM_EXCLUDE gives one pattern
// the same way.
func TestExcludeKeepsARequisiteOut(t *testing.T) {
	for _, c := range []struct {
		name string
		env  []string
		args []string
	}{
		{"flag", nil, []string{"--exclude", `ad\.png`}},
		{"environment", []string{`VELLUM_EXCLUDE=ad\.png`}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newFilterSite(t)
			archive := filepath.Join(t.TempDir(), "archive")
			args := append([]string{"capture", "--archive", archive, "--delay", "0", "--no-progress"}, c.args...)
			r := vellum(t, c.env, append(args, s.URL+"/")...)
			if r.code != 0 {
				t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
			}
			checkFiltered(t, s, archive, []string{"/", "/img/x.png"}, []string{"/img/ad.png"})
		})
	}
}

// A job's include: and exclude: do what the flags do, for `vellum run`.
func TestJobIncludeAndExclude(t *testing.T) {
	s := newFilterSite(t)
	archive := filepath.Join(t.TempDir(), "archive")
	jobs := writeJobs(t, fmt.Sprintf(`jobs:
  - name: filtered
    seeds: [%s/]
    depth: 1
    delay: 0s
    include:
      - /news/
    exclude: skip-me
`, s.URL))
	r := vellum(t, nil, "run", "--jobs", jobs, "--archive", archive, "--no-progress")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	checkFiltered(t, s, archive,
		[]string{"/", "/news/a.html", "/news/b.html", "/img/x.png", "/img/ad.png"},
		[]string{"/sport/c.html", "/news/skip-me.html"})
}

// A seed that an --exclude names is not fetched, and its line says why;
// the other seeds are captured.
func TestExcludedSeedIsNotFetched(t *testing.T) {
	s := newFilterSite(t)
	archive := filepath.Join(t.TempDir(), "archive")
	r := vellum(t, nil, "capture", "--archive", archive, "--delay", "0", "--no-progress",
		"--exclude", "/sport/", s.URL+"/", s.URL+"/sport/c.html")
	if r.code != 1 {
		t.Errorf("exit %d, want 1 (a seed not captured):\n%s%s", r.code, r.stdout, r.stderr)
	}
	line := regexp.MustCompile(`(?m)^(FAILED|SKIPPED) ` + regexp.QuoteMeta(s.URL+"/sport/c.html") + `\b.*--exclude`)
	if !line.MatchString(r.stdout) {
		t.Errorf("no line saying the seed is excluded by --exclude:\n%s", r.stdout)
	}
	checkFiltered(t, s, archive, []string{"/", "/img/x.png", "/img/ad.png"}, []string{"/sport/c.html"})
}

// A redirect to a URL an --exclude names is recorded, and its target is
// never fetched.
func TestExcludeStopsARedirect(t *testing.T) {
	s := newFilterSite(t)
	archive := filepath.Join(t.TempDir(), "archive")
	r := vellum(t, nil, "capture", "--archive", archive, "--delay", "0", "--no-progress", "--exclude", "skip-me", s.URL+"/go")
	checkFiltered(t, s, archive, []string{"/go"}, []string{"/news/skip-me.html"})
	if t.Failed() {
		t.Logf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// A bad pattern, given as a flag, in the environment or in a jobs file,
// stops the command before anything is fetched: exit 2, one line naming
// the pattern.
func TestBadPatternExits2(t *testing.T) {
	s := newFilterSite(t)
	dir := t.TempDir()
	archive := filepath.Join(dir, "archive")
	jobs := writeJobs(t, fmt.Sprintf("jobs:\n  - name: bad\n    seeds: [%s/]\n    exclude:\n      - ok\n      - '('\n", s.URL))
	for _, c := range []struct {
		env  []string
		args []string
		want string
	}{
		{nil, []string{"capture", "--include", "news/[", s.URL + "/"}, `vellum: --include "news/[": invalid regexp: missing closing ]: "["`},
		{nil, []string{"capture", "--include", "/news/", "--exclude", "", s.URL + "/"}, `vellum: --exclude "": empty pattern (it would match every URL)`},
		{[]string{"VELLUM_INCLUDE=*.html"}, []string{"capture", s.URL + "/"}, `vellum: --include "*.html": invalid regexp: missing argument to repetition operator: "*"`},
		{nil, []string{"run", "--jobs", jobs}, "vellum: " + jobs + `:6: job "bad": exclude "(": invalid regexp: missing closing ): "("`},
	} {
		r := vellum(t, c.env, append(c.args, "--archive", archive, "--no-progress")...)
		if r.code != 2 || strings.TrimSpace(r.stderr) != c.want || r.stdout != "" {
			t.Errorf("%v %v: exit %d, stdout %q, stderr %q; want exit 2 and the one line %q", c.env, c.args, r.code, r.stdout, r.stderr, c.want)
		}
	}
	if n := s.requested("/"); n != 0 {
		t.Errorf("the site was asked for / %d times", n)
	}
}
