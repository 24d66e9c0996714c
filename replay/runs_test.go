package replay

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/warc"
)

// stripTags reduces a page to its text, one space between words.
func stripTags(html string) string {
	return strings.Join(strings.Fields(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(html, " ")), " ")
}

// The run page lists each page with its change and each skipped or failed
// URL with its reason, and shows counts that are the sums of those lists;
// /runs shows skipped apart from errors.
func TestRunPageListsWhatItCounts(t *testing.T) {
	f := newFixture(t, nil, Options{})
	ctx := context.Background()
	start := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	run := index.Run{ID: "20261125T080000Z-ab12", Seeds: []string{"http://news.example/"}, Started: start, Ended: start.Add(time.Minute),
		Status: index.RunOK, Counts: index.RunCounts{Pages: 2, New: 1, Unchanged: 1, Errors: 1, Skipped: 2, Requisites: 4}}
	if err := f.idx.SaveRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if err := f.idx.AddChanges(ctx, []index.Change{
		{RunID: run.ID, URL: "http://news.example/", Change: index.ChangeNew, TS: "20261125080000"},
		{RunID: run.ID, URL: "http://news.example/a.html", Change: index.ChangeUnchanged, TS: "20261125080001", PrevTS: "20261124080001"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := f.idx.AddProblems(ctx, []index.Problem{
		{RunID: run.ID, URL: "http://news.example/gone.html", Kind: "page", Outcome: index.OutcomeFailed, Reason: "HTTP 404 Not Found"},
		{RunID: run.ID, URL: "http://news.example/private/x.html", Kind: "page", Outcome: index.OutcomeSkipped, Reason: "disallowed by robots.txt"},
		{RunID: run.ID, URL: "http://news.example/private/p.png", Kind: "requisite", Outcome: index.OutcomeSkipped, Reason: "disallowed by robots.txt"},
	}); err != nil {
		t.Fatal(err)
	}
	page := stripTags(body(t, f.get(t, "/runs/"+run.ID)))
	for _, want := range []string{
		"Pages 2: 1 new, 0 changed, 1 unchanged",
		"Failed 1", "Skipped 2 (robots.txt)",
		"http://news.example/gone.html page failed HTTP 404 Not Found",
		"http://news.example/private/x.html page skipped disallowed by robots.txt",
		"http://news.example/private/p.png requisite skipped disallowed by robots.txt",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("run page lacks %q:\n%s", want, page)
		}
	}
	runs := body(t, f.get(t, "/runs"))
	if !strings.Contains(runs, "<th>Skipped</th>") || !strings.Contains(stripTags(runs), "4 0 0 B 1 2") {
		t.Errorf("/runs does not show errors and skipped apart:\n%s", stripTags(runs))
	}
}

// A run shared by workers (--frontier) shows which worker captured what:
// each of its files with the worker that wrote it and its captures.
func TestRunPageShowsWorkers(t *testing.T) {
	f := newFixture(t, nil, Options{})
	ctx := context.Background()
	start := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	run := index.Run{ID: "20261125T080000Z-ab12", Seeds: []string{"http://news.example/"}, Started: start, Ended: start.Add(time.Minute), Status: index.RunOK}
	if err := f.idx.SaveRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	var caps []index.Capture
	for i, w := range []string{"alpha-1", "alpha-1", "beta-2"} {
		u := "http://news.example/" + string(rune('a'+i)) + ".html"
		key, _ := warc.SURT(u)
		caps = append(caps, index.Capture{URLKey: key, Timestamp: "20261125080000", URL: u, Type: "response", MIME: "text/html",
			Status: 200, Digest: "sha1:x", Length: 10, Offset: int64(i) * 100, Filename: "warcs/2026/11/25/" + run.ID + "-" + w + "-00000.warc.gz"})
	}
	if err := f.idx.Add(ctx, caps, nil); err != nil {
		t.Fatal(err)
	}
	page := stripTags(body(t, f.get(t, "/runs/"+run.ID)))
	for _, want := range []string{
		"Workers",
		"alpha-1 warcs/2026/11/25/" + run.ID + "-alpha-1-00000.warc.gz 2",
		"beta-2 warcs/2026/11/25/" + run.ID + "-beta-2-00000.warc.gz 1",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("run page lacks %q:\n%s", want, page)
		}
	}
}
