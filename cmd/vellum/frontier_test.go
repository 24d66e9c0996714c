package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vellumhq/vellum/capture/frontier"
	"github.com/vellumhq/vellum/internal/redistest"
)

// worker is a `vellum capture` started and not waited for yet.
type worker struct {
	name     string
	archive  string
	cmd      *exec.Cmd
	out, err bytes.Buffer
}

// startWorker starts `vellum capture` with args, a User-Agent that names
// the worker, and an archive of its own.
func startWorker(t *testing.T, name string, args ...string) *worker {
	t.Helper()
	return startVellum(t, name, append([]string{"capture", "--user-agent", "vellum-test " + name}, args...)...)
}

// startVellum starts vellum with args and an archive of its own.
func startVellum(t *testing.T, name string, args ...string) *worker {
	t.Helper()
	w := &worker{name: name, archive: filepath.Join(t.TempDir(), name)}
	verifyWARCsAtEnd(t, w.archive)
	w.cmd = exec.Command(vellumBin, append(args, "--archive", w.archive, "--no-progress")...)
	w.cmd.Stdout, w.cmd.Stderr = &w.out, &w.err
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			_ = w.cmd.Process.Kill()
			_ = w.cmd.Wait()
		}
	})
	return w
}

// wait waits for the worker to exit, at most d, and returns its exit code.
func (w *worker) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- w.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(d):
		_ = w.cmd.Process.Signal(syscall.SIGQUIT) // its goroutines' stacks, for the log
		<-done
		t.Fatalf("worker %s still running after %v\nstderr:\n%s", w.name, d, w.err.String())
	}
	return w.cmd.ProcessState.ExitCode()
}

var summaryRun = regexp.MustCompile(`(?m)^run (\S+) `)

