package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/internal/redistest"
)

// TestFrontierSchedulerNodesFireEachTurnOnce: two `vellum serve --jobs
// --frontier` nodes hold the same jobs file; each turn of the job runs on
// one of them, once: a run is recorded by one node only, and the site sees
// the job's seed fetched once a run.
func TestFrontierSchedulerNodesFireEachTurnOnce(t *testing.T) {
	rd := redistest.Start(t)
	site := newClusterSite(t, 2)
	jobs := writeJobs(t, fmt.Sprintf("jobs:\n  - name: tick\n    schedule: \"@every 2s\"\n    seeds: [%s/p/0]\n    depth: 1\n    delay: 10ms\n", site.bases[0]))
	nodes := []string{filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")}
	for _, archive := range nodes {
		startServe(t, archive, "--jobs", jobs, "--frontier", "redis://"+rd.Addr+"/0")
	}
	const want = 3
	var runs [2][]string
	deadline := time.Now().Add(2 * time.Minute)
	for {
		total := 0
		for i, archive := range nodes {
			runs[i] = finishedRuns(t, archive)
			total += len(runs[i])
		}
		if total >= want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d runs in 2 minutes of a job due every 2 s: %v", total, runs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	seen := map[string]string{}
	for i, ids := range runs {
		for _, id := range ids {
			if other, ok := seen[id]; ok {
				t.Errorf("run %s was run by two scheduler nodes (%s and %s)", id, other, nodes[i])
			}
			seen[id] = nodes[i]
		}
	}
	seed := 0
	for _, r := range site.requests() {
		if r.path == "/p/0" && strings.HasPrefix(site.bases[0], "http://"+r.host) {
			seed++
		}
	}
	// A turn may have begun since the runs were read: one more fetch at most.
	if seed < len(seen) || seed > len(seen)+1 {
		t.Errorf("the seed was fetched %d times for %d runs: a turn ran twice, or a run fetched it twice", seed, len(seen))
	}
}

// finishedRuns lists the runs whose record archive/runs holds.
func finishedRuns(t *testing.T, archive string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(archive, "runs"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range entries {
		if id, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// TestServeFrontierNeedsJobs: serve shares the runs of its jobs; without
// --jobs, --frontier is one line and exit 2, before anything is served.
func TestServeFrontierNeedsJobs(t *testing.T) {
	out, err := exec.Command(vellumBin, "serve", "--archive", t.TempDir(), "--addr", "127.0.0.1:0", "--frontier", "redis://127.0.0.1:1/0").CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("exit: %v, want 2\n%s", err, out)
	}
	if msg := strings.TrimSpace(string(out)); msg != "vellum: --frontier: serve shares the runs of its --jobs; give --jobs FILE" {
		t.Errorf("message: %q", msg)
	}
}
