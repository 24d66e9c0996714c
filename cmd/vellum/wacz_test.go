package main

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/testsite"
	"github.com/vellumhq/vellum/replay"
	"github.com/vellumhq/vellum/storage/local"
)

// replayArchive serves an archive's replay in the test's process, the
// server `vellum serve` runs, single origin.
func replayArchive(t *testing.T, archive string) string {
	t.Helper()
	idx, _, err := index.OpenArchive(context.Background(), archive, false)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(replay.NewServer(idx, local.New(archive), replay.Options{}))
	t.Cleanup(func() { srv.Close(); idx.Close() })
	return srv.URL
}

// zipEntries reads a zip's files by name.
func zipEntries(t *testing.T, path string) map[string][]byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		out[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return out
}

func TestWACZRoundTrip(t *testing.T) {
	archive, site, ts := captureFixture(t)
	out := filepath.Join(t.TempDir(), "borderland.wacz")
	r := vellum(t, nil, "export", "--archive", archive, "--wacz", out, "--title", "Borderland")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "wrote "+out+": ") || !strings.Contains(r.stdout, "(1 whole, 0 in part)") {
		t.Fatalf("export: %d %s%s", r.code, r.stdout, r.stderr)
	}
	files := zipEntries(t, out)
	if !bytes.Contains(files["pages/pages.jsonl"], []byte(testsite.ArticleText)) {
		t.Errorf("pages.jsonl has not the article's text:\n%s", files["pages/pages.jsonl"])
	}
	if !bytes.Contains(files["datapackage.json"], []byte(`"title": "Borderland"`)) {
		t.Errorf("datapackage.json has not the title:\n%s", files["datapackage.json"])
	}
	if r := vellum(t, nil, "verify", out); r.code != 0 || !strings.Contains(r.stdout, "valid, unsigned") {
		t.Fatalf("verify: %d %s%s", r.code, r.stdout, r.stderr)
	}

	fresh := filepath.Join(t.TempDir(), "fresh")
	r = vellum(t, nil, "import", "--archive", fresh, out)
	if r.code != 0 || !regexp.MustCompile(`(?m)^added warcs/imported/[0-9a-f]{16}/\S+\.warc\.gz: \d+ captures, [1-9]\d* pages`).MatchString(r.stdout) {
		t.Fatalf("import: %d %s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "pages.warc.gz") {
		t.Errorf("pages written from pages.jsonl although the WARC has metadata records:\n%s", r.stdout)
	}
	again := vellum(t, nil, "import", "--archive", fresh, out)
	if again.code != 0 || strings.Contains(again.stdout, "added") || !strings.Contains(again.stdout, "already in the archive") {
		t.Fatalf("importing again: %d %s%s", again.code, again.stdout, again.stderr)
	}
	base := replayArchive(t, fresh)
	body := getBody(t, base+"/web/"+ts+"mp_/"+site.ArticleURL())
	if !strings.Contains(body, testsite.ArticleText) || !strings.Contains(body, "Borderland river floods") {
		t.Errorf("the imported article does not replay:\n%.500s", body)
	}
	if r := vellum(t, nil, "verify", filepath.Join(fresh, "warcs")); r.code != 0 {
		t.Errorf("verify of the imported WARCs: %s", r.stdout)
	}
}