// TestFrontierWorkersShareOneRun is the cluster on one machine: three
// `vellum capture` processes with the same seeds on one Redis are one run
// over a site on two hosts. One of them is killed with kill -9 while it
// holds a page (the site keeps that request open): its claims come back
// to the others when its 4 s lease expires. Then every URL of the site was
// captured, each exactly once across the workers' WARC files, counting the
// killed worker's file as `vellum index` repairs it (its complete records
// count; what it had in flight the others fetched again, so a URL it had
// written but not reported done may be there twice: no more such URLs than
// the frontier requeued). And the site's log shows no two page requests of
// one host overlapping, and every gap at least the delay, across workers.
func TestFrontierWorkersShareOneRun(t *testing.T) {
	rd := redistest.Start(t)
	site := newClusterSite(t, 120)
	site.setTrap("victim", 30)
	const delay = 50 * time.Millisecond
	redisURL := "redis://" + rd.Addr + "/0"
	args := []string{"--frontier", redisURL, "--frontier-lease", "4s", "--delay", delay.String(), "--depth", "10",
		site.bases[0] + "/p/0", site.bases[1] + "/p/0"}
	victim := startWorker(t, "victim", args...)
	a := startWorker(t, "a", args...)
	b := startWorker(t, "b", args...)

	select {
	case <-site.trapped:
	case <-time.After(2 * time.Minute):
		t.Fatalf("the victim worker never fetched a page after the first ones\nstderr:\n%s", victim.err.String())
	}
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	victim.wait(t, 30*time.Second)
	site.open()

	for _, w := range []*worker{a, b} {
		if code := w.wait(t, 3*time.Minute); code != 0 {
			t.Fatalf("worker %s: exit %d\nstdout:\n%s\nstderr:\n%s", w.name, code, w.out.String(), w.err.String())
		}
	}
	runA, runB := summaryRun.FindStringSubmatch(a.out.String()), summaryRun.FindStringSubmatch(b.out.String())
	if runA == nil || runB == nil || runA[1] != runB[1] {
		t.Fatalf("the workers' runs: %q and %q, want one run\n%s\n%s", runA, runB, a.out.String(), b.out.String())
	}
	// The killed worker's open file, repaired as `vellum index` does.
	if r := vellum(t, nil, "index", "--archive", victim.archive); r.code != 0 {
		t.Fatalf("vellum index of the killed worker's archive: exit %d\n%s", r.code, r.stderr)
	}

	caps := captures(t, victim.archive, a.archive, b.archive)
	requeued := frontierCounter(t, rd, runA[1], "requeued")
	if requeued < 1 {
		t.Errorf("requeued %d claims, want the killed worker's page at least", requeued)
	}
	twice := 0
	for _, u := range site.urls() {
		switch got := caps[u]; {
		case len(got) == 0:
			t.Errorf("%s: never captured", u)
		case len(got) == 2 && (got[0] == victim.archive) != (got[1] == victim.archive):
			twice++ // written by the killed worker, not reported done, fetched again
		case len(got) > 1:
			t.Errorf("%s: captured %d times (%v)", u, len(got), got)
		}
	}
	if twice > int(requeued) {
		t.Errorf("%d URLs captured twice, more than the %d claims requeued", twice, requeued)
	}
	for u, got := range caps {
		if !strings.HasSuffix(u, "/robots.txt") && !slices.Contains(site.urls(), u) {
			t.Errorf("%s: captured (%d times) but not of the site", u, len(got))
		}
	}
	// Each worker has its own files, named with its run and its name.
	named := regexp.MustCompile(`^` + regexp.QuoteMeta(runA[1]) + `-[A-Za-z0-9.-]+-\d{5}\.warc\.gz$`)
	for _, w := range []*worker{victim, a, b} {
		files, _ := filepath.Glob(filepath.Join(w.archive, "warcs", "*", "*", "*", "*.warc.gz"))
		if len(files) != 1 || !named.MatchString(filepath.Base(files[0])) {
			t.Errorf("worker %s: files %v, want one %s-<worker>-<serial>.warc.gz", w.name, files, runA[1])
		}
	}
	site.checkPolite(t, delay)
	// Both did part of the run.
	for _, w := range []*worker{a, b} {
		n := 0
		for _, e := range site.requests() {
			if strings.Contains(e.agent, " "+w.name) && strings.HasPrefix(e.path, "/p/") {
				n++
			}
		}
		if n == 0 {
			t.Errorf("worker %s fetched no page", w.name)
		}
	}
}

// TestFrontierWorkerInterrupted: a worker stopped with Ctrl-C (SIGINT)
// while it holds a page closes its files and leaves the run at once: its
// claims go back to the queue without waiting for its lease (10 minutes
// here, longer than the test waits), and the other worker finishes the
// run, every URL captured.
func TestFrontierWorkerInterrupted(t *testing.T) {
	rd := redistest.Start(t)
	site := newClusterSite(t, 30)
	site.setTrap("victim", 5)
	args := []string{"--frontier", "redis://" + rd.Addr + "/0", "--frontier-lease", "10m", "--delay", "20ms", "--depth", "10",
		site.bases[0] + "/p/0", site.bases[1] + "/p/0"}
	victim := startWorker(t, "victim", args...)
	a := startWorker(t, "a", args...)
	select {
	case <-site.trapped:
	case <-time.After(2 * time.Minute):
		t.Fatalf("the victim worker never fetched a page after the first ones\nstderr:\n%s", victim.err.String())
	}
	if err := victim.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := victim.wait(t, time.Minute); code != 130 {
		t.Errorf("the interrupted worker: exit %d, want 130\n%s", code, victim.err.String())
	}
	site.open()
	if code := a.wait(t, 2*time.Minute); code != 0 {
		t.Fatalf("worker a: exit %d\n%s", code, a.err.String())
	}
	m := summaryRun.FindStringSubmatch(a.out.String())
	if m == nil {
		t.Fatalf("worker a printed no run:\n%s", a.out.String())
	}
	if n := frontierCounter(t, rd, m[1], "requeued"); n < 1 {
		t.Errorf("requeued %d claims, want the interrupted worker's page at least", n)
	}
	caps := captures(t, victim.archive, a.archive) // fails on a file left open
	for _, u := range site.urls() {
		switch got := caps[u]; {
		case len(got) == 0:
			t.Errorf("%s: never captured", u)
		case len(got) > 2 || len(got) == 2 && (got[0] == victim.archive) == (got[1] == victim.archive):
			t.Errorf("%s: captured %d times (%v)", u, len(got), got)
		}
	}
}

