package main

import (
	"database/sql"
	"encoding/base64"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/internal/testsite"
)

// tinyDisk mounts a small tmpfs for the test, or reports why it cannot.
func tinyDisk(t *testing.T, size string) (string, bool) {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Logf("cannot mount a tmpfs to fill (needs root): %v %s", err, out)
		return "", false
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir, true
}

// TestFullDiskDuringCapture fills the archive's disk mid-capture: the
// capture says so in one line, and once space is back every record written
// before the disk filled is intact and indexed.
func TestFullDiskDuringCapture(t *testing.T) {
	disk, ok := tinyDisk(t, "3m")
	if !ok {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must be able to mount a tmpfs for this test")
		}
		return
	}
	site := testsite.New(t)
	bad := testsite.NewBad(t)
	archive := filepath.Join(disk, "archive")
	r := vellum(t, nil, "capture", "--archive", archive, "--delay", "0", "--max-size", "8000000", "--retries", "0",
		site.ArticleURL(), bad.URL+"/noise", site.URL("/about.html"))
	if r.code == 0 || !strings.Contains(r.stdout, "no space left on device") {
		t.Fatalf("capture on a full disk: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	if testing.Verbose() {
		t.Logf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "ok ") {
		t.Errorf("the article, captured before the disk filled, should be ok:\n%s", r.stdout)
	}
	if last := lastLine(r.stderr); !strings.Contains(last, "is full") || !strings.Contains(last, archive) {
		t.Errorf("last stderr line %q", last)
	}
	// Space comes back: the next command repairs what the failed write left.
	if out, err := exec.Command("mount", "-o", "remount,size=64m", disk).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v %s", err, out)
	}
	ix := vellum(t, nil, "index", "--archive", archive)
	if ix.code != 0 {
		t.Fatalf("index after the disk was freed: %s%s", ix.stdout, ix.stderr)
	}
	if v := vellum(t, nil, "verify", archive); v.code != 0 {
		t.Errorf("WARCs after a full disk do not verify:\n%s", v.stdout)
	}
	cdx := vellum(t, nil, "index", "--archive", archive)
	if !strings.Contains(cdx.stdout, "captures") {
		t.Errorf("index: %s", cdx.stdout)
	}
	_, content := startServe(t, archive)
	site.Main.Close()
	res := getBody(t, content+"/web/2099/"+site.ArticleURL())
	if !strings.Contains(res, "Borderland river floods") {
		t.Errorf("the article captured before the disk filled does not replay")
	}
}

// fillerSite serves a front page linking n pages of incompressible text
// (about 24 KB each), enough to fill a small disk page by page.
func fillerSite(t *testing.T, n int) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/" {
			fmt.Fprint(w, "<!DOCTYPE html><html><head><title>Front</title></head><body>")
			for i := range n {
				fmt.Fprintf(w, `<p><a href="/p/%d.html">Page %d</a></p>`, i, i)
			}
			fmt.Fprint(w, "</body></html>")
			return
		}
		var i uint64
		fmt.Sscanf(r.URL.Path, "/p/%d.html", &i)
		rng := rand.New(rand.NewPCG(i, 42))
		noise := make([]byte, 18<<10)
		for k := range noise {
			noise[k] = byte(rng.Uint32())
		}
		fmt.Fprintf(w, "<!DOCTYPE html><html><head><title>Page %d</title></head><body><article><h1>Page %d</h1><p>%s</p></article></body></html>",
			i, i, base64.StdEncoding.EncodeToString(noise))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// TestFullDiskAfterManyPages fills a small disk page by page, as a crawl
