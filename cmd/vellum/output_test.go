package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vellumhq/vellum/internal/miniotest"
	"github.com/vellumhq/vellum/internal/testsite"
)

// newsSite is a front page linking two articles, a page robots.txt forbids
// and a page that is gone.
func newsSite(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
		case "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<a href="/a.html">a</a> <a href="/b.html">b</a> <a href="/private/x.html">x</a> <a href="/gone.html">gone</a>`)
		case "/a.html", "/b.html":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<article><p>A story of some length, told in full.</p></article>")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// capture --depth 1 ends with the run's summary line, gives full replay
// URLs and says how to replay them.
func TestCaptureEndsWithASummaryAndFullReplayURLs(t *testing.T) {
	srv := newsSite(t)
	archive := filepath.Join(t.TempDir(), "archive")
	r := vellum(t, nil, "capture", "--archive", archive, "--delay", "0", "--depth", "1", "--replay-url", "http://127.0.0.1:9090/", srv.URL+"/")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	seed := regexp.MustCompile(`^ok +200 ` + regexp.QuoteMeta(srv.URL+"/") + `  http://127\.0\.0\.1:9090/web/\d{14}/` + regexp.QuoteMeta(srv.URL+"/") + `$`)
	sum := regexp.MustCompile(`^run \S+  job \(capture\)  OK  3 pages \(3 new, 0 changed, 0 unchanged\), 0 requisites, 0 revisits, [\d.]+ [KM]?i?B, 1 errors, 1 skipped, 1 files, \S+$`)
	if len(lines) != 2 || !seed.MatchString(lines[0]) || !sum.MatchString(lines[1]) {
		t.Errorf("stdout:\n%s\nwant the seed's line with its full replay URL, then the run's summary", r.stdout)
	}
	if !strings.Contains(r.stderr, "vellum serve --archive "+archive) {
		t.Errorf("no hint to run vellum serve:\n%s", r.stderr)
	}

	// The run page lists what the summary counts; /metrics counts the
	// robots.txt skip apart from the error.
	id := regexp.MustCompile(`(?m)^run (\S+)`).FindStringSubmatch(r.stdout)
	if id == nil {
		t.Fatal("no run id")
	}
	ui, _ := startServe(t, archive)
	page := getBody(t, ui+"/runs/"+id[1])
	for _, want := range []string{srv.URL + "/gone.html</td><td>page</td><td>failed</td><td>HTTP 404 Not Found",
		srv.URL + "/private/x.html</td><td>page</td><td>skipped</td><td>disallowed by robots.txt"} {
		if !strings.Contains(page, want) {
			t.Errorf("run page does not list %q:\n%s", want, page)
		}
	}
	m := getBody(t, ui+"/metrics")
	if metricValue(t, m, "vellum_run_errors_total") != 1 || metricValue(t, m, "vellum_run_skipped_total") != 1 ||
		metricValue(t, m, "vellum_run_pages_total") != 3 {
		t.Errorf("metrics:\n%s", grepLines(m, "vellum_run_"))
	}
}

// A seed that fails is told once: its FAILED line (and the summary), no
// log line and no closing message repeating it.
func TestAFailedSeedIsReportedOnce(t *testing.T) {
	srv := newsSite(t)
	archive := filepath.Join(t.TempDir(), "archive")
	r := vellum(t, nil, "capture", "--archive", archive, "--delay", "0", srv.URL+"/gone.html")
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	all := r.stdout + r.stderr
	// "404 Not Found", not "404": a timestamp or run ID can hold "404" (06:40:4x).
	if n := strings.Count(all, "404 Not Found"); n != 1 || !strings.HasPrefix(r.stdout, "FAILED "+srv.URL+"/gone.html: HTTP 404 Not Found") {
		t.Errorf("the failure is told %d times:\nstdout:\n%s\nstderr:\n%s", n, r.stdout, r.stderr)
	}
	if strings.Contains(r.stderr, "seeds failed") || strings.Contains(r.stderr, "level=WARN") {
		t.Errorf("stderr repeats the failure:\n%s", r.stderr)
	}
}

// With the store down the closing line names the store once; once it is
// back, the next capture says how many files went up, and logs no err=<nil>.
// A seed robots.txt forbids is skipped, as the counts say, and the line
// tells how to capture it anyway; the capture still exits 1: the seed asked
// for is not in the archive.
func TestARobotsForbiddenSeedIsToldSkipped(t *testing.T) {
	srv := newsSite(t)
	archive := filepath.Join(t.TempDir(), "archive")
	r := vellum(t, nil, "capture", "--archive", archive, "--delay", "0", srv.URL+"/private/x.html")
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	want := "SKIPPED " + srv.URL + "/private/x.html: disallowed by robots.txt (--ignore-robots captures it)\n"
	if !strings.HasPrefix(r.stdout, want) || !strings.Contains(r.stdout, ", 0 errors, 1 skipped,") {
		t.Errorf("stdout:\n%s\nwant %q and the summary counting it skipped", r.stdout, want)
	}
}

func TestCaptureSaysWhatWentUpAndWhatDidNot(t *testing.T) {
	m := miniotest.Start(t)
	m.Stop(t)
	site := testsite.New(t)
	const remote = "s3://vellum-said/p"
	archive := filepath.Join(t.TempDir(), "archive")
	r := vellum(t, m.Env(), "capture", "--archive", archive, "--delay", "0", "--remote", remote, site.URL("/about.html"))
	last := lastLine(r.stderr)
	if r.code != 1 || strings.Count(last, m.Endpoint) != 1 || !strings.Contains(last, "pending upload to "+remote) {
		t.Errorf("store down: exit %d, closing line names %s %d times:\n%s", r.code, m.Endpoint, strings.Count(last, m.Endpoint), last)
	}
	m.Restart(t)
	r = vellum(t, m.Env(), "capture", "--archive", archive, "--delay", "0", "--remote", remote, site.URL("/2014/08/other.html"))
	if r.code != 0 || !regexp.MustCompile(`(?m)^uploaded 4 files to `+regexp.QuoteMeta(remote)).MatchString(r.stdout) {
		t.Errorf("store back: exit %d, want `uploaded 4 files to %s` (2 left pending, 2 new)\nstdout:\n%s\nstderr:\n%s", r.code, remote, r.stdout, r.stderr)
	}
	if strings.Contains(r.stderr, "err=<nil>") {
		t.Errorf("a success is logged with err=<nil>:\n%s", r.stderr)
	}
}