// frontierCounter reads one of a run's counters from the shared frontier.
func frontierCounter(t *testing.T, rd *redistest.Server, runID, name string) int64 {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: rd.Addr})
	defer c.Close()
	n, err := c.HGet(context.Background(), frontier.Prefix(runID)+"counters", name).Int64()
	if err != nil {
		t.Fatalf("redis: counter %s of run %s: %v", name, runID, err)
	}
	return n
}

// TestFrontierRunJob: two `vellum run` workers of one job on one Redis
// make one run of it (its ID is the job's run going on), every URL of the
// site captured once across them; a later run of the job is a new run.
func TestFrontierRunJob(t *testing.T) {
	rd := redistest.Start(t)
	site := newClusterSite(t, 20)
	jobs := writeJobs(t, fmt.Sprintf("jobs:\n  - name: site\n    seeds: [%s/p/0, %s/p/0]\n    depth: 10\n    delay: 20ms\n", site.bases[0], site.bases[1]))
	args := []string{"run", "--jobs", jobs, "--frontier", "redis://" + rd.Addr + "/0"}
	ws := []*worker{startVellum(t, "a", args...), startVellum(t, "b", args...)}
	var runs []string
	for _, w := range ws {
		if code := w.wait(t, 2*time.Minute); code != 0 {
			t.Fatalf("worker %s: exit %d\nstdout:\n%s\nstderr:\n%s", w.name, code, w.out.String(), w.err.String())
		}
		m := summaryRun.FindStringSubmatch(w.out.String())
		if m == nil {
			t.Fatalf("worker %s printed no run:\n%s", w.name, w.out.String())
		}
		runs = append(runs, m[1])
	}
	if runs[0] != runs[1] {
		t.Fatalf("the workers made runs %v, want one", runs)
	}
	caps := captures(t, ws[0].archive, ws[1].archive)
	for _, u := range site.urls() {
		if n := len(caps[u]); n != 1 {
			t.Errorf("%s: captured %d times, want once", u, n)
		}
	}
	again := startVellum(t, "again", args...)
	if code := again.wait(t, 2*time.Minute); code != 0 {
		t.Fatalf("the next run: exit %d\n%s", code, again.err.String())
	}
	if m := summaryRun.FindStringSubmatch(again.out.String()); m == nil || m[1] == runs[0] {
		t.Errorf("the job's next run: %q, want a new run after %s", m, runs[0])
	}
}

// TestFrontierBadURL: a --frontier that is not a Redis URL, or a Redis that
// does not answer, is one line naming it, without its password.
func TestFrontierBadURL(t *testing.T) {
	port := closedPort(t)
	for _, tc := range []struct {
		url, want string
		code      int
	}{
		{"http://:s3cret@127.0.0.1:" + port, "vellum: --frontier http://:xxxxx@127.0.0.1:" + port + ": not a Redis URL", 2},
		{"redis://:s3cret@127.0.0.1:" + port + "/0", "vellum: --frontier redis://:xxxxx@127.0.0.1:" + port + "/0: cannot reach Redis", 1},
	} {
		r := vellum(t, []string{"VELLUM_FRONTIER=" + tc.url}, "capture", "--archive", t.TempDir(), "http://127.0.0.1:"+port+"/")
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != tc.code || len(lines) != 1 || !strings.HasPrefix(lines[0], tc.want) || strings.Contains(r.stderr, "s3cret") {
			t.Errorf("VELLUM_FRONTIER=%s: exit %d, stderr:\n%s\nwant exit %d and one line %q…", tc.url, r.code, r.stderr, tc.code, tc.want)
		}
	}
}
