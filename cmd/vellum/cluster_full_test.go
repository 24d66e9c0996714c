package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vellumhq/vellum/capture/frontier"
	"github.com/vellumhq/vellum/internal/miniotest"
	"github.com/vellumhq/vellum/internal/pgtest"
	"github.com/vellumhq/vellum/internal/redistest"
	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/warc"
)

// TestClusterKillOneWorker is the cluster of issue 15 on one machine, on
// MinIO, PostgreSQL and Redis together: three `vellum run` workers share
// the run of a job over a 500-page site on two loopback hosts (one page in
// ten redirects), their rows in one index and their files in one bucket.
// The worker holding a moved page's hop, its redirect already in its file,
// is killed with kill -9 and started again on its archive, as a supervisor
// does. Two scheduler nodes (`serve --jobs --frontier`) hold the same jobs
// file, whose other job is due every 2 s; a replay node has no local state.
// Then: every URL of the site has exactly one response record across all
// WARC files in the bucket; no two page requests of one host overlapped,
// and every gap was at least the delay; the replay node serves pages each
// worker captured; and each turn of the scheduled job ran once.
func TestClusterKillOneWorker(t *testing.T) {
	m := miniotest.Start(t)
	dsn := pgtest.Database(t)
	rd := redistest.Start(t)
	const remote = "s3://vellum-cluster/full"
	const delay = 50 * time.Millisecond
	site := newClusterSite(t, 250)
	tick := newClusterSite(t, 2)
	site.setHopTrap("vellum-cluster-test", 80)
	jobs := writeJobs(t, fmt.Sprintf(`jobs:
  - name: site
    seeds: [%s/p/0, %s/p/0]
    depth: 20
    delay: %s
    user_agent: vellum-cluster-test
  - name: tick
    schedule: "@every 2s"
    seeds: [%s/p/0]
    depth: 1
    delay: 10ms
`, site.bases[0], site.bases[1], delay, tick.bases[0]))
	redisURL := "redis://" + rd.Addr + "/0"
	env := append(m.Env(), "VELLUM_INDEX="+dsn, "VELLUM_REMOTE="+remote)
	shared := append(env, "VELLUM_FRONTIER="+redisURL)

	schedulers := []string{filepath.Join(t.TempDir(), "scheduler-a"), filepath.Join(t.TempDir(), "scheduler-b")}
	for _, archive := range schedulers {
		startServeEnv(t, shared, archive, "--jobs", jobs)
	}
	var workers []*worker
	for _, name := range []string{"w1", "w2", "w3"} {
		workers = append(workers, startVellumEnv(t, shared, name, "run", "--jobs", jobs, "site", "--frontier-lease", "15s"))
	}

	victim := killAtHop(t, site, func(moved string) *worker { return claimHolder(t, rd, "job:site", moved, workers) })
	again := victim.restart(t, victim.name+"-again")

	var run string
	for _, w := range append(workers, again) {
		if w == victim {
			continue
		}
		if code := w.wait(t, 3*time.Minute); code != 0 {
			t.Fatalf("worker %s: exit %d\nstdout:\n%s\nstderr:\n%s", w.name, code, w.out.String(), w.err.String())
		}
		m := summaryRun.FindStringSubmatch(w.out.String())
		if m == nil || run != "" && m[1] != run {
			t.Fatalf("worker %s: run %q, want the one run %s\n%s", w.name, m, run, w.out.String())
		}
		run = m[1]
	}
	if !leftOut.MatchString(again.err.String()) {
		t.Errorf("the restarted worker left nothing of the killed one's file to the others:\n%s", again.err.String())
	}

	// Every file of every worker is in the bucket, and every URL of the
	// site has one response record there.
	st := remoteStore(t, m, remote)
	for _, w := range workers {
		if open, _ := filepath.Glob(filepath.Join(w.archive, "warcs", "*", "*", "*", "*.open")); len(open) > 0 {
			t.Errorf("worker %s: files still open: %v", w.name, open)
		}
		checkRemoteHas(t, st, localFiles(t, w.archive))
	}
	inBucket := bucketResponses(t, st)
	for _, u := range append(site.urls(), site.robots()...) { // robots.txt once a run too
		if n := len(inBucket[u]); n != 1 {
			t.Errorf("%s: %d response records in the bucket (%v), want 1", u, n, inBucket[u])
		}
	}
	site.checkPolite(t, delay)

	// The replay node serves a page of each worker's files.
	node := t.TempDir()
	_, content := startServeEnv(t, env, node)
	for _, w := range workers {
		page := capturedPage(t, w.archive)
		if page == "" {
			t.Errorf("worker %s captured no page", w.name)
			continue
		}
		got := getBody(t, content+"/web/2099/"+page)
		if i := strings.LastIndex(page, "/p/"); !strings.Contains(got, "<h1>Page "+page[i+3:]+" of ") {
			t.Errorf("the replay node's %s (captured by %s):\n%.300s", page, w.name, got)
		}
	}

	// Each turn of the scheduled job ran on one scheduler node, once.
	var runs []string
	deadline := time.Now().Add(time.Minute)
	for {
		runs = runs[:0]
		seen := map[string]bool{}
		for _, archive := range schedulers {
			for _, id := range finishedRuns(t, archive) {
				if seen[id] {
					t.Fatalf("run %s of the scheduled job was run by both scheduler nodes", id)
				}
				seen[id] = true
				runs = append(runs, id)
			}
		}
		if len(runs) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d runs of a job due every 2 s", len(runs))
		}
		time.Sleep(200 * time.Millisecond)
	}
	seeds := 0
	for _, r := range tick.requests() {
		if r.path == "/p/0" && strings.HasPrefix(tick.bases[0], "http://"+r.host) {
			seeds++
		}
	}
	if seeds < len(runs) || seeds > len(runs)+2 { // turns may have begun since the runs were read
		t.Errorf("the scheduled job's seed was fetched %d times for %d runs", seeds, len(runs))
	}
}

