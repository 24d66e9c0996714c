package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/index/postgres"
	"github.com/vellumhq/vellum/internal/miniotest"
	"github.com/vellumhq/vellum/internal/pgtest"
	"github.com/vellumhq/vellum/internal/redistest"
	"github.com/vellumhq/vellum/warc"
)

// workerPartLine is what a worker of a shared run says it did itself.
var workerPartLine = regexp.MustCompile(`\(sums over (\d+) workers; this one: (\d+) pages, (\d+) requisites, (\d+) files`)

// Two `vellum capture --frontier` workers of one run on one shared index
// (PostgreSQL) leave one row for the run, whichever ends last: its counts
// are the sums of what the two workers' WARC files hold (pages, requisites,
// revisits, files), and of the parts each says it did; its start is the
// earlier worker's. The worker that ends last says its counts sum both.
func TestSharedRunCountsAreSums(t *testing.T) {
	m := miniotest.Start(t)
	dsn := pgtest.Database(t)
	rd := redistest.Start(t)
	for _, kv := range m.Env() { // the workers' S3 settings, as startWorker passes on the test's environment
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	site := newClusterSite(t, 40)
	args := []string{"--frontier", "redis://" + rd.Addr + "/0", "--index", dsn, "--remote", "s3://vellum-totals/run",
		"--delay", "20ms", "--depth", "10", site.bases[0] + "/p/0", site.bases[1] + "/p/0"}
	before := time.Now()
	ws := []*worker{startWorker(t, "a", args...), startWorker(t, "b", args...)}
	runID := ""
	parts := map[string][]int{}
	workers := 0
	for _, w := range ws {
		if code := w.wait(t, 3*time.Minute); code != 0 {
			t.Fatalf("worker %s: exit %d\nstdout:\n%s\nstderr:\n%s", w.name, code, w.out.String(), w.err.String())
		}
		run := summaryRun.FindStringSubmatch(w.out.String())
		part := workerPartLine.FindStringSubmatch(w.out.String())
		if run == nil || part == nil || runID != "" && run[1] != runID {
			t.Fatalf("worker %s's summary names run %q (worker a's: %s), and its part %q:\n%s", w.name, run, runID, part, w.out.String())
		}
		runID = run[1]
		for _, s := range part[2:] {
			n, _ := strconv.Atoi(s)
			parts[w.name] = append(parts[w.name], n)
		}
		workers = max(workers, atoi(part[1]))
	}
	if workers != 2 {
		t.Errorf("no worker says its counts sum both workers' (at most %d)", workers)
	}

	// What the WARC files hold.
	var pages, requisites, revisits, files int64
	for u, got := range captures(t, ws[0].archive, ws[1].archive) {
		switch {
		case strings.HasSuffix(u, "/robots.txt"):
		case strings.Contains(u, "/q/"): // a moved page's hop: the page counts once, at /p/
		case strings.Contains(u, "/p/"):
			pages += int64(len(got))
		default:
			requisites += int64(len(got))
		}
	}
	for _, w := range ws {
		names, _ := filepath.Glob(filepath.Join(w.archive, "warcs", "*", "*", "*", "*.warc.gz"))
		files += int64(len(names))
		for _, f := range names {
			revisits += countRecords(t, f, "revisit")
		}
	}
	if pages != int64(2*site.pages) || files != 2 {
		t.Fatalf("the workers' files hold %d pages in %d files, want the site's %d in one file each", pages, files, 2*site.pages)
	}

	x, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	run, ok, err := x.GetRun(context.Background(), runID)
	if err != nil || !ok {
		t.Fatalf("run %s in the shared index: %v %v", runID, ok, err)
	}
	c := run.Counts
	if c.Pages != pages || c.Requisites != requisites || c.Revisits != revisits || int64(c.Files) != files || c.Errors != 0 {
		t.Errorf("the run's row counts %d pages, %d requisites, %d revisits, %d files, %d errors; its workers' WARC files hold %d, %d, %d, %d and none",
			c.Pages, c.Requisites, c.Revisits, c.Files, c.Errors, pages, requisites, revisits, files)
	}
	if c.New+c.Changed+c.Unchanged != c.Pages {
		t.Errorf("the run's row counts %d pages, but %d new, %d changed and %d unchanged", c.Pages, c.New, c.Changed, c.Unchanged)
	}
	a, b := parts["a"], parts["b"]
	if int64(a[0]+b[0]) != c.Pages || int64(a[1]+b[1]) != c.Requisites || a[2]+b[2] != c.Files {
		t.Errorf("the workers' parts (pages, requisites, files) %v and %v do not sum to the row's %d, %d, %d", a, b, c.Pages, c.Requisites, c.Files)
	}
	if run.Status != "ok" || run.Started.Before(before.Add(-time.Second)) || !run.Ended.After(run.Started) {
		t.Errorf("the run's row: %s, from %v to %v (the workers started at %v)", run.Status, run.Started, run.Ended, before)
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// countRecords counts the records of a type in a WARC file.
func countRecords(t *testing.T, path, typ string) int64 {
	t.Helper()
	var n int64
	if err := warc.ScanFile(path, filepath.Base(path), func(e warc.Entry) error {
		if e.Type == typ {
			n++
		}
		return nil
	}); err != nil {
		t.Errorf("reading %s: %v", path, err)
	}
	return n
}
