package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/internal/testsite"
	"github.com/vellumhq/vellum/warc"
)

// captureArticle captures the fixture article into a new archive.
func captureArticle(t *testing.T, site *testsite.Site) (archive, warcPath string) {
	t.Helper()
	archive = filepath.Join(t.TempDir(), "archive")
	if r := vellum(t, nil, "capture", "--archive", archive, "--delay", "0", "--depth", "1", site.ArticleURL()); r.code != 0 {
		t.Fatalf("capture: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	warcs, _ := filepath.Glob(filepath.Join(archive, "warcs", "*", "*", "*", "*.warc.gz"))
	if len(warcs) != 1 {
		t.Fatalf("WARC files: %v", warcs)
	}
	return archive, warcs[0]
}

func TestVerifyFindsDamage(t *testing.T) {
	site := testsite.New(t)
	_, good := captureArticle(t, site)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cut := len(data) * 2 / 3
	if bytes.HasPrefix(data[cut:], []byte{0x1f, 0x8b}) {
		cut += 10 // inside the member that starts there: a cut at a boundary leaves a valid, shorter file
	}
	// The byte flipped is in the middle of the gzip member at the middle of
	// the file: in its data, which its CRC covers. (The middle of the file
	// itself may fall in a member's header, on its MTIME, XFL or OS bytes,
	// which gzip readers do not check: a file still valid, once in a few
	// hundred captures.)
	mid := len(data) / 2
	if err := warc.ScanFile(good, "good", func(e warc.Entry) error {
		if e.Offset <= int64(len(data)/2) && int64(len(data)/2) < e.Offset+e.Length {
			mid = int(e.Offset + e.Length/2)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	damaged := map[string][]byte{
		"truncated.warc.gz": data[:cut],
		"garbage.warc.gz":   append(append([]byte{}, data...), []byte("this is not a WARC record\r\n")...),
		"flipped.warc.gz":   flip(data, mid),
	}
	for name, b := range damaged {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		r := vellum(t, nil, "verify", p)
		if r.code == 0 || !strings.Contains(r.stdout, p+": offset ") || !strings.Contains(r.stderr, "failed verification") {
			t.Errorf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", name, r.code, r.stdout, r.stderr)
		}
		if ok, out := independentVerify(t, p); ok {
			t.Errorf("nlnwa/gowarc finds %s valid:\n%s", name, out)
		}
	}
	if r := vellum(t, nil, "verify", filepath.Join(dir, "nothing-here.warc.gz")); r.code == 0 {
		t.Errorf("verify of a missing file exited 0")
	}
	// A folder with one damaged file fails as a whole but names only that file.
	r := vellum(t, nil, "verify", dir)
	if r.code == 0 || strings.Contains(r.stdout, good) {
		t.Errorf("verify of a folder: exit %d\n%s", r.code, r.stdout)
	}
}

func flip(b []byte, at int) []byte {
	c := append([]byte{}, b...)
	c[at] ^= 0xff
	return c
}

// TestVerifyOtherToolsFiles runs verify on the sample files of other tools
// (shared/warc-samples, when the checkout has it beside the repository).
func TestVerifyOtherToolsFiles(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "..", "shared", "warc-samples")
	if _, err := os.Stat(dir); err != nil {
		t.Logf("no %s in this checkout; the wget test below covers other tools' files", dir)
		return
	}
	valid := map[string]bool{
		"example.warc": true, "example.warc.gz": true, "example-iana.org-chunked.warc": true,
		"example-wget-bad-target-uri.warc.gz": true, "example-space-in-target-uri.warc.gz": true,
		"example-resource.warc.gz": true, "post-test.warc.gz": true,
		"example-digest.warc": false, "example-wrong-chunks.warc.gz": false, "example-bad-non-chunked.warc.gz": false,
		"example-bad.warc.gz.bad": false, "example-trunc.warc": false,
	}
	for name, ok := range valid {
		r := vellum(t, nil, "verify", filepath.Join(dir, name))
		if (r.code == 0) != ok {
			t.Errorf("%s: exit %d, want valid=%v\n%s", name, r.code, ok, r.stdout)
		}
	}
}

// TestWgetWARCsVerifyAndIndex has Debian's wget write a WARC/1.0 file of the
// fixture site; verify accepts it and index reads its bracketed target URIs.
func TestWgetWARCsVerifyAndIndex(t *testing.T) {
	wget := requireTool(t, "wget")
	site := testsite.New(t)
	archive := filepath.Join(t.TempDir(), "archive")
	day := filepath.Join(archive, "warcs", "2014", "08", "12")
	if err := os.MkdirAll(day, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(wget, "-q", "-p", "--warc-file=wget-site", "--no-warc-keep-log", "-P", t.TempDir(), site.ArticleURL())
	cmd.Dir = day
	if out, err := cmd.CombinedOutput(); err != nil && !strings.Contains(err.Error(), "exit status 8") {
		t.Fatalf("wget: %v\n%s", err, out)
	}
	file := filepath.Join(day, "wget-site.warc.gz")
	head, _ := os.ReadFile(file)
	if len(head) == 0 {
		t.Fatal("wget wrote no WARC")
	}
	if r := vellum(t, nil, "verify", file); r.code != 0 {
		t.Errorf("verify of wget's WARC: exit %d\n%s", r.code, r.stdout)
	}
	r := vellum(t, nil, "index", "--archive", archive)
	if r.code != 0 || !strings.Contains(r.stdout, "from 1 WARC files") {
		t.Fatalf("index of wget's WARC: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	idx, err := index.Open(context.Background(), filepath.Join(archive, layout.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	caps, _ := idx.AllCaptures(context.Background())
	found := false
	for _, c := range caps {
		if strings.ContainsAny(c.URL, "<>") {
			t.Errorf("angle brackets kept in %q", c.URL)
		}
		if c.URL == site.ArticleURL() && c.Status == 200 && c.MIME == "text/html" {
			found = true
		}
	}
	if !found {
		t.Errorf("the article is not in the index built from wget's WARC: %+v", caps)
	}
	// And it replays, with its stylesheet rewritten into the archive.
	site.Main.Close()
	site.CDN.Close()
	_, content := startServe(t, archive)
	resp, err := http.Get(content + "/web/2099/" + site.ArticleURL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(page), "<title>Borderland river floods") ||
		!strings.Contains(string(page), "cs_/"+site.URL("/css/site.css")) {
		t.Errorf("replay of wget's capture: %d\n%.300s", resp.StatusCode, page)
	}
}

// TestIndexCommandRebuildsTheSameRows deletes vellum.db after a capture and
// has `vellum index` make it again from the WARCs alone.
func TestIndexCommandRebuildsTheSameRows(t *testing.T) {
	site := testsite.New(t)
	archive, _ := captureArticle(t, site)
	ctx := context.Background()
	var runs []index.Run
	rows := func() ([]index.Capture, []index.Page) {
		idx, err := index.Open(ctx, filepath.Join(archive, layout.IndexFile))
		if err != nil {
			t.Fatal(err)
		}
		defer idx.Close()
		c, err := idx.AllCaptures(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p, err := idx.AllPages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if runs, err = idx.Runs(ctx, index.JobAny, 0); err != nil {
			t.Fatal(err)
		}
		return c, p
	}
	caps, pages := rows()
	runs1 := runs
	if len(caps) < 20 || len(pages) < 5 || len(runs1) != 1 {
		t.Fatalf("index after capture: %d captures, %d pages, %d runs", len(caps), len(pages), len(runs1))
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(filepath.Join(archive, layout.IndexFile+suffix))
	}
	r := vellum(t, nil, "index", "--archive", archive)
	if r.code != 0 {
		t.Fatalf("index: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	caps2, pages2 := rows()
	if !reflect.DeepEqual(caps, caps2) || !reflect.DeepEqual(pages, pages2) {
		t.Errorf("rebuilt rows differ: %d/%d captures, %d/%d pages", len(caps), len(caps2), len(pages), len(pages2))
	}
	// The run history comes back from runs/<id>.json.
	if !reflect.DeepEqual(runs1, runs) {
		t.Errorf("run history after rebuild:\n%+v\nwant\n%+v", runs, runs1)
	}
}

// TestVerifyNamesFilesThatAreNotWARCs gives verify an image, an empty file and
// an HTTP response without WARC header: each gets one plain line naming it,
// never bytes of the file, and verify fails.
func TestVerifyNamesFilesThatAreNotWARCs(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{
		"x.png":         append(testsite.PNG(64, 64, testsite.Blue), 0xff, 0xfe, '\n', 0x1b, '[', '2', 'J'),
		"empty.warc.gz": nil,
		"plain.warc":    []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\nhello"),
	}
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		r := vellum(t, nil, "verify", p)
		if r.code == 0 {
			t.Errorf("%s: verify exited 0:\n%s", name, r.stdout)
		}
		if want := p + ": not a WARC file"; !strings.HasPrefix(r.stdout, want) || strings.Count(r.stdout, "\n") != 1 {
			t.Errorf("%s: verify printed\n%q\nwant one line starting %q", name, r.stdout, want)
		}
		for _, c := range r.stdout + r.stderr {
			if c == utf8.RuneError || (c < ' ' && c != '\n') || c == 0x7f {
				t.Errorf("%s: verify printed a raw byte %q:\n%q", name, c, r.stdout)
				break
			}
		}
	}
}

// TestVerifyWithoutArgumentChecksTheArchive runs verify with no argument in a
// folder holding ./archive: it checks that archive's WARC files.
func TestVerifyWithoutArgumentChecksTheArchive(t *testing.T) {
	site := testsite.New(t)
	archive, warcPath := captureArticle(t, site)
	cmd := exec.Command(vellumBin, "verify")
	cmd.Dir = filepath.Dir(archive)
	out, err := cmd.Output()
	rel, _ := filepath.Rel(filepath.Dir(archive), warcPath)
	if err != nil || !strings.Contains(string(out), rel+": ") || !strings.Contains(string(out), "valid") {
		t.Errorf("verify without argument: %v\n%s", err, out)
	}
	empty := t.TempDir()
	cmd = exec.Command(vellumBin, "verify")
	cmd.Dir = empty
	out, err = cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "archive") {
		t.Errorf("verify without argument and without ./archive: %v\n%s", err, out)
	}
}

// TestVerifyReportsOpenFiles finds a WARC file left ".open" (by a crash or a
// full disk) in a folder: verify names it and says how to repair it.
func TestVerifyReportsOpenFiles(t *testing.T) {
	site := testsite.New(t)
	archive, warcPath := captureArticle(t, site)
	data, err := os.ReadFile(warcPath)
	if err != nil {
		t.Fatal(err)
	}
	open := strings.TrimSuffix(warcPath, ".warc.gz") + "-b.warc.gz.open"
	if err := os.WriteFile(open, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	r := vellum(t, nil, "verify", archive)
	if r.code == 0 || !strings.Contains(r.stdout, open+": ") || !strings.Contains(r.stdout, "vellum index") {
		t.Errorf("verify of a folder with an .open file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Only an .open file: still reported, not "no WARC files".
	os.Remove(warcPath)
	r = vellum(t, nil, "verify", archive)
	if r.code == 0 || !strings.Contains(r.stdout, open+": ") || strings.Contains(r.stdout, "no .warc") {
		t.Errorf("verify of a folder with only an .open file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
