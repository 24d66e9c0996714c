package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/index"
)

// runSummaries reads the archive's runs/<id>.json files.
func runSummaries(t *testing.T, archive string) []capture.RunSummary {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(archive, "runs", "*.json"))
	var out []capture.RunSummary
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var s capture.RunSummary
		if err := json.Unmarshal(data, &s); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Started.Before(out[j].Started) })
	return out
}

func TestServeRunsJobsOnSchedulesWithoutOverlap(t *testing.T) {
	// A page that takes longer than the job's interval to serve.
	var inFlight, most, served atomic.Int64
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	site := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(1300 * time.Millisecond)
		served.Add(1)
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!DOCTYPE html><title>Slow</title><p>A slow front page.</p>")
	}))
	site.Listener.Close()
	site.Listener = l
	site.Start()
	t.Cleanup(site.Close)

	archive := filepath.Join(t.TempDir(), "archive")
	jobs := writeJobs(t, fmt.Sprintf(`jobs:
  - name: slow
    schedule: "@every 1s"
    seeds: [%s/]
    delay: 0s
  - name: broken
    schedule: "@every 1s"
    seeds: [http://127.0.0.1:%s/]
`, site.URL, closedPort(t)))
	ui, _ := startServe(t, archive, "--jobs", jobs)

	deadline := time.Now().Add(30 * time.Second)
	var slow, broken []capture.RunSummary
	for {
		slow, broken = nil, nil
		for _, s := range runSummaries(t, archive) {
			switch s.Job {
			case "slow":
				slow = append(slow, s)
			case "broken":
				broken = append(broken, s)
			}
		}
		if len(slow) >= 2 && len(broken) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s: %d runs of slow, %d of broken", len(slow), len(broken))
		}
		time.Sleep(100 * time.Millisecond)
	}
	for i, s := range slow {
		if s.Status != index.RunOK {
			t.Errorf("run %s of slow: %s %s", s.ID, s.Status, s.Error)
		}
		if i > 0 && s.Started.Before(slow[i-1].Ended) {
			t.Errorf("run %s started at %s, before run %s ended at %s", s.ID, s.Started, slow[i-1].ID, slow[i-1].Ended)
		}
	}
	if most.Load() != 1 {
		t.Errorf("%d runs fetched the page at once", most.Load())
	}
	for _, s := range broken {
		if s.Status != index.RunFailed || len(s.Failed) != 1 {
			t.Errorf("run %s of broken: %s, failed seeds %v", s.ID, s.Status, s.Failed)
		}
	}

	// The turns that came while slow was running were skipped, and counted.
	metrics := getBody(t, ui+"/metrics")
	if n := metricValue(t, metrics, `vellum_job_skipped_turns_total{job="slow"}`); n < 1 {
		t.Errorf("no skipped turn counted for slow:\n%s", grepLines(metrics, "vellum_job"))
	}
	if n := metricValue(t, metrics, `vellum_runs{status="ok"}`); n < 2 {
		t.Errorf("vellum_runs{status=\"ok\"} = %v", n)
	}
	if n := metricValue(t, metrics, `vellum_runs{status="failed"}`); n < 2 {
		t.Errorf("vellum_runs{status=\"failed\"} = %v", n)
	}
	if n := metricValue(t, metrics, `vellum_run_pages_total`); n < 2 {
		t.Errorf("vellum_run_pages_total = %v", n)
	}
	if n := metricValue(t, metrics, `vellum_uploads_pending`); n != 0 {
		t.Errorf("vellum_uploads_pending = %v", n)
	}

	// The runs are listed in the UI, each with its own page.
	runs := getBody(t, ui+"/runs")
	for _, s := range append(slow[:2], broken[:2]...) {
		if !strings.Contains(runs, s.ID) {
			t.Errorf("/runs does not list run %s", s.ID)
		}
	}
	page := getBody(t, ui+"/runs/"+slow[0].ID)
	if !strings.Contains(page, site.URL+"/") || !strings.Contains(page, "new") {
		t.Errorf("/runs/%s does not show its seed and page:\n%s", slow[0].ID, page)
	}
	metrics = getBody(t, ui+"/metrics")
	if n := metricValue(t, metrics, `vellum_replay_requests_total{code="200",kind="runs"}`); n < 2 {
		t.Errorf("replay requests to /runs not counted:\n%s", grepLines(metrics, "vellum_replay"))
	}
	if !strings.Contains(metrics, `vellum_replay_request_duration_seconds_bucket{kind="runs"`) {
		t.Errorf("no latency histogram for /runs")
	}
}

func TestServeRefusesAnInvalidJobsFile(t *testing.T) {
	jobs := writeJobs(t, "jobs:\n  - name: a\n    shedule: \"@daily\"\n    seeds: [http://127.0.0.1/]\n")
	r := vellum(t, nil, "serve", "--archive", t.TempDir(), "--addr", "127.0.0.1:0", "--jobs", jobs)
	if r.code != 2 || !strings.Contains(r.stderr, "jobs.yaml:3") || !strings.Contains(r.stderr, `unknown field "shedule"`) ||
		strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || strings.Contains(r.stdout, "replays") {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
}

// metricValue reads one sample of a Prometheus text exposition.
func metricValue(t *testing.T, text, series string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(text)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatalf("%s: %v", series, err)
	}
	return v
}

func grepLines(text, substr string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