func TestExportSelection(t *testing.T) {
	archive, site, _ := captureFixture(t)
	dir := t.TempDir()
	runs, _ := filepath.Glob(filepath.Join(archive, "warcs", "*", "*", "*", "*.warc.gz"))
	if len(runs) != 1 {
		t.Fatalf("WARC files %v", runs)
	}
	runID := regexp.MustCompile(`^(.*)-\d{5}\.warc\.gz$`).FindStringSubmatch(filepath.Base(runs[0]))[1]

	byRun := filepath.Join(dir, "run.wacz")
	if r := vellum(t, nil, "export", "--archive", archive, "--wacz", byRun, "--run", runID); r.code != 0 || !strings.Contains(r.stdout, "(1 whole, 0 in part)") {
		t.Fatalf("--run: %d %s%s", r.code, r.stdout, r.stderr)
	}

	// One page by its URL: the page and what it needs to render (its
	// images, stylesheets, scripts, wherever they are), not the other page.
	one := filepath.Join(dir, "one.wacz")
	r := vellum(t, nil, "export", "--archive", archive, "--wacz", one, "--url", site.ArticleURL())
	if r.code != 0 || !strings.Contains(r.stdout, " 1 pages, 1 WARC files (0 whole, 1 in part)") {
		t.Fatalf("--url: %d %s%s", r.code, r.stdout, r.stderr)
	}
	files := zipEntries(t, one)
	idx := strings.Split(strings.TrimSpace(string(files["indexes/index.cdxj"])), "\n")
	requisites := metadataOf(t, readFullRecords(t, archive), site.ArticleURL()).Requisites
	if len(requisites) == 0 {
		t.Fatal("the article's metadata lists no requisite")
	}
	inIndex := func(u string) bool {
		for _, l := range idx {
			if strings.Contains(l, `"url":"`+u+`"`) {
				return true
			}
		}
		return false
	}
	for _, u := range append([]string{site.ArticleURL()}, requisites...) {
		if !inIndex(u) {
			t.Errorf("the article's WACZ lacks %s", u)
		}
	}
	if inIndex(site.URL("/old-story")) || len(idx) > 1+len(requisites) {
		t.Errorf("the article's WACZ holds more than the article and its requisites: %d lines for %d requisites", len(idx), len(requisites))
	}
	var part []byte
	for name, b := range files {
		if strings.HasPrefix(name, "archive/") {
			if !strings.HasSuffix(name, "-part.warc.gz") {
				t.Errorf("%s: want the part of the run's file", name)
			}
			part = b
		}
	}
	// The part holds the warcinfo, the article's metadata, and a request
	// and a response for each capture.
	whole := gunzipAll(t, part)
	for _, want := range []string{"WARC-Type: warcinfo", "WARC-Type: metadata"} {
		if c := bytes.Count(whole, []byte(want)); c != 1 {
			t.Errorf("%d records with %s in the part, want 1", c, want)
		}
	}
	if req, resp := bytes.Count(whole, []byte("WARC-Type: request")), bytes.Count(whole, []byte("WARC-Type: response")); req != len(idx) || resp > len(idx) {
		t.Errorf("%d requests and %d responses in the part for %d captures", req, resp, len(idx))
	}
	if r := vellum(t, nil, "verify", one); r.code != 0 {
		t.Errorf("verify: %s", r.stdout)
	}

	prefix := filepath.Join(dir, "prefix.wacz")
	r = vellum(t, nil, "export", "--archive", archive, "--wacz", prefix, "--url", site.URL("/img/*"))
	if r.code != 0 || !strings.Contains(r.stdout, "0 pages") || strings.Contains(r.stdout, " 0 captures") {
		t.Fatalf("--url prefix: %d %s%s", r.code, r.stdout, r.stderr)
	}

	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--from", "2999"}, 1, "vellum: export: no capture matches; nothing written\n"},
		{[]string{"--from", "20x4"}, 2, "vellum: --from \"20x4\": not a timestamp of 0-14 digits\n"},
		{[]string{"--run", "nope"}, 1, "vellum: export: no run nope in this archive\n"},
		{[]string{"--run", runID, "--job", "x"}, 2, "vellum: export: give one of --run, --job or --url\n"},
	} {
		out := filepath.Join(dir, "bad.wacz")
		r := vellum(t, nil, append([]string{"export", "--archive", archive, "--wacz", out}, tc.args...)...)
		if r.code != tc.code || r.stderr != tc.msg {
			t.Errorf("export %v: exit %d, stderr %q; want %d, %q", tc.args, r.code, r.stderr, tc.code, tc.msg)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("export %v left %s", tc.args, out)
		}
	}
}

func gunzipAll(t *testing.T, b []byte) []byte {
	t.Helper()
	cmd := exec.Command("gzip", "-dc")
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestExportOfARunCarriesTheOriginalsOfItsRevisits: a run that found most
// of a page unchanged wrote revisits; its WACZ also holds the responses
// they repeat, from the earlier run's file, so it replays on its own.
func TestExportOfARunCarriesTheOriginalsOfItsRevisits(t *testing.T) {
	site := testsite.New(t)
	archive := filepath.Join(t.TempDir(), "archive")
	var second string
	for range 2 {
		r := vellum(t, nil, "capture", "--archive", archive, "--delay", "0", "--no-progress", site.ArticleURL())
		m := regexp.MustCompile(`(?m)^run (\S+) `).FindStringSubmatch(r.stdout)
		if r.code != 0 || m == nil {
			t.Fatalf("capture: %d %s%s", r.code, r.stdout, r.stderr)
		}
		second = m[1]
		time.Sleep(1100 * time.Millisecond) // the second run's records another second
	}
	out := filepath.Join(t.TempDir(), "run.wacz")
	if r := vellum(t, nil, "export", "--archive", archive, "--wacz", out, "--run", second); r.code != 0 {
		t.Fatalf("export --run %s: %d %s%s", second, r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(string(zipEntries(t, out)["indexes/index.cdxj"])), "\n")
	responses := map[string]bool{}
	var revisits []string
	for _, l := range lines {
		digest := regexp.MustCompile(`"digest":"([^"]+)"`).FindStringSubmatch(l)
		switch {
		case digest == nil:
		case strings.Contains(l, `"mime":"warc/revisit"`):
			revisits = append(revisits, digest[1])
		default:
			responses[digest[1]] = true
		}
	}
	if len(revisits) == 0 {
		t.Fatalf("the second run wrote no revisit; index:\n%s", strings.Join(lines, "\n"))
	}
	for _, d := range revisits {
		if !responses[d] {
			t.Errorf("a revisit of %s is in the WACZ without the response it repeats", d)
		}
	}
	if r := vellum(t, nil, "verify", out); r.code != 0 {
		t.Errorf("verify: %s%s", r.stdout, r.stderr)
	}
}
