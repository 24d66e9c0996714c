package replay

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/index"
)

// listRows are the rows of a prefix listing as text, by URL.
func listRows(t *testing.T, page string) map[string]string {
	t.Helper()
	rows := map[string]string{}
	for _, m := range regexp.MustCompile(`(?s)<tr>\s*<td class="page">(.*?)</tr>`).FindAllStringSubmatch(page, -1) {
		u := regexp.MustCompile(`<a class="url" href="/web/\*/([^"]+)"`).FindStringSubmatch(m[1])
		if u == nil {
			t.Fatalf("a row without its calendar link: %s", m[0])
		}
		rows[u[1]] = stripTags(strings.ReplaceAll(m[1], "<wbr>", ""))
	}
	return rows
}

func TestListShowsPagesAndRequisitesOnRequest(t *testing.T) {
	f := calendarArchive(t, Options{})
	const (
		css = "http://news.example/s.css"
		png = "http://news.example/img/a.png"
		old = "http://news.example/old"
	)
	storyRow := "Floods recede " + story + " 2014-08-12 09:30:00 UTC 2015-03-01 23:59:58 UTC 5 200"
	pages := body(t, f.get(t, "/web/*/http://news.example/*"))
	got := listRows(t, pages)
	want := map[string]string{story: storyRow, old: old + " 2014-08-12 09:30:00 UTC 1 301"}
	if len(got) != len(want) || got[story] != want[story] || got[old] != want[old] {
		t.Errorf("pages listed:\n%v\nwant\n%v", got, want)
	}
	if !strings.Contains(pages, `<a href="/web/*/http://news.example/*?all=1">Show requisites too</a>`) {
		t.Errorf("no link to the requisites:\n%s", pages)
	}
	if !strings.Contains(pages, `>http://<wbr>news.example/<wbr>story.html</a>`) {
		t.Errorf("the URL does not break at its slashes:\n%s", pages)
	}
	all := body(t, f.get(t, "/web/*/http://news.example/*?all=1"))
	got = listRows(t, all)
	want[css] = css + " 2014-08-12 09:30:00 UTC 1 200"
	want[png] = png + " 2014-08-12 09:30:00 UTC 1 200"
	if len(got) != len(want) {
		t.Errorf("with ?all=1, %d rows, want %d: %v", len(got), len(want), got)
	}
	for u, row := range want {
		if got[u] != row {
			t.Errorf("with ?all=1, %s: %q, want %q", u, got[u], row)
		}
	}
	if !strings.Contains(all, `<a href="/web/*/http://news.example/*">Pages only</a>`) {
		t.Errorf("no way back to pages only:\n%s", all)
	}
}

func TestIsRequisite(t *testing.T) {
	for mt, want := range map[string]bool{
		"text/html; charset=utf-8": false, "application/pdf": false, "": false, "unk": false, "text/plain": false,
		"image/png": true, "text/css": true, "application/javascript": true, "text/javascript; charset=utf-8": true,
		"font/woff2": true, "application/font-woff": true, "video/mp4": true, "application/json": true,
	} {
		if isRequisite(mt) != want {
			t.Errorf("isRequisite(%q) = %v", mt, !want)
		}
	}
}

// Every moment the UI shows is written one way: 2014-08-12 09:30:00 UTC.
func TestOneDateFormatEverywhere(t *testing.T) {
	f := calendarArchive(t, framedOptions())
	ctx := context.Background()
	start := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	run := index.Run{ID: "20261125T080000Z-ab12", Started: start, Ended: start.Add(time.Minute), Status: index.RunOK}
	if err := f.idx.SaveRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if err := f.idx.AddChanges(ctx, []index.Change{{RunID: run.ID, URL: story, Change: index.ChangeChanged, TS: "20140813093000", PrevTS: "20140812093000"}}); err != nil {
		t.Fatal(err)
	}
	f.idx.Add(ctx, nil, []index.Page{{RecordID: "<urn:uuid:home>", URLKey: "example,news)/old", Timestamp: "20140812093000", URL: "http://news.example/old",
		Filename: f.files[0], Offset: 7, PageMeta: index.PageMeta{Title: "Old"}}})
	full := regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$`)
	moment := regexp.MustCompile(`\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?( ?[A-Z]{3})?|\d{1,2}:\d{2}(:\d{2})? ?(UTC|GMT)?|\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{4}`)
	for _, path := range []string{"/", "/web/*/" + story, "/web/2014*/" + story, "/web/20140812*/" + story, "/web/20140813093000/" + story,
		"/web/*/http://news.example/*", "/web/*/http://news.example/*?all=1", "/runs", "/runs/" + run.ID,
		"/runs/" + run.ID + "/diff?url=" + storyEsc, "/diff?url=" + storyEsc + "&a=20140812093000&b=20140813093000"} {
		r := f.get(t, path)
		b := stripTags(body(t, r))
		if r.StatusCode != 200 {
			t.Errorf("%s: %d", path, r.StatusCode)
			continue
		}
		n := 0
		for _, m := range moment.FindAllString(b, -1) {
			if !full.MatchString(m) {
				t.Errorf("%s shows a moment as %q, want 2006-01-02 15:04:05 UTC", path, m)
			}
			n++
		}
		if n == 0 {
			t.Errorf("%s shows no moment: %s", path, b)
		}
	}
}
