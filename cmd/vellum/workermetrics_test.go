package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/capture/frontier"
	"github.com/vellumhq/vellum/internal/redistest"
	"github.com/vellumhq/vellum/internal/testproc"
	"github.com/vellumhq/vellum/warc"
)

// A crawl worker (`vellum capture`, `vellum run`) started with --metrics
// serves /metrics while it runs: scraped while the site holds one of its
// pages, it shows what the worker archived so far, labelled with the
// worker's name, and the shared run's frontier (the held page in flight,
// one worker open) labelled with the run and the job; once the worker has
// ended, nothing listens there any more.
func TestWorkerMetrics(t *testing.T) {
	t.Run("capture", func(t *testing.T) { checkWorkerMetrics(t, "") })
	t.Run("run", func(t *testing.T) { checkWorkerMetrics(t, "site") })
}

// checkWorkerMetrics runs a worker of the job named (none: a capture).
func checkWorkerMetrics(t *testing.T, job string) {
	rd := redistest.Start(t)
	site := newClusterSite(t, 30)
	site.setTrap("scraped", 8)
	addr := freeAddr(t)
	var w *worker
	if job == "" {
		w = startWorker(t, "scraped", "--frontier", "redis://"+rd.Addr+"/0", "--delay", "10ms", "--depth", "10", "--metrics", addr,
			site.bases[0]+"/p/0", site.bases[1]+"/p/0")
	} else {
		jobs := writeJobs(t, fmt.Sprintf("jobs:\n  - name: %s\n    seeds: [%s/p/0, %s/p/0]\n    depth: 10\n    delay: 10ms\n    user_agent: vellum-test scraped\n", job, site.bases[0], site.bases[1]))
		w = startVellum(t, "scraped", "run", "--jobs", jobs, "--frontier", "redis://"+rd.Addr+"/0", "--metrics", addr)
	}
	select {
	case <-site.trapped:
	case <-time.After(2 * time.Minute):
		t.Fatalf("the worker never fetched a page after the first ones\nstderr:\n%s", w.err.String())
	}
	url := "http://" + addr + "/metrics"
	var body string
	// The worker's counts reach /metrics with its progress, a few times a second.
	for deadline := time.Now().Add(30 * time.Second); ; {
		body = scrape(t, url)
		if v, _ := firstSample(body, "vellum_worker_pages_total"); v > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no page counted on /metrics after 30 s:\n%s", grepLines(body, "vellum_"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, name := range []string{"vellum_worker_pages_total", "vellum_worker_pages_done_total", "vellum_worker_requisites_total",
		"vellum_worker_bytes_total", "vellum_frontier_done_total", "vellum_frontier_pages_total", "vellum_frontier_inflight",
		"vellum_frontier_workers_open", "go_goroutines", "process_resident_memory_bytes"} {
		if v, ok := firstSample(body, name); !ok || v <= 0 {
			t.Errorf("%s: %v (found: %v), want more than 0", name, v, ok)
		}
	}
	for _, name := range []string{"vellum_worker_errors_total", "vellum_worker_files_total", "vellum_frontier_queued", "vellum_frontier_requeued_total"} {
		if _, ok := firstSample(body, name); !ok {
			t.Errorf("%s: not on /metrics", name)
		}
	}
	if v, _ := firstSample(body, "vellum_frontier_workers_open"); v != 1 {
		t.Errorf("vellum_frontier_workers_open %v, want 1", v)
	}
	if v, _ := firstSample(body, "vellum_metrics_errors"); v != 0 {
		t.Errorf("vellum_metrics_errors %v: reading the frontier failed", v)
	}
	worker := regexp.MustCompile(`(?m)^vellum_worker_pages_total\{worker="([^"]+)"\} `).FindStringSubmatch(body)
	if worker == nil {
		t.Errorf("the worker's counts are not labelled with its name:\n%s", grepLines(body, "vellum_worker_pages"))
	}
	run := regexp.MustCompile(`(?m)^vellum_frontier_inflight\{job="` + regexp.QuoteMeta(jobName(job)) + `",run="([^"]+)",worker="[^"]+"\} `).FindStringSubmatch(body)
	if run == nil {
		t.Errorf("the frontier's gauges are not labelled with the run, the job and the worker:\n%s", grepLines(body, "vellum_frontier"))
	}

	site.open()
	if code := w.wait(t, 2*time.Minute); code != 0 {
		t.Fatalf("worker: exit %d\n%s", code, w.err.String())
	}
	if m := summaryRun.FindStringSubmatch(w.out.String()); run != nil && (m == nil || m[1] != run[1]) {
		t.Errorf("/metrics named run %s, the worker's summary %q", run[1], m)
	}
	if worker != nil {
		files, _ := filepath.Glob(filepath.Join(w.archive, "warcs", "*", "*", "*", "*-"+worker[1]+"-00000.warc.gz"))
		if len(files) != 1 {
			t.Errorf("the worker label %q is not the name in the worker's files", worker[1])
		}
	}
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Errorf("/metrics still answers after the worker ended")
	}
}