// does: one line says the disk is full; no row of the index points into a
// file that does not exist, no empty WARC and no temporary file are left;
// verify names the file left open; and once space is back, `vellum index`
// makes everything whole and verifiable.
func TestFullDiskAfterManyPages(t *testing.T) {
	disk, ok := tinyDisk(t, "6m")
	if !ok {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must be able to mount a tmpfs for this test")
		}
		return
	}
	front := fillerSite(t, 400)
	archive := filepath.Join(disk, "archive")
	r := vellum(t, nil, "capture", "--archive", archive, "--delay", "0", "--depth", "1", "--no-progress", "--warc-size", "1048576", front)
	if testing.Verbose() {
		t.Logf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	if r.code == 0 {
		t.Fatalf("capture onto a full disk exited 0")
	}
	var full []string
	for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if strings.Contains(l, "full") || strings.Contains(l, "no space") {
			full = append(full, l)
		}
	}
	last := lastLine(r.stderr)
	if len(full) != 1 || full[0] != last || !strings.Contains(last, archive) || !strings.Contains(last, "disk") ||
		strings.Contains(last, "index:") || strings.Contains(last, "run summary") {
		t.Errorf("want one line saying the disk of %s is full, got %d:\n%s", archive, len(full), strings.Join(full, "\n"))
	}
	// Every row points into a file that exists under the name it gives.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(archive, layout.IndexFile)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]int{}
	for _, q := range []string{`SELECT filename, count(*) FROM captures GROUP BY filename`, `SELECT filename, count(*) FROM pages GROUP BY filename`} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name string
			var n int
			rows.Scan(&name, &n)
			names[name] += n
		}
		rows.Close()
	}
	db.Close()
	if len(names) < 2 {
		t.Errorf("rows of %d files: the files closed before the disk filled are not indexed", len(names))
	}
	for name, n := range names {
		if _, err := os.Stat(filepath.Join(archive, filepath.FromSlash(name))); err != nil {
			t.Errorf("%d index rows point into %s: %v", n, name, err)
		}
	}
	tmp, _ := filesUnder(archive, func(p string, size int64) bool { return strings.HasSuffix(p, ".tmp") })
	empty, _ := filesUnder(archive, func(p string, size int64) bool {
		return size == 0 && (strings.HasSuffix(p, ".warc.gz") || strings.HasSuffix(p, ".warc.gz.open"))
	})
	if len(tmp)+len(empty) > 0 {
		t.Errorf("left behind: temporary files %v, empty WARC files %v", tmp, empty)
	}
	// verify names what was left open, and says what to do.
	opens, _ := filesUnder(archive, func(p string, _ int64) bool {
		return strings.HasSuffix(p, ".open") && !strings.HasSuffix(p, ".cdxj.open")
	})
	v := vellum(t, nil, "verify", archive)
	for _, p := range opens {
		if !strings.Contains(v.stdout, p+": ") {
			t.Errorf("verify does not name %s:\n%s%s", p, v.stdout, v.stderr)
		}
	}
	if len(opens) > 0 && (v.code == 0 || !strings.Contains(v.stdout, "vellum index")) {
		t.Errorf("verify with files left open: exit %d\n%s", v.code, v.stdout)
	}
	// Space comes back: index repairs, and everything verifies.
	if out, err := exec.Command("mount", "-o", "remount,size=64m", disk).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v %s", err, out)
	}
	ix := vellum(t, nil, "index", "--archive", archive)
	// A file left open is repaired; the disk may also have filled just as a
	// file was started, and a file that got no byte is removed, not left.
	if ix.code != 0 || (len(opens) > 0 && !strings.Contains(ix.stdout, "repaired ")) {
		t.Fatalf("index after the disk was freed: %s%s", ix.stdout, ix.stderr)
	}
	if testing.Verbose() {
		t.Logf("files left open: %v\nverify:\n%s\nindex:\n%s", opens, v.stdout, ix.stdout)
	}
	if v := vellum(t, nil, "verify", archive); v.code != 0 || strings.Contains(v.stdout, ".open") {
		t.Errorf("after index: exit %d\n%s", v.code, v.stdout)
	}
	empty, _ = filesUnder(archive, func(p string, size int64) bool { return size == 0 && strings.HasSuffix(p, ".warc.gz") })
	if len(empty) > 0 {
		t.Errorf("empty WARC files after index: %v", empty)
	}
}

// filesUnder lists the files under root that match.
func filesUnder(root string, match func(path string, size int64) bool) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if fi, err := d.Info(); err == nil && match(p, fi.Size()) {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}
