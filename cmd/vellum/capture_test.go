package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/internal/testsite"
)

func TestCaptureCommandWritesTheDesignedLayout(t *testing.T) {
	site := testsite.New(t)
	archive := filepath.Join(t.TempDir(), "archive")
	r := vellum(t, nil, "capture", "--archive", archive, "--delay", "0", site.ArticleURL())
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	line := regexp.MustCompile(`^ok +200 ` + regexp.QuoteMeta(site.ArticleURL()) + ` +http://127\.0\.0\.1:8080/web/(\d{14})/` + regexp.QuoteMeta(site.ArticleURL()) + `\nrun .* 1 pages .*\n$`)
	if !line.MatchString(r.stdout) {
		t.Errorf("stdout %q does not give status and replay URL, then the summary", r.stdout)
	}

	// DIR/warcs/YYYY/MM/DD/<run-id>-<serial>.warc.gz with its .cdxj, and vellum.db.
	day := time.Now().UTC().Format("2006/01/02")
	warcs, _ := filepath.Glob(filepath.Join(archive, "warcs", "*", "*", "*", "*.warc.gz"))
	if len(warcs) != 1 || !strings.Contains(filepath.ToSlash(warcs[0]), "/warcs/"+day+"/") ||
		!regexp.MustCompile(`/\d{8}T\d{6}Z-[0-9a-f]{4}-00000\.warc\.gz$`).MatchString(warcs[0]) {
		t.Fatalf("WARC files: %v", warcs)
	}
	cdxj := strings.TrimSuffix(warcs[0], ".warc.gz") + ".cdxj"
	if _, err := os.Stat(cdxj); err != nil {
		t.Errorf("no CDXJ beside the WARC: %v", err)
	}
	if _, err := os.Stat(filepath.Join(archive, "vellum.db")); err != nil {
		t.Errorf("no vellum.db: %v", err)
	}
	if open, _ := filepath.Glob(filepath.Join(archive, "warcs", "*", "*", "*", "*.open")); len(open) > 0 {
		t.Errorf(".open files left: %v", open)
	}

	if v := vellum(t, nil, "verify", archive); v.code != 0 || !strings.Contains(v.stdout, "valid") {
		t.Errorf("vellum verify: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}
	if ok, out := independentVerify(t, warcs[0]); !ok {
		t.Errorf("nlnwa/gowarc rejects our file:\n%s", out)
	}
	checkCDXJAgainstWarcio(t, cdxj, warcs[0])
}

// checkCDXJAgainstWarcio compares our CDXJ file with the index an
// independent reader (npm warcio) makes of the same WARC: same keys, times,
// URLs, statuses, types, offsets and lengths. warcio also lists metadata
// records, which are not replayable captures and which our CDXJ leaves out.
func checkCDXJAgainstWarcio(t *testing.T, cdxjPath, warcPath string) {
	t.Helper()
	data, err := os.ReadFile(cdxjPath)
	if err != nil {
		t.Fatal(err)
	}
	ours := strings.Split(strings.TrimSpace(string(data)), "\n")
	if !sort.StringsAreSorted(ours) {
		t.Errorf("CDXJ file is not sorted")
	}
	theirs := warcioCDXJ(t, warcPath)
	norm := func(lines []string) []string {
		var out []string
		for _, l := range lines {
			parts := strings.SplitN(l, " ", 3)
			if len(parts) != 3 {
				t.Fatalf("bad CDXJ line %q", l)
			}
			var f map[string]string
			if err := json.Unmarshal([]byte(parts[2]), &f); err != nil {
				t.Fatalf("bad CDXJ JSON %q: %v", l, err)
			}
			if f["mime"] == "application/json" && f["status"] == "" {
				continue // a metadata record
			}
			out = append(out, strings.Join([]string{parts[0], parts[1], f["url"], f["mime"], f["status"], f["offset"], f["length"]}, " "))
		}
		sort.Strings(out)
		return out
	}
	a, b := norm(ours), norm(theirs)
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("our CDXJ and warcio's differ:\nours:\n%s\nwarcio:\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
}

func TestCaptureExitStatusAndSeedsFile(t *testing.T) {
	site := testsite.New(t)
	bad := testsite.NewBad(t)
	dir := t.TempDir()
	seeds := filepath.Join(dir, "seeds.txt")
	os.WriteFile(seeds, []byte("# tonight's run\n"+site.ArticleURL()+"\n\n"+bad.URL+"/gone\nnot a url at all\n"), 0o644)
	archive := filepath.Join(dir, "archive")
	r := vellum(t, nil, "capture", "--archive", archive, "--delay", "0", "--seeds", seeds)
	if r.code != 1 {
		t.Errorf("exit %d, want 1 when a seed failed", r.code)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "ok ") ||
		!strings.HasPrefix(lines[1], "FAILED "+bad.URL+"/gone: HTTP 404") ||
		!strings.HasPrefix(lines[2], "FAILED not a url at all: ") ||
		!regexp.MustCompile(`^run \S+  job \(capture\)  FAILED  1 pages .* 2 errors, 0 skipped, `).MatchString(lines[3]) {
		t.Errorf("per-seed lines and summary:\n%s", r.stdout)
	}
	if strings.Contains(r.stderr, "seeds failed") {
		t.Errorf("stderr repeats the failures: %q", r.stderr)
	}
	if v := vellum(t, nil, "verify", archive); v.code != 0 {
		t.Errorf("WARCs of a run with failures do not verify:\n%s", v.stdout)
	}
}

func TestCaptureUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"capture"}, "vellum: capture: no URL given"},
		{[]string{"capture", "--scope", "planet", "http://127.0.0.1/"}, `vellum: --scope: unknown scope "planet"`},
		{[]string{"capture", "--seeds", filepath.Join(dir, "missing.txt")}, "vellum: --seeds: open "},
		{[]string{"capture", "--depth", "-1", "http://127.0.0.1/"}, "vellum: --depth -1"},
	} {
		r := vellum(t, []string{"VELLUM_ARCHIVE=" + filepath.Join(dir, "a")}, c.args...)
		if r.code == 0 || !strings.HasPrefix(lastLine(r.stderr), c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q, want one line starting %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

func TestArchiveFlagFromEnvironment(t *testing.T) {
	site := testsite.New(t)
	archive := filepath.Join(t.TempDir(), "from-env")
	r := vellum(t, []string{"VELLUM_ARCHIVE=" + archive, "VELLUM_DELAY=0s"}, "capture", site.URL("/about.html"))
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(archive, "vellum.db")); err != nil {
		t.Errorf("VELLUM_ARCHIVE not used: %v", err)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
