package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vellumhq/vellum/internal/testsite"
	"github.com/vellumhq/vellum/warc"
)

// pageSite is a site of n articles linked from its front page, each with
// its own image and a shared stylesheet; every article takes a few
// milliseconds, so a crawl of it lasts long enough to be stopped halfway.
type pageSite struct {
	srv  *httptest.Server
	n    int
	mu   sync.Mutex
	hits map[string]int
}

func newPageSite(t *testing.T, n int, slow time.Duration) *pageSite {
	s := &pageSite{n: n, hits: map[string]int{}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.mu.Unlock()
		p := r.URL.Path
		switch {
		case p == "/":
			var b strings.Builder
			b.WriteString("<!DOCTYPE html><html><head><title>Front page</title></head><body><h1>News</h1><ul>")
			for i := 1; i <= n; i++ {
				fmt.Fprintf(&b, `<li><a href="/a/%d.html">Story %d</a></li>`, i, i)
			}
			b.WriteString("</ul></body></html>")
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(b.String()))
		case strings.HasPrefix(p, "/a/"):
			time.Sleep(slow)
			var i int
			fmt.Sscanf(p, "/a/%d.html", &i)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>Story %d</title><link rel="stylesheet" href="/site.css"></head>
<body><article><h1>Story %d</h1><img src="/img/%d.png" alt=""><p>Paragraph %d of the story, long enough to be the main text of the page.</p></article></body></html>`, i, i, i, i)
		case strings.HasPrefix(p, "/img/"):
			w.Header().Set("Content-Type", "image/png")
			w.Write(testsite.PNG(4, 4, testsite.Blue))
		case p == "/site.css":
			w.Header().Set("Content-Type", "text/css")
			w.Write([]byte("body { font-family: serif }"))
		default:
			http.NotFound(w, r)
		}
	}))
	s.srv.Listener.Close()
	s.srv.Listener = l
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	return s
}

func (s *pageSite) articlesServed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p, c := range s.hits {
		if strings.HasPrefix(p, "/a/") {
			n += c
		}
	}
	return n
}

// urls lists every URL of the site a depth-1 crawl captures.
func (s *pageSite) urls() []string {
	out := []string{s.srv.URL + "/", s.srv.URL + "/robots.txt", s.srv.URL + "/site.css"}
	for i := 1; i <= s.n; i++ {
		out = append(out, fmt.Sprintf("%s/a/%d.html", s.srv.URL, i), fmt.Sprintf("%s/img/%d.png", s.srv.URL, i))
	}
	return out
}

// startRun starts `vellum run` and returns once the site has served at
// least articles articles, leaving the process running.
func startRun(t *testing.T, s *pageSite, articles int, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	verifyWARCsAtEnd(t, archiveArg(args))
	cmd := exec.Command(vellumBin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for s.articlesServed() < articles {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the run served %d articles in 60 s\n%s", s.articlesServed(), out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return cmd, &out
}

// checkCapturedOnce asserts that every URL of the site has exactly one
// response record in the archive, that each article has one metadata
// record, and that all the records belong to one run.
func checkCapturedOnce(t *testing.T, s *pageSite, archive string) string {
	t.Helper()
	responses, metadata, runs := map[string]int{}, map[string]int{}, map[string]bool{}
	for _, r := range archiveRecords(t, archive, "") {
		runs[r.file[:strings.LastIndexByte(r.file, '-')]] = true
		switch r.typ {
		case warc.TypeResponse, warc.TypeRevisit:
			responses[r.uri]++
		case warc.TypeMetadata:
			metadata[warc.PageOfInfo(r.uri)]++
		}
	}
	for _, u := range s.urls() {
		if responses[u] != 1 {
			t.Errorf("%s captured %d times", u, responses[u])
		}
		if strings.Contains(u, "/a/") && metadata[u] != 1 {
			t.Errorf("%s has %d metadata records", u, metadata[u])
		}
	}
	if len(responses) != len(s.urls()) {
		t.Errorf("%d URLs captured, want %d", len(responses), len(s.urls()))
	}
	if len(runs) != 1 {
		t.Errorf("WARC files of %d runs: %v", len(runs), keys(runs))
	}
	if v := vellum(t, nil, "verify", archive); v.code != 0 {
		t.Errorf("verify: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}
	for id := range runs {
		return id
	}
	return ""
}

// siteJob writes a jobs file crawling the whole site (depth 1, no delay)
// and returns a fresh archive and the `vellum run` arguments of the job.
func siteJob(t *testing.T, site *pageSite) (archive string, args []string) {
	archive = filepath.Join(t.TempDir(), "archive")
	jobs := writeJobs(t, fmt.Sprintf("jobs:\n  - name: big\n    seeds: [%s/]\n    depth: 1\n    delay: 0s\n", site.srv.URL))
	return archive, []string{"run", "--jobs", jobs, "--archive", archive, "--no-progress", "--log-level", "warn"}
}

func TestRunKilledMidCrawlIsResumedWithoutCapturingAURLTwice(t *testing.T) {
	site := newPageSite(t, 500, 4*time.Millisecond)
	archive, args := siteJob(t, site)

	cmd, out := startRun(t, site, 150, args...)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	before := site.articlesServed()
	if open, _ := filepath.Glob(filepath.Join(archive, "warcs", "*", "*", "*", "*.open")); len(open) == 0 {
		t.Logf("no .open file after kill -9 (the kill came between two files?)\n%s", out)
	}

	// Until its job runs again, the replay UI and the metrics show the run
	// as crashed, not as running.
	ui, _ := startServe(t, archive)
	if runs := getBody(t, ui+"/runs"); !strings.Contains(runs, "crashed (resumed by the job&#39;s next run)") {
		t.Errorf("/runs does not show the killed run as crashed:\n%.3000s", runs)
	}
	if m := getBody(t, ui+"/metrics"); metricValue(t, m, `vellum_runs{status="crashed"}`) != 1 || metricValue(t, m, `vellum_runs{status="running"}`) != 0 {
		t.Errorf("metrics of a killed run:\n%s", grepLines(m, "vellum_runs"))
	}

	r := vellum(t, nil, args...)
	if r.code != 0 {
		t.Fatalf("resumed run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr+r.stdout, "resuming") && !strings.Contains(r.stderr, "repaired") {
		t.Logf("output of the resumed run:\n%s%s", r.stdout, r.stderr)
	}
	sum := parseRunLine(t, r.stdout)
	id := checkCapturedOnce(t, site, archive)
	if sum.id != id {
		t.Errorf("the second `vellum run` made run %s; the killed run %s was not resumed", sum.id, id)
	}
	if sum.status != "OK" || sum.pages != 501 {
		t.Errorf("resumed run summary: %+v", sum)
	}
	// Only what was in flight when the process died, or finished in the
	// last frontier batch (250 ms), is fetched again: a URL recorded as done
	// has its records on disk. A run that started over fetches all of them
	// again; half is the bound, as a loaded machine may finish some dozens of
	// 4 ms pages within one batch (45 of 150 were seen).
	again := site.articlesServed() - 500
	t.Logf("%d of the %d articles served before the kill were fetched again", again, before)
	if again > before/2 {
		t.Errorf("%d articles fetched twice (%d before the kill): the run started over", again, before)
	}
}

func TestRunStoppedBySIGINTIsMarkedInterruptedAndResumable(t *testing.T) {
	site := newPageSite(t, 300, 4*time.Millisecond)
	archive, args := siteJob(t, site)

	cmd, out := startRun(t, site, 80, args...)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Errorf("after SIGINT: %v, want exit 130\n%s", err, out)
	}
	if !strings.Contains(out.String(), "interrupted") {
		t.Errorf("no word of the interruption:\n%s", out)
	}
	if open, _ := filepath.Glob(filepath.Join(archive, "warcs", "*", "*", "*", "*.open")); len(open) > 0 {
		t.Errorf("SIGINT left .open files: %v", open)
	}
	runs, _ := filepath.Glob(filepath.Join(archive, "runs", "*.json"))
	if len(runs) != 1 {
		t.Fatalf("run summaries: %v", runs)
	}
	data, _ := os.ReadFile(runs[0])
	if !strings.Contains(string(data), `"status": "interrupted"`) {
		t.Errorf("%s:\n%s", runs[0], data)
	}
	if v := vellum(t, nil, "verify", archive); v.code != 0 {
		t.Errorf("verify after SIGINT: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}

	r := vellum(t, nil, append(args, "--resume")...)
	if r.code != 0 {
		t.Fatalf("run --resume: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	id := checkCapturedOnce(t, site, archive)
	if sum := parseRunLine(t, r.stdout); sum.id != id || sum.status != "OK" || !strings.Contains(r.stdout, ", 0 errors,") {
		t.Errorf("resumed: %+v, want run %s OK with 0 errors (stopping is not an error)\n%s", sum, id, r.stdout)
	}
	if n := strings.Count(out.String(), "level=WARN"); n > 0 {
		t.Errorf("stopping logged %d warnings:\n%.2000s", n, out)
	}
}