// claimHolder is the worker whose claim on the shared run of work is for
// u: its name in the frontier is <host>-<process ID>-<random>.
func claimHolder(t *testing.T, rd *redistest.Server, work, u string, workers []*worker) *worker {
	t.Helper()
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: rd.Addr})
	defer c.Close()
	run, err := c.Get(ctx, frontier.RunKey(work)).Result()
	if err != nil {
		t.Fatalf("redis: the run of %s: %v", work, err)
	}
	keys, err := c.Keys(ctx, frontier.Prefix(run)+"claim:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		claim, err := c.HGetAll(ctx, k).Result()
		if err != nil || !strings.Contains(claim["item"], `"u":"`+u+`"`) {
			continue
		}
		parts := strings.Split(claim["worker"], "-") // host-pid-random
		pid, _ := strconv.Atoi(parts[max(len(parts)-2, 0)])
		for _, w := range workers {
			if w.cmd.Process.Pid == pid {
				return w
			}
		}
		t.Fatalf("the claim of %s is held by %s, none of the workers", u, claim["worker"])
	}
	t.Fatalf("no claim of %s in run %s", u, run)
	return nil
}

// bucketResponses reads every WARC file in the store and lists, by URL,
// the files holding a response or revisit record of it.
func bucketResponses(t *testing.T, st storage.Store) map[string][]string {
	t.Helper()
	ctx := context.Background()
	out := map[string][]string{}
	dir := t.TempDir()
	err := st.List(ctx, "warcs/", func(info storage.Info) error {
		if !strings.HasSuffix(info.Key, ".warc.gz") {
			return nil
		}
		rc, err := st.Open(ctx, info.Key, 0, -1)
		if err != nil {
			return err
		}
		defer rc.Close()
		local := filepath.Join(dir, filepath.Base(info.Key))
		f, err := os.Create(local)
		if err != nil {
			return err
		}
		if _, err := f.ReadFrom(rc); err != nil {
			f.Close()
			return err
		}
		f.Close()
		return warc.ScanFile(local, info.Key, func(e warc.Entry) error {
			if e.Type == "response" || e.Type == "revisit" {
				out[e.TargetURI] = append(out[e.TargetURI], info.Key)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no records in the bucket")
	}
	return out
}

var pageURL = regexp.MustCompile(`/p/\d+$`)

// capturedPage is a page (a 200 response of a /p/ URL) in archive's WARC files.
func capturedPage(t *testing.T, archive string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(archive, "warcs", "*", "*", "*", "*.warc.gz"))
	page := ""
	for _, f := range files {
		_ = warc.ScanFile(f, filepath.Base(f), func(e warc.Entry) error {
			if page == "" && e.Type == "response" && e.Status == 200 && pageURL.MatchString(e.TargetURI) {
				page = e.TargetURI
			}
			return nil
		})
	}
	return page
}

// TestUploadDeadWorker: a worker of a shared run killed with kill -9 and
// never started again; its claims come back to the other when its lease
// expires. `vellum upload --frontier` on its archive (its disk, say,
// recovered) repairs its file, leaving out what the other fetched again,
// re-indexes it in the shared index and uploads it: every URL has one
// response record in the bucket, and the replay node serves each page the
// dead worker kept from the records' new places in its file.
func TestUploadDeadWorker(t *testing.T) {
	m := miniotest.Start(t)
	dsn := pgtest.Database(t)
	rd := redistest.Start(t)
	const remote = "s3://vellum-cluster/dead"
	site := newClusterSite(t, 60)
	site.setHopTrap("victim", 20)
	env := append(m.Env(), "VELLUM_INDEX="+dsn, "VELLUM_REMOTE="+remote, "VELLUM_FRONTIER=redis://"+rd.Addr+"/0")
	args := []string{"capture", "--frontier-lease", "3s", "--delay", "20ms", "--depth", "10", site.bases[0] + "/p/0", site.bases[1] + "/p/0"}
	victim := startVellumEnv(t, env, "victim", append(args, "--user-agent", "vellum-test victim")...)
	other := startVellumEnv(t, env, "other", append(args, "--user-agent", "vellum-test other")...)
	killAtHop(t, site, func(string) *worker { return victim })
	if code := other.wait(t, 3*time.Minute); code != 0 {
		t.Fatalf("the other worker: exit %d\n%s%s", code, other.out.String(), other.err.String())
	}

	r := vellum(t, env, "upload", "--archive", victim.archive)
	if r.code != 0 || !leftOut.MatchString(r.stderr) {
		t.Fatalf("vellum upload of the dead worker's archive: exit %d, want a repair leaving records to the other\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(victim.archive, "vellum.db")); err == nil {
		t.Error("upload made a vellum.db beside the shared index")
	}
	st := remoteStore(t, m, remote)
	checkRemoteHas(t, st, localFiles(t, victim.archive))
	inBucket := bucketResponses(t, st)
	for _, u := range append(site.urls(), site.robots()...) { // robots.txt once a run too
		if n := len(inBucket[u]); n != 1 {
			t.Errorf("%s: %d response records in the bucket (%v), want 1", u, n, inBucket[u])
		}
	}

	_, content := startServeEnv(t, append(m.Env(), "VELLUM_INDEX="+dsn, "VELLUM_REMOTE="+remote), t.TempDir())
	kept := 0
	files, _ := filepath.Glob(filepath.Join(victim.archive, "warcs", "*", "*", "*", "*.warc.gz"))
	for _, f := range files {
		_ = warc.ScanFile(f, filepath.Base(f), func(e warc.Entry) error {
			if e.Type != "response" || e.Status != 200 || !pageURL.MatchString(e.TargetURI) {
				return nil
			}
			kept++
			got := getBody(t, content+"/web/"+warc.Timestamp14(e.Date)+"id_/"+e.TargetURI)
			if i := strings.LastIndex(e.TargetURI, "/p/"); !strings.Contains(got, "<h1>Page "+e.TargetURI[i+3:]+" of ") {
				t.Errorf("the replay node's %s from the dead worker's file:\n%.300s", e.TargetURI, got)
			}
			return nil
		})
	}
	if kept == 0 {
		t.Fatal("the dead worker's file kept no page")
	}
}
