package indextest

import (
	"errors"
	"strings"
	"testing"

	"github.com/vellumhq/vellum/index"
)

// page is the metadata of a page captured at ts, at offset in file.
func page(t *testing.T, url, ts, file string, offset int64, title, text string) index.Page {
	t.Helper()
	return index.Page{RecordID: "<urn:uuid:meta-" + ts + ">", ConcurrentTo: "<urn:uuid:resp-" + ts + ">",
		URLKey: key(t, url), Timestamp: ts, URL: url, Filename: file, Offset: offset,
		PageMeta: index.PageMeta{Title: title, Authors: []string{"Ada Lovelace", "Grace Hopper"}, Published: "2024-01-01",
			SiteName: "Example News", CanonicalURL: url, Language: "en", Description: "d", Image: "http://example.com/i.png",
			Text: text}}
}

func pageStamps(ps []index.Page) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.Timestamp)
	}
	return strings.Join(s, " ")
}

// A page's captures oldest first, the one at a time, the newest pages of
// the archive, and the latest by another run (change detection); every
// field comes back as it was added, authors in order.
func pages(t *testing.T, x Index) {
	u := "http://example.com/story"
	p1 := page(t, u, "20240101100000", fileA, 100, "First", "one")
	p2 := page(t, u, "20240601100000", fileB, 100, "Second", "two")
	p2.Authors = []string{}
	p3 := page(t, "http://example.com/other", "20240301100000", fileA, 200, "Other", "three")
	add(t, x, nil, []index.Page{p2, p1, p3})

	got, err := x.PagesOf(ctx, key(t, u))
	if err != nil {
		t.Fatal(err)
	}
	want(t, "PagesOf", pageStamps(got), "20240101100000 20240601100000")
	if len(got) == 2 && (!equalPage(got[0], p1) || !equalPage(got[1], p2)) {
		t.Errorf("pages read back:\n got %+v\nwant %+v %+v", got, p1, p2)
	}
	heads, err := x.PageHeads(ctx, key(t, u))
	if err != nil {
		t.Fatal(err)
	}
	want(t, "PageHeads", pageStamps(heads), "20240101100000 20240601100000")
	if len(heads) == 2 {
		h := heads[1]
		if h.Text != "" || h.Title != "Second" || h.RecordID != p2.RecordID || h.Filename != p2.Filename {
			t.Errorf("PageHeads: %+v; want the second page's row without its text", h)
		}
	}
	at, ok, err := x.PageAt(ctx, key(t, u), "20240601100000")
	if err != nil || !ok || at.Title != "Second" {
		t.Errorf("PageAt = %+v, %v, %v; want the second capture", at, ok, err)
	}
	if _, ok, err := x.PageAt(ctx, key(t, u), "20240601100001"); ok || err != nil {
		t.Errorf("PageAt a time with no capture: ok %v, %v", ok, err)
	}
	recent, err := x.RecentPages(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	want(t, "RecentPages 2", pageStamps(recent), "20240601100000 20240301100000")
	prev, ok, err := x.LatestPage(ctx, key(t, u), runB)
	if err != nil || !ok || prev.Timestamp != p1.Timestamp {
		t.Errorf("LatestPage(not %s) = %+v, %v, %v; want the first", runB, prev, ok, err)
	}
	if _, ok, err := x.LatestPage(ctx, key(t, "http://example.com/none"), ""); ok || err != nil {
		t.Errorf("LatestPage of a page never captured: ok %v, %v", ok, err)
	}
}

func equalPage(a, b index.Page) bool {
	return strings.Join(a.Authors, "|") == strings.Join(b.Authors, "|") && len(a.Authors) == len(b.Authors) &&
		a.RecordID == b.RecordID && a.ConcurrentTo == b.ConcurrentTo && a.URLKey == b.URLKey &&
		a.Timestamp == b.Timestamp && a.URL == b.URL && a.Filename == b.Filename && a.Offset == b.Offset &&
		a.Title == b.Title && a.Published == b.Published && a.SiteName == b.SiteName &&
		a.CanonicalURL == b.CanonicalURL && a.Language == b.Language && a.Description == b.Description &&
		a.Image == b.Image && a.Text == b.Text
}

func search(t *testing.T, x Index, q index.SearchQuery) index.SearchResults {
	t.Helper()
	res, err := x.Search(ctx, q)
	if err != nil {
		t.Fatalf("Search %+v: %v", q, err)
	}
	return res
}

func hitURLs(res index.SearchResults) string {
	var s []string
	for _, h := range res.Hits {
		s = append(s, h.Page.URL)
	}
	return strings.Join(s, " ")
}

// searchSite is a small archive to search: the words are in titles,
// texts, with accents, and on two hosts.
func searchSite(t *testing.T, x Index) {
	add(t, x, nil, []index.Page{
		page(t, "http://news.example.com/elysee", "20240101100000", fileA, 1, "Réforme à l'Élysée", "Le président a parlé de la réforme des retraites."),
		page(t, "http://news.example.com/budget", "20240201100000", fileA, 2, "Budget vote", "Parliament voted the budget; the Elysee stayed silent."),
		page(t, "http://blog.example.org/archiving", "20240301100000", fileA, 3, "Web archiving notes", "How archives keep the web: crawlers, WARC files and replay."),
		page(t, "http://blog.example.org/cats", "20240401100000", fileA, 4, "Cats", "Nothing about budgets here, only the cats and archives of cats."),
	})
}

// Every word must be in the page, accents and case aside; a word ending in
// "*" begins words; a word in the title ranks above one in the text; the
// hit's snippet marks the words and its Text is left out.
func searchWords(t *testing.T, x Index) {
	searchSite(t, x)
	cases := []struct{ words, want string }{
		{"elysee", "http://news.example.com/elysee http://news.example.com/budget"}, // the title's first
		{"ÉLYSÉE silent", "http://news.example.com/budget"},
		{"budget", "http://news.example.com/budget"}, // "budgets" is another word
		{"budget*", "http://news.example.com/budget http://blog.example.org/cats"},
		{"archiv* cats", "http://blog.example.org/cats"},
		{"nowhere", ""},
	}
	for _, c := range cases {
		res := search(t, x, index.SearchQuery{Words: c.words})
		want(t, "search "+c.words, hitURLs(res), c.want)
		if res.Total != len(strings.Fields(c.want)) || res.More {
			t.Errorf("search %s: Total %d, More %v; want %d, false", c.words, res.Total, res.More, len(strings.Fields(c.want)))
		}
	}
	res := search(t, x, index.SearchQuery{Words: "silent"})
	if len(res.Hits) != 1 {
		t.Fatalf("search silent: %d hits", len(res.Hits))
	}
	h := res.Hits[0]
	if !strings.Contains(h.Snippet, "<mark>silent</mark>") {
		t.Errorf("snippet %q does not mark the word", h.Snippet)
	}
	if h.Page.Text != "" || h.Page.Title != "Budget vote" || h.Page.Timestamp != "20240201100000" || len(h.Page.Authors) != 2 {
		t.Errorf("hit page %+v: want its row without the text", h.Page)
	}
}

// Site, dates and paging narrow what is found; Total counts every match.
func searchFilters(t *testing.T, x Index) {
	searchSite(t, x)
	cases := []struct {
		q    index.SearchQuery
		want string
	}{
		{index.SearchQuery{Words: "elysee", Site: "example.org"}, ""},
		{index.SearchQuery{Words: "cats", Site: "http://blog.example.org/any/path"}, "http://blog.example.org/cats"},
		{index.SearchQuery{Words: "archiv*", Site: "blog.example.org"}, "http://blog.example.org/archiving http://blog.example.org/cats"},
		{index.SearchQuery{Words: "archiv*", Site: "example.com"}, ""},
		{index.SearchQuery{Words: "elysee", From: "202402"}, "http://news.example.com/budget"},
		{index.SearchQuery{Words: "elysee", To: "2024-01"}, ""}, // not a timestamp: refused below
	}
	for _, c := range cases[:5] {
		want(t, "search "+c.q.Words+" site "+c.q.Site+" from "+c.q.From, hitURLs(search(t, x, c.q)), c.want)
	}
	if _, err := x.Search(ctx, cases[5].q); !errors.Is(err, index.ErrBadQuery) {
		t.Errorf("a bad To: %v, want ErrBadQuery", err)
	}
	all := search(t, x, index.SearchQuery{Words: "the"})
	if all.Total != 3 {
		t.Fatalf("search the: Total %d, want 3 (%s)", all.Total, hitURLs(all))
	}
	first := search(t, x, index.SearchQuery{Words: "the", Limit: 2})
	rest := search(t, x, index.SearchQuery{Words: "the", Limit: 2, Offset: 2})
	if len(first.Hits) != 2 || len(rest.Hits) != 1 || first.Total != 3 || rest.Total != 3 {
		t.Fatalf("paging: %d then %d hits, totals %d %d; want 2, 1 and 3", len(first.Hits), len(rest.Hits), first.Total, rest.Total)
	}
	want(t, "the pages of results together", hitURLs(first)+" "+hitURLs(rest), hitURLs(all))
}

// A query with nothing to search for is refused, not run.
func searchBad(t *testing.T, x Index) {
	searchSite(t, x)
	for _, words := range []string{"", "   ", "!?", "a*"} {
		if _, err := x.Search(ctx, index.SearchQuery{Words: words}); !errors.Is(err, index.ErrBadQuery) {
			t.Errorf("search %q: %v, want ErrBadQuery", words, err)
		}
	}
}
