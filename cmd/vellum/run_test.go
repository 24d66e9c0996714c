package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/vellumhq/vellum/capture"
	vjobs "github.com/vellumhq/vellum/capture/jobs"
	"github.com/vellumhq/vellum/internal/testsite"
	"github.com/vellumhq/vellum/warc"
)

// warcRecord is one record of an archive, as a reader finds it.
type warcRecord struct {
	file, typ, uri, profile, refersTo string
	blockLen                          int64
}

// archiveRecords reads every record of every WARC file of an archive whose
// name contains match ("" for all).
func archiveRecords(t *testing.T, archive, match string) []warcRecord {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(archive, "warcs", "*", "*", "*", "*.warc.gz"))
	var out []warcRecord
	for _, path := range files {
		if !strings.Contains(filepath.Base(path), match) {
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		rd, err := warc.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		for {
			rec, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			n, _ := io.Copy(io.Discard, rec.Block)
			h := rec.Header
			out = append(out, warcRecord{file: filepath.Base(path), typ: h.Get("WARC-Type"), uri: h.Get("WARC-Target-URI"),
				profile: h.Get("WARC-Profile"), refersTo: h.Get("WARC-Refers-To-Target-URI"), blockLen: n})
		}
		rd.Close()
		f.Close()
	}
	return out
}

// hook is a webhook receiver on loopback.
type hook struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies []vjobs.ChangeNotice
}

func newHook(t *testing.T) *hook {
	h := &hook{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n vjobs.ChangeNotice
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want a JSON POST", http.StatusBadRequest)
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&n); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.bodies = append(h.bodies, n)
		h.mu.Unlock()
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) notices() []vjobs.ChangeNotice {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]vjobs.ChangeNotice(nil), h.bodies...)
}

func writeJobs(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jobs.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var runLine = regexp.MustCompile(`(?m)^run (\S+)  job (\S+)  (\S+)  (\d+) pages \((\d+) new, (\d+) changed, (\d+) unchanged\), (\d+) requisites, (\d+) revisits`)

// runSummary parses the summary line of `vellum run`.
type runSummary struct {
	id, job, status                                      string
	pages, new, changed, unchanged, requisites, revisits int
}

func parseRunLine(t *testing.T, stdout string) runSummary {
	t.Helper()
	m := runLine.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no run summary in stdout:\n%s", stdout)
	}
	n := func(i int) int {
		var v int
		fmt.Sscan(m[i], &v)
		return v
	}
	return runSummary{id: m[1], job: m[2], status: m[3], pages: n(4), new: n(5), changed: n(6), unchanged: n(7),
		requisites: n(8), revisits: n(9)}
}