// freeAddr is a loopback address whose port was free just now.
func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := testproc.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// scrape GETs /metrics.
func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v\n%s", url, resp.StatusCode, err, b)
	}
	return string(b)
}

// firstSample is the value of the first series of name in a scrape.
func firstSample(body, name string) (float64, bool) {
	for _, line := range strings.Split(body, "\n") {
		rest, ok := strings.CutPrefix(line, name)
		if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		f := strings.Fields(rest[strings.LastIndex(rest, "}")+1:])
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(f[0], 64)
		return v, err == nil
	}
	return 0, false
}

// --metrics with an address the worker cannot listen on (not host:port,
// a port out of range, one in use) is one line naming it, exit 2, before
// anything is written; VELLUM_METRICS is read as the flag.
func TestWorkerMetricsBadAddr(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	jobs := writeJobs(t, "jobs:\n  - name: a\n    seeds: [http://127.0.0.1:1/]\n")
	dir := t.TempDir()
	archive := filepath.Join(dir, "archive")
	for _, tc := range []struct {
		name, addr string
		env        bool
		cmd        []string
	}{
		{"capture, no port", "nonsense", false, []string{"capture", "--archive", archive, "http://127.0.0.1:1/"}},
		{"capture, port out of range", "127.0.0.1:99999", false, []string{"capture", "--archive", archive, "http://127.0.0.1:1/"}},
		{"run, port in use", busy.Addr().String(), false, []string{"run", "--jobs", jobs, "--archive", archive}},
		{"run, VELLUM_METRICS", "nonsense", true, []string{"run", "--jobs", jobs, "--archive", archive}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args, env := tc.cmd, []string(nil)
			if tc.env {
				env = []string{"VELLUM_METRICS=" + tc.addr}
			} else {
				args = append(args, "--metrics", tc.addr)
			}
			r := vellum(t, env, args...)
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if want := "vellum: --metrics " + tc.addr + ": "; r.code != 2 || len(lines) != 1 || !strings.HasPrefix(lines[0], want) {
				t.Errorf("exit %d, want 2 with one line %q…:\n%s", r.code, want, r.stderr)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a refused command made files: %v", entries)
	}
}

// brokenFrontier is a shared frontier whose Redis does not answer.
type brokenFrontier struct{}

func (brokenFrontier) State(context.Context) (frontier.State, error) {
	return frontier.State{}, errors.New("redis: connection refused")
}

// The worker's counts on /metrics are summed over the runs the process
// made (`vellum run` of several jobs), never going down within a run
// (its counts at the end are recounted), and a frontier that does not
// answer is counted as a failed read, the rest still served.
func TestWorkerMetricsSumRuns(t *testing.T) {
	m, err := startWorkerMetrics(freeAddr(t), "w-1", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer m.close()
	body := func() string {
		rec := httptest.NewRecorder()
		m.srv.Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		return rec.Body.String()
	}
	var shown []capture.Stats
	first := capture.Config{RunID: "run-1", OnProgress: func(s capture.Stats) { shown = append(shown, s) }}
	chain(m.watch("a", nil))(&first)
	first.OnProgress(capture.Stats{Pages: 5, Requisites: 7, Bytes: 1000, Queued: 3})
	first.OnProgress(capture.Stats{Pages: 4, Requisites: 7, Bytes: 1000}) // recounted at the end
	first.OnFileClosed(warc.ClosedFile{Records: 20, Size: 5000})
	if len(shown) != 2 {
		t.Errorf("the run's own progress saw %d updates, want 2", len(shown))
	}
	second := capture.Config{RunID: "run-2"}
	chain(m.watch("b", brokenFrontier{}))(&second)
	second.OnProgress(capture.Stats{Pages: 2, Errors: 1, Queued: 1})
	got := body()
	for series, want := range map[string]float64{
		`vellum_worker_pages_total{worker="w-1"}`:      7,
		`vellum_worker_requisites_total{worker="w-1"}`: 7,
		`vellum_worker_bytes_total{worker="w-1"}`:      1000,
		`vellum_worker_errors_total{worker="w-1"}`:     1,
		`vellum_worker_queued{worker="w-1"}`:           1,
		`vellum_worker_files_total{worker="w-1"}`:      1,
		`vellum_worker_records_total{worker="w-1"}`:    20,
		`vellum_worker_file_bytes_total{worker="w-1"}`: 5000,
		`vellum_metrics_errors{worker="w-1"}`:          1,
	} {
		if v := metricValue(t, got, series); v != want {
			t.Errorf("%s %v, want %v", series, v, want)
		}
	}
	if strings.Contains(got, "vellum_frontier_") {
		t.Errorf("a frontier that does not answer has series:\n%s", grepLines(got, "vellum_frontier_"))
	}
}
