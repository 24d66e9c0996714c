package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/index/postgres"
	"github.com/vellumhq/vellum/internal/miniotest"
	"github.com/vellumhq/vellum/internal/pgtest"
	"github.com/vellumhq/vellum/internal/testsite"
)

const articleTitle = "Borderland river floods for the third time this year"

// A worker (`vellum capture --index postgres://… --remote s3://…`) writes
// its rows to PostgreSQL and its files to the bucket; a second worker
// (`vellum run --jobs …`, the index from VELLUM_INDEX) does the same; a
// replay node started in an empty folder with the same two flags serves
// what both captured, byte for byte, with its calendar, search and
// /metrics, and leaves no vellum.db behind.
func TestClusterWorkersAndReplayNode(t *testing.T) {
	m := miniotest.Start(t)
	dsn := pgtest.Database(t)
	const remote = "s3://vellum-cluster/news"
	site := testsite.New(t)
	image := site.URL("/img/lead-400.jpg")
	liveImage := getBody(t, image)
	if liveImage == "" {
		t.Fatal("the fixture serves no image")
	}

	worker := filepath.Join(t.TempDir(), "worker1")
	r := vellum(t, m.Env(), "capture", "--archive", worker, "--delay", "0", "--index", dsn, "--remote", remote, site.ArticleURL())
	if r.code != 0 {
		t.Fatalf("capture --index --remote: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "uploaded ") {
		t.Errorf("the worker uploaded nothing:\n%s", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(worker, "vellum.db")); err == nil {
		t.Errorf("the worker made a vellum.db beside the shared index")
	}
	checkRemoteHas(t, remoteStore(t, m, remote), localFiles(t, worker))

	worker2 := filepath.Join(t.TempDir(), "worker2")
	jobs := writeJobs(t, "jobs:\n  - name: about\n    delay: 0s\n    seeds: ["+site.URL("/about.html")+"]\n")
	r = vellum(t, append(m.Env(), "VELLUM_INDEX="+dsn), "run", "--jobs", jobs, "--archive", worker2, "--remote", remote, "--no-progress")
	if r.code != 0 {
		t.Fatalf("run --index --remote: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	site.Main.Close()
	site.CDN.Close()

	node := t.TempDir() // empty
	t.Cleanup(func() {  // after the node stopped (cleanups run last first)
		if entries, _ := os.ReadDir(node); len(entries) != 0 {
			t.Errorf("the replay node left files in its folder: %v", entries)
		}
	})
	start := time.Now()
	ui, content := startServeEnv(t, m.Env(), node, "--index", dsn, "--remote", remote)
	t.Logf("the replay node listened after %s", time.Since(start).Round(time.Millisecond))

	resp, err := http.Get(content + "/web/2099/" + site.ArticleURL())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), articleTitle) {
		t.Fatalf("replay of worker 1's page: %d\n%.300s", resp.StatusCode, page)
	}
	if got := getBody(t, ui+"/web/2099id_/"+image); got != liveImage {
		t.Errorf("the image as archived: %d bytes, not the %d the site sent", len(got), len(liveImage))
	}
	if about := getBody(t, content+"/web/2099/"+site.URL("/about.html")); !strings.Contains(about, "A small newspaper for a small valley") {
		t.Errorf("replay of worker 2's page:\n%.300s", about)
	}
	if cal := getBody(t, ui+"/web/*/"+site.ArticleURL()); !strings.Contains(cal, articleTitle) {
		t.Errorf("the calendar has no capture of the page:\n%.1500s", cal)
	}
	if found := getBody(t, ui+"/search?q=borderland+flood*"); !strings.Contains(found, articleTitle) || !strings.Contains(found, "<mark>") {
		t.Errorf("search does not find the page:\n%.1500s", found)
	}
	metrics := getBody(t, ui+"/metrics")
	if !strings.Contains(metrics, "\nvellum_runs{status=\"ok\"} 2\n") || strings.Contains(metrics, "vellum_captures 0\n") {
		t.Errorf("/metrics does not count the two workers' runs and captures:\n%s", grepLines(metrics, "vellum_"))
	}

	// Another database is built from the bucket alone, with the same captures.
	rebuilt := pgtest.Database(t)
	r = vellum(t, m.Env(), "index", "--archive", filepath.Join(t.TempDir(), "none"), "--index", rebuilt, "--remote", remote)
	if r.code != 0 || !strings.Contains(r.stdout, "indexed 2 remote CDXJ files from ") {
		t.Fatalf("index --index --remote: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if a, b := countCaptures(t, dsn), countCaptures(t, rebuilt); a == 0 || a != b {
		t.Errorf("the index built from the bucket holds %d captures, the workers' %d", b, a)
	}
}

// countCaptures counts the replayable captures of a PostgreSQL index.
func countCaptures(t *testing.T, dsn string) int64 {
	t.Helper()
	x, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	n, err := x.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// `vellum index --index postgres://… --archive DIR` copies a local
// archive's vellum.db into the shared index, counts printed, and a second
// time changes nothing.
func TestIndexMigratesLocalArchive(t *testing.T) {
	dsn := pgtest.Database(t)
	site := testsite.New(t)
	archive := filepath.Join(t.TempDir(), "archive")
	if r := vellum(t, nil, "capture", "--archive", archive, "--delay", "0", site.ArticleURL()); r.code != 0 {
		t.Fatalf("capture: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	ctx := context.Background()
	src, err := index.Open(ctx, filepath.Join(archive, "vellum.db"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := src.Count(ctx)
	src.Close()
	if err != nil || want == 0 {
		t.Fatalf("the local archive holds %d captures (%v)", want, err)
	}
	for i := range 2 {
		r := vellum(t, nil, "index", "--archive", archive, "--index", dsn)
		if r.code != 0 {
			t.Fatalf("index --index (time %d): exit %d\n%s%s", i+1, r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stdout, "copied ") || !strings.Contains(r.stdout, " 1 runs ") {
			t.Errorf("index --index prints no counts:\n%s", r.stdout)
		}
	}
	x, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if n, err := x.Count(ctx); err != nil || n != want {
		t.Errorf("the shared index holds %d captures (%v), want the archive's %d", n, err, want)
	}
	runs, err := x.Runs(ctx, index.JobAny, 0)
	if err != nil || len(runs) != 1 || runs[0].Status != index.RunOK {
		t.Errorf("runs in the shared index: %+v (%v), want the one capture's", runs, err)
	}
	res, err := x.Search(ctx, index.SearchQuery{Words: "borderland"})
	if err != nil || len(res.Hits) != 1 {
		t.Errorf("search of the shared index: %+v (%v), want the page", res.Hits, err)
	}
}

// What --index refuses, in one line that names it without its password:
// exit 2 for a wrong value or a missing --remote, 1 for a server that
// does not answer.
func TestIndexFlagErrors(t *testing.T) {
	jobs := writeJobs(t, "jobs:\n  - name: a\n    seeds: [http://127.0.0.1:1/]\n")
	closed := "postgres://vellum:s3cret@127.0.0.1:" + closedPort(t) + "/vellum?sslmode=disable"
	dir := t.TempDir()
	archive := filepath.Join(dir, "archive")
	bucket := "--remote=s3://nowhere/x" // connected on first use: never, here
	s3env := []string{"AWS_ENDPOINT_URL=http://127.0.0.1:" + closedPort(t), "AWS_ACCESS_KEY_ID=k", "AWS_SECRET_ACCESS_KEY=secret-key"}
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		code int
		want string
	}{
		{"capture without --remote", nil, []string{"capture", "--archive", archive, "--index", closed, "http://127.0.0.1:1/"}, 2,
			"--index postgres://vellum:xxxxx@127.0.0.1:"},
		{"serve without --remote", nil, []string{"serve", "--archive", archive, "--index", closed}, 2, "needs --remote s3://"},
		{"run without --remote", nil, []string{"run", "--jobs", jobs, "--archive", archive, "--index", closed}, 2, "needs --remote s3://"},
		{"VELLUM_INDEX without --remote", []string{"VELLUM_INDEX=" + closed}, []string{"capture", "--archive", archive, "http://127.0.0.1:1/"}, 2,
			"needs --remote s3://"},
		{"not a URL", nil, []string{"capture", "--archive", archive, bucket, "--index", "postgres://vellum:s3cret@db:port/vellum", "http://127.0.0.1:1/"}, 2,
			"--index postgres://vellum:xxxxx@db:port/vellum: not a PostgreSQL connection string"},
		{"another engine", nil, []string{"serve", "--archive", archive, bucket, "--index", "mysql://vellum:s3cret@db/vellum"}, 2,
			"want postgres://… or postgresql://…"},
		{"unreachable, capture", nil, []string{"capture", "--archive", archive, bucket, "--index", closed, "http://127.0.0.1:1/"}, 1,
			"--index postgres://vellum:xxxxx@127.0.0.1:"},
		{"unreachable, serve", nil, []string{"serve", "--archive", archive, bucket, "--addr", "127.0.0.1:0", "--index", closed}, 1,
			"cannot open the index"},
		{"index with nothing to add", nil, []string{"index", "--archive", archive, "--index", closed}, 2,
			"nothing to add to postgres://vellum:xxxxx@127.0.0.1:"},
		{"unreachable, index", nil, []string{"index", "--archive", archive, bucket, "--index", closed}, 1, "cannot open the index"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := vellum(t, append(s3env, tc.env...), tc.args...)
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if r.code != tc.code || len(lines) != 1 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, want %d, with one line saying %q:\n%s", r.code, tc.code, tc.want, r.stderr)
			}
			if strings.Contains(r.stderr+r.stdout, "s3cret") {
				t.Errorf("the password is shown:\n%s", r.stderr)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a refused command made files: %v", entries)
	}
}

// --index with a path keeps the SQLite index in that file instead of the
// archive's vellum.db: capture writes it, index rebuilds another from the
// WARC files, and serve replays from either.
func TestIndexFlagPathIsASQLiteFile(t *testing.T) {
	site := testsite.New(t)
	dir := t.TempDir()
	archive, db, rebuilt := filepath.Join(dir, "archive"), filepath.Join(dir, "captures.db"), filepath.Join(dir, "rebuilt.db")
	if r := vellum(t, nil, "capture", "--archive", archive, "--delay", "0", "--index", db, site.ArticleURL()); r.code != 0 {
		t.Fatalf("capture --index FILE: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(archive, "vellum.db")); err == nil {
		t.Error("capture --index FILE made the archive's vellum.db too")
	}
	if r := vellum(t, nil, "index", "--archive", archive, "--index", rebuilt); r.code != 0 || !strings.Contains(r.stdout, "indexed ") {
		t.Fatalf("index --index FILE: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	site.Main.Close()
	site.CDN.Close()
	for _, file := range []string{db, rebuilt} {
		_, content := startServe(t, archive, "--index", file)
		if page := getBody(t, content+"/web/2099/"+site.ArticleURL()); !strings.Contains(page, articleTitle) {
			t.Errorf("serve --index %s does not replay the page:\n%.300s", filepath.Base(file), page)
		}
	}
}
