package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
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
	"github.com/vellumhq/vellum/warc"
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
	return startVellumEnv(t, nil, name, args...)
}

// startVellumEnv is startVellum with extra environment variables.
func startVellumEnv(t *testing.T, env []string, name string, args ...string) *worker {
	t.Helper()
	w := &worker{name: name, archive: filepath.Join(t.TempDir(), name)}
	verifyWARCsAtEnd(t, w.archive)
	w.start(t, append(os.Environ(), env...), append(args, "--archive", w.archive, "--no-progress"))
	return w
}

// start starts vellum with args in the environment env.
func (w *worker) start(t *testing.T, env, args []string) {
	t.Helper()
	w.cmd = exec.Command(vellumBin, args...)
	w.cmd.Env = env
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
}

// restart starts the worker again on its archive, with its arguments, as
// name (once it has exited).
func (w *worker) restart(t *testing.T, name string) *worker {
	t.Helper()
	again := &worker{name: name, archive: w.archive}
	again.start(t, w.cmd.Env, w.cmd.Args[1:])
	return again
}

// killAtHop waits for the site's hop trap to hold a request, then kills
// with kill -9 the worker holding it (holder names it, given the moved
// page) once the page's redirect is in that worker's file: a record of a
// claim it never reported done, which the others write again. Then the
// site lets the held request go.
func killAtHop(t *testing.T, site *clusterSite, holder func(moved string) *worker) *worker {
	t.Helper()
	select {
	case <-site.trapped:
	case <-time.After(2 * time.Minute):
		t.Fatal("no worker fetched a moved page's hop after the first pages")
	}
	moved := strings.Replace(site.held(), "/q/", "/p/", 1)
	victim := holder(moved)
	waitForRecord(t, victim.archive, moved) // its writer flushes within a second
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	victim.wait(t, 30*time.Second)
	site.open()
	return victim
}