func TestTwoRunsFindTheEditedArticleAndNotifyTheWebhook(t *testing.T) {
	site := testsite.New(t)
	h := newHook(t)
	archive := filepath.Join(t.TempDir(), "archive")
	jobs := writeJobs(t, fmt.Sprintf(`jobs:
  - name: gazette
    schedule: "@daily"
    seeds: [%s]
    delay: 0s
    notify:
      webhook: %s/hook
`, site.ArticleURL(), h.srv.URL))
	replayBase := "http://replay.example:8080"

	first := vellum(t, nil, "run", "--jobs", jobs, "--archive", archive, "--replay-url", replayBase, "--no-progress")
	if first.code != 0 {
		t.Fatalf("first run: exit %d\n%s%s", first.code, first.stdout, first.stderr)
	}
	r1 := parseRunLine(t, first.stdout)
	if r1.job != "gazette" || r1.status != "OK" || r1.pages != 1 || r1.new != 1 || r1.revisits != 0 {
		t.Errorf("first run summary: %+v\n%s", r1, first.stdout)
	}
	if n := h.notices(); len(n) != 0 {
		t.Errorf("webhook notified after a first run with nothing changed: %+v", n)
	}
	firstRecords := archiveRecords(t, archive, r1.id)

	// The newsroom corrects a figure; nothing else on the site changes.
	site.EditArticle(func(html string) string {
		return strings.Replace(html, "rose by more than two metres", "rose by more than three metres", 1)
	})
	second := vellum(t, nil, "run", "--jobs", jobs, "--archive", archive, "--replay-url", replayBase, "--no-progress")
	if second.code != 0 {
		t.Fatalf("second run: exit %d\n%s%s", second.code, second.stdout, second.stderr)
	}
	r2 := parseRunLine(t, second.stdout)
	if r2.id == r1.id || r2.changed != 1 || r2.new != 0 || r2.unchanged != 0 || r2.requisites != r1.requisites {
		t.Errorf("second run summary: %+v (first %+v)\n%s", r2, r1, second.stdout)
	}
	diffURL := replayBase + vjobs.DiffPath(r2.id, site.ArticleURL())
	if !strings.Contains(second.stdout, "changed  "+site.ArticleURL()+"  "+diffURL) {
		t.Errorf("stdout does not list the changed article with its diff link:\n%s", second.stdout)
	}

	// Bytes in the WARC: the article is a new response with its metadata;
	// every unchanged requisite (and robots.txt) is a revisit of the first run's capture.
	recs := archiveRecords(t, archive, r2.id)
	responses, revisits := map[string]bool{}, map[string]bool{}
	for _, r := range recs {
		switch r.typ {
		case warc.TypeResponse:
			responses[r.uri] = true
		case warc.TypeRevisit:
			revisits[r.uri] = true
			if r.profile != warc.ProfileIdenticalPayloadDigest || r.refersTo != r.uri {
				t.Errorf("revisit of %s: profile %q, refers to %q", r.uri, r.profile, r.refersTo)
			}
		}
	}
	if len(responses) != 1 || !responses[site.ArticleURL()] {
		t.Errorf("second run's responses: %v; want only the edited article", keys(responses))
	}
	firstResponses := 0
	for _, r := range firstRecords {
		if r.typ == warc.TypeResponse {
			firstResponses++
			if r.uri != site.ArticleURL() && !revisits[r.uri] {
				t.Errorf("%s unchanged but not written as a revisit in the second run", r.uri)
			}
		}
	}
	if len(revisits) != firstResponses-1 || r2.revisits != len(revisits) {
		t.Errorf("%d revisits (summary says %d) for %d unchanged URLs", len(revisits), r2.revisits, firstResponses-1)
	}

	// The webhook got one JSON POST naming the article with both captures.
	notes := h.notices()
	if len(notes) != 1 {
		t.Fatalf("webhook got %d notices, want 1", len(notes))
	}
	n := notes[0]
	if n.Job != "gazette" || n.Run != r2.id || len(n.Changed) != 1 || n.Changed[0].URL != site.ArticleURL() {
		t.Fatalf("notice: %+v", n)
	}
	c := n.Changed[0]
	before := regexp.MustCompile(`^` + regexp.QuoteMeta(replayBase) + `/web/(\d{14})/` + regexp.QuoteMeta(site.ArticleURL()) + `$`)
	if !before.MatchString(c.Before) || !before.MatchString(c.After) || c.Before == c.After || c.Diff != diffURL {
		t.Errorf("notice links: before %s after %s diff %s", c.Before, c.After, c.Diff)
	}

	// Each run is in runs/<id>.json with its counts and changes.
	var sum capture.RunSummary
	data, err := os.ReadFile(filepath.Join(archive, "runs", r2.id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Job != "gazette" || sum.Status != "ok" || sum.Counts.Changed != 1 || len(sum.Changes) != 1 ||
		sum.Changes[0].Change != "changed" || len(sum.Files) == 0 || sum.Ended.Before(sum.Started) {
		t.Errorf("runs/%s.json: %s", r2.id, data)
	}
	if _, err := os.Stat(filepath.Join(archive, "runs", r1.id+".json")); err != nil {
		t.Errorf("first run's summary: %v", err)
	}
	if v := vellum(t, nil, "verify", archive); v.code != 0 {
		t.Errorf("verify after two runs: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}

	// The replay UI lists the run and shows the word diff of the article;
	// the unchanged requisites replay from the second run's revisits.
	ui, _ := startServe(t, archive)
	runPage := getBody(t, ui+"/runs/"+r2.id)
	if !strings.Contains(runPage, vjobs.DiffPath(r2.id, site.ArticleURL())) || !strings.Contains(runPage, "changed") {
		t.Errorf("/runs/%s does not link the diff:\n%s", r2.id, runPage)
	}
	diff := getBody(t, ui+vjobs.DiffPath(r2.id, site.ArticleURL()))
	if !strings.Contains(diff, "<del>two</del>") || !strings.Contains(diff, "<ins>three</ins>") ||
		!strings.Contains(diff, "overnight, flooding the high street") {
		t.Errorf("diff page does not show two → three in context:\n%s", diff)
	}
	ts2 := regexp.MustCompile(`/web/(\d{14})/`).FindStringSubmatch(c.After)[1]
	photo := site.CDN.URL + "/cdn/photo.jpg"
	orig, err := http.Get(photo)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := io.ReadAll(orig.Body)
	orig.Body.Close()
	if got := getBody(t, ui+"/web/"+ts2+"id_/"+photo); got != string(want) || !revisits[photo] {
		t.Errorf("the photo's revisit of %s replays %d bytes, want the original %d", ts2, len(got), len(want))
	}

	// A third run after a change that leaves the article's text alone (a new
	// tracking comment) is a new response, yet the page is unchanged.
	site.EditArticle(func(html string) string {
		html = strings.Replace(html, "rose by more than two metres", "rose by more than three metres", 1)
		return strings.Replace(html, "</body>", "<!-- build 4711 --></body>", 1)
	})
	third := vellum(t, nil, "run", "--jobs", jobs, "--archive", archive, "--replay-url", replayBase, "--no-progress")
	r3 := parseRunLine(t, third.stdout)
	if third.code != 0 || r3.unchanged != 1 || r3.changed != 0 {
		t.Errorf("third run: exit %d, %+v\n%s%s", third.code, r3, third.stdout, third.stderr)
	}
	if len(h.notices()) != 1 {
		t.Errorf("webhook notified of a page whose text did not change")
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestRunRefusesInvalidJobsFiles(t *testing.T) {
	cases := []struct{ name, yaml, want string }{
		{"unknown field", "jobs:\n  - name: a\n    seeds: [http://127.0.0.1/]\n    dept: 1\n", `jobs.yaml:4: job "a": unknown field "dept"`},
		{"bad cron", "jobs:\n  - name: a\n    schedule: \"61 * * * *\"\n    seeds: [http://127.0.0.1/]\n", `jobs.yaml:3: job "a": schedule "61 * * * *"`},
		{"bad every", "jobs:\n  - name: a\n    schedule: \"@every soon\"\n    seeds: [http://127.0.0.1/]\n", `jobs.yaml:3: job "a": schedule "@every soon"`},
		{"duplicate name", "jobs:\n  - name: a\n    seeds: [http://127.0.0.1/]\n  - name: a\n    seeds: [http://127.0.0.1/]\n", `jobs.yaml:4: job "a": job "a" defined again (first at line 2)`},
		{"no seeds", "jobs:\n  - name: a\n    schedule: \"@daily\"\n", `jobs.yaml:2: job "a": no seeds`},
		{"bad seed", "jobs:\n  - name: a\n    seeds: [\"ftp://example.org/\"]\n", `jobs.yaml:3: job "a": invalid URL "ftp://example.org/": scheme must be http or https`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			archive := filepath.Join(t.TempDir(), "archive")
			r := vellum(t, nil, "run", "--archive", archive, "--jobs", writeJobs(t, c.yaml))
			msg := strings.TrimSpace(r.stderr)
			if r.code != 2 || !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
				t.Errorf("exit %d, stderr %q; want exit 2 and one line with %q", r.code, msg, c.want)
			}
			if _, err := os.Stat(archive); err == nil {
				t.Errorf("an invalid jobs file still touched the archive")
			}
		})
	}
	r := vellum(t, nil, "run", "--jobs", writeJobs(t, "jobs:\n  - name: a\n    seeds: [http://127.0.0.1/]\n"), "nope")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown job "nope" (known: a)`) {
		t.Errorf("unknown job: exit %d, %s", r.code, r.stderr)
	}
}

// Two runs of a job back to back get captures in different seconds, so each
// has a replay URL of its own (replay names captures to the second).
func TestBackToBackRunsGetTheirOwnSecond(t *testing.T) {
	site := testsite.New(t)
	archive := filepath.Join(t.TempDir(), "archive")
	jobs := writeJobs(t, "jobs:\n  - name: quick\n    seeds: ["+site.URL("/about.html")+"]\n    delay: 0s\n")
	var ids []string
	for range 3 {
		r := vellum(t, nil, "run", "--jobs", jobs, "--archive", archive, "--no-progress")
		if r.code != 0 {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		ids = append(ids, parseRunLine(t, r.stdout).id)
	}
	seen := map[string]bool{}
	for _, s := range runSummaries(t, archive) {
		for _, c := range s.Changes {
			if seen[c.TS] {
				t.Errorf("two runs captured %s at %s", c.URL, c.TS)
			}
			seen[c.TS] = true
		}
	}
	if len(seen) != 3 {
		t.Errorf("runs %v: captures at %v", ids, keys(seen))
	}
}

// A webhook that cannot be reached fails the command (the run itself is
// kept), with one line that names the host but not the hook's token.
func TestUnreachableWebhookFailsTheRunCommand(t *testing.T) {
	site := testsite.New(t)
	archive := filepath.Join(t.TempDir(), "archive")
	port := closedPort(t)
	jobs := writeJobs(t, fmt.Sprintf("jobs:\n  - name: gazette\n    seeds: [%s]\n    delay: 0s\n    notify:\n      webhook: http://127.0.0.1:%s/hook?token=SECRET\n", site.ArticleURL(), port))
	if r := vellum(t, nil, "run", "--jobs", jobs, "--archive", archive, "--no-progress"); r.code != 0 {
		t.Fatalf("first run: exit %d\n%s", r.code, r.stderr)
	}
	site.EditArticle(func(html string) string { return strings.Replace(html, "two metres", "three metres", 1) })
	r := vellum(t, nil, "run", "--jobs", jobs, "--archive", archive, "--no-progress", "--log-level", "error")
	if r.code != 1 || !strings.Contains(r.stderr, "1 changed pages not notified: webhook on 127.0.0.1:"+port) ||
		strings.Contains(r.stderr, "SECRET") {
		t.Errorf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	if sum := parseRunLine(t, r.stdout); sum.status != "OK" || sum.changed != 1 {
		t.Errorf("the run itself: %+v", sum)
	}
}