// waitForRecord waits until a response record of u is in a WARC file of
// archive, open files included.
func waitForRecord(t *testing.T, archive, u string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		files, _ := filepath.Glob(filepath.Join(archive, "warcs", "*", "*", "*", "*.warc.gz*"))
		for _, f := range files {
			found := false
			_ = warc.ScanFile(f, filepath.Base(f), func(e warc.Entry) error {
				found = found || e.Type == "response" && e.TargetURI == u
				return nil
			})
			if found {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no response record of %s in %s's files after a minute", u, archive)
		}
		time.Sleep(50 * time.Millisecond)
	}
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

// leftOut matches the log line of a repair that left records of a dead
// worker's file to the workers that fetched them again.
var leftOut = regexp.MustCompile(`repaired a WARC file left open by a crash.* left_to_other_workers=[1-9]`)

// TestFrontierWorkersShareOneRun is the cluster on one machine: three
// `vellum capture` processes with the same seeds on one Redis are one run
// over a site on two hosts. One of them is killed with kill -9 while it
// holds a page (the site keeps that request open), and started again on
// its archive, as a supervisor restarts it: it repairs the killed one's
// file, giving its claims back at once (its lease, 15 s, has not expired)
// and leaving out of the file the records of those claims, which the
// workers write again; then it joins the run. Then every URL of the site
// was captured exactly once across the workers' WARC files. And the
// site's log shows no two page requests of one host overlapping, and every
// gap at least the delay, across workers.
func TestFrontierWorkersShareOneRun(t *testing.T) {
	rd := redistest.Start(t)
	site := newClusterSite(t, 120)
	site.setHopTrap("victim", 30)
	const delay = 50 * time.Millisecond
	redisURL := "redis://" + rd.Addr + "/0"
	args := []string{"--frontier", redisURL, "--frontier-lease", "15s", "--delay", delay.String(), "--depth", "10",
		site.bases[0] + "/p/0", site.bases[1] + "/p/0"}
	victim := startWorker(t, "victim", args...)
	a := startWorker(t, "a", args...)
	b := startWorker(t, "b", args...)

	killAtHop(t, site, func(string) *worker { return victim })
	again := victim.restart(t, "victim-again")

	for _, w := range []*worker{a, b, again} {
		if code := w.wait(t, 3*time.Minute); code != 0 {
			t.Fatalf("worker %s: exit %d\nstdout:\n%s\nstderr:\n%s", w.name, code, w.out.String(), w.err.String())
		}
	}
	runA, runB := summaryRun.FindStringSubmatch(a.out.String()), summaryRun.FindStringSubmatch(b.out.String())
	if runA == nil || runB == nil || runA[1] != runB[1] {
		t.Fatalf("the workers' runs: %q and %q, want one run\n%s\n%s", runA, runB, a.out.String(), b.out.String())
	}
	if runC := summaryRun.FindStringSubmatch(again.out.String()); runC == nil || runC[1] != runA[1] {
		t.Fatalf("the restarted worker's run: %q, want %s\n%s", runC, runA[1], again.out.String())
	}
	if !leftOut.MatchString(again.err.String()) {
		t.Errorf("the restarted worker left nothing of the killed one's file to the others:\n%s", again.err.String())
	}

	caps := captures(t, victim.archive, a.archive, b.archive)
	if requeued := frontierCounter(t, rd, runA[1], "requeued"); requeued < 1 {
		t.Errorf("requeued %d claims, want the killed worker's page at least", requeued)
	}
	for _, u := range append(site.urls(), site.robots()...) { // robots.txt once a run too
		if got := caps[u]; len(got) != 1 {
			t.Errorf("%s: captured %d times (%v), want once", u, len(got), got)
		}
	}
	for u, got := range caps {
		if !strings.HasSuffix(u, "/robots.txt") && !slices.Contains(site.urls(), u) {
			t.Errorf("%s: captured (%d times) but not of the site", u, len(got))
		}
	}
	// Each worker has its own files, named with its run and its name.
	named := regexp.MustCompile(`^` + regexp.QuoteMeta(runA[1]) + `-[A-Za-z0-9.-]+-\d{5}\.warc\.gz$`)
	for _, w := range []*worker{victim, a, b} {
		want := 1
		if w == victim {
			want = 2 // the killed worker's, and its restart's
		}
		files, _ := filepath.Glob(filepath.Join(w.archive, "warcs", "*", "*", "*", "*.warc.gz"))
		for _, f := range files {
			if !named.MatchString(filepath.Base(f)) {
				t.Errorf("worker %s: file %s, want %s-<worker>-<serial>.warc.gz", w.name, f, runA[1])
			}
		}
		if len(files) != want {
			t.Errorf("worker %s: files %v, want %d", w.name, files, want)
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

// TestFrontierOnRedisCluster: `--frontier` with the nodes of a Redis
// Cluster (go-redis's addr parameters): two workers make one run of a site
// on two hosts, every URL captured once, the hosts polite across them.
func TestFrontierOnRedisCluster(t *testing.T) {
	cl := redistest.StartCluster(t)
	site := newClusterSite(t, 40)
	const delay = 30 * time.Millisecond
	args := []string{"--frontier", cl.URL(), "--delay", delay.String(), "--depth", "10", site.bases[0] + "/p/0", site.bases[1] + "/p/0"}
	a := startWorker(t, "a", args...)
	b := startWorker(t, "b", args...)
	for _, w := range []*worker{a, b} {
		if code := w.wait(t, 2*time.Minute); code != 0 {
			t.Fatalf("worker %s: exit %d\n%s%s", w.name, code, w.out.String(), w.err.String())
		}
	}
	runA, runB := summaryRun.FindStringSubmatch(a.out.String()), summaryRun.FindStringSubmatch(b.out.String())
	if runA == nil || runB == nil || runA[1] != runB[1] {
		t.Fatalf("the workers' runs: %q and %q, want one run", runA, runB)
	}
	caps := captures(t, a.archive, b.archive)
	for _, u := range append(site.urls(), site.robots()...) {
		if got := caps[u]; len(got) != 1 {
			t.Errorf("%s: captured %d times, want once", u, len(got))
		}
	}
	site.checkPolite(t, delay)
}
