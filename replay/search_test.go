package replay

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/warc"
)

// searchArchive is the story archive with article rows to search: three
// captures of one flood story (two alike), a frontière report, an article
// whose text holds markup, and 30 harvest reports to page through.
func searchArchive(t *testing.T) *fixture {
	t.Helper()
	f := storyArchive(t, Options{})
	var pages []index.Page
	add := func(u, ts, title, site, text string) {
		key, err := warc.SURT(u)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, index.Page{RecordID: fmt.Sprintf("<urn:uuid:%d>", len(pages)), URLKey: key, Timestamp: ts, URL: u,
			Filename: "warcs/2014/08/12/search.warc.gz", Offset: int64(len(pages)) * 1000,
			PageMeta: index.PageMeta{Title: title, SiteName: site, Text: text, Authors: []string{}}})
	}
	add("http://news.example/flood.html", "20140812093000", "River rises", "The Gazette", "The river rose overnight and servicemen filled sandbags.")
	add("http://news.example/flood.html", "20140813093000", "River rises", "The Gazette", "The river rose overnight and servicemen filled sandbags.")
	add("http://news.example/flood.html", "20150102030405", "River falls", "The Gazette", "The river fell; the servicemen went home.")
	add("http://blog.example.org/border", "20150301120000", "At the border", "", "The frontière closed at dawn.")
	add("http://evil.example/x", "20150301120000", `<b>Bold</b> title`, "", `Servicemen <img src=x onerror=alert(1)> here`)
	for i := range 30 {
		add(fmt.Sprintf("http://farm.example/%02d", i), "20160101000000", fmt.Sprintf("Harvest %d", i), "", "The harvest report.")
	}
	if err := f.idx.Add(context.Background(), nil, pages); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSearchBoxTellsURLsFromWords(t *testing.T) {
	for _, tc := range []struct {
		q   string
		url bool
	}{
		{"servicemen", false},
		{"river rises", false},
		{"front*", false},
		{"frontière", false},
		{"3.5", false},
		{"U.S.", false},
		{"e.g.", false},
		{"http://servicemen", true},
		{"https://news.example/story.html", true},
		{"example.com/x", true},
		{"example.com", true},
		{"news.example/*", true},
		{"www.bücher.de/", true},
		{"127.0.0.1:8080/a", true},
		{"localhost:8080", true},
		{"*.example.com", true},
		{"example.com/a b", false}, // a space: words
	} {
		if got := isURLQuery(tc.q); got != tc.url {
			t.Errorf("isURLQuery(%q) = %v, want %v", tc.q, got, tc.url)
		}
	}
}

func TestSearchPage(t *testing.T) {
	f := searchArchive(t)
	// A URL still goes to its calendar; words no longer do.
	if r := f.get(t, "/search?q=news.example/story.html"); r.Header.Get("Location") != "/web/*/news.example/story.html" {
		t.Errorf("a URL: Location %q", r.Header.Get("Location"))
	}
	r := f.get(t, "/search?q=servicemen")
	b := body(t, r)
	if r.StatusCode != 200 || r.Header.Get("Location") != "" {
		t.Fatalf("words: %d %q\n%s", r.StatusCode, r.Header.Get("Location"), b)
	}
	for _, want := range []string{
		`<a href="/web/20140813093000/http://news.example/flood.html">River rises</a>`, // the newest of the two alike
		`news.example · The Gazette`,
		`<time>2014-08-13 09:30:00 UTC</time>`,
		`<a href="/web/*/http://news.example/flood.html">all captures</a>`,
		`<mark>servicemen</mark> filled sandbags`,
		`Also in the captures of <a href="/web/20140812093000/http://news.example/flood.html">2014-08-12 09:30:00 UTC</a>`,
		`<a href="/web/20150102030405/http://news.example/flood.html">River falls</a>`,
		`Results 1–4 of 4 captures`,
		`&lt;b&gt;Bold&lt;/b&gt; title`, // titles and snippets escaped
		`&lt;img src=x onerror=alert(1)&gt;`,
	} {
		if !strings.Contains(b, want) {
			t.Errorf("results lack %s", want)
		}
	}
	if strings.Contains(b, "<img src=x") || strings.Contains(b, "<b>Bold") {
		t.Errorf("archived markup reached the results page")
	}
	if strings.Contains(b, `rel="next"`) || strings.Contains(b, `rel="prev"`) {
		t.Errorf("one page of results has paging links")
	}

	// Accents and prefixes.
	for _, q := range []string{"frontiere", "FRONTIÈRE", "front*"} {
		if b := body(t, f.get(t, "/search?q="+url.QueryEscape(q))); !strings.Contains(b, "At the border") {
			t.Errorf("%s does not find the frontière page", q)
		}
	}

	// Filters: site (and its subdomains) and dates from date inputs.
	b = body(t, f.get(t, "/search?q=servicemen&site=evil.example"))
	if strings.Contains(b, "River") || !strings.Contains(b, "Bold") || !strings.Contains(b, `value="evil.example"`) {
		t.Errorf("site filter:\n%s", b)
	}
	b = body(t, f.get(t, "/search?q=servicemen&from=2014-08-13&to=2014-12-31"))
	if !strings.Contains(b, "River rises") || strings.Contains(b, "River falls") || strings.Contains(b, "Also in") ||
		!strings.Contains(b, `value="2014-08-13"`) {
		t.Errorf("date filter:\n%s", b)
	}
	if b := body(t, f.get(t, "/search?q=servicemen&site=nowhere.example")); !strings.Contains(b, "No archived page holds these words on nowhere.example") {
		t.Errorf("no results:\n%s", b)
	}

	// Bad input is a clear 400, never an error of the database.
	for _, q := range []string{`"`, `*`, `(`} {
		r := f.get(t, "/search?q="+url.QueryEscape(q))
		if b := body(t, r); r.StatusCode != http.StatusBadRequest || !strings.Contains(b, "Type a URL, or words") {
			t.Errorf("%q: %d\n%s", q, r.StatusCode, b)
		}
	}
	if r := f.get(t, "/search?q=harvest&from=20x4"); r.StatusCode != http.StatusBadRequest {
		t.Errorf("bad date: %d", r.StatusCode)
	}
	if r := f.get(t, "/search?q=fr*"); r.StatusCode != http.StatusBadRequest || !strings.Contains(body(t, r), "needs at least 3 letters") {
		t.Errorf("short prefix: %d", r.StatusCode)
	}
	// Syntax of the search engine is taken for words.
	if r := f.get(t, "/search?q="+url.QueryEscape(`river OR NEAR(harvest`)); r.StatusCode != 200 || !strings.Contains(body(t, r), "No archived page holds") {
		t.Errorf("syntax in the words: %d", r.StatusCode)
	}
}

func TestSearchPageTurns(t *testing.T) {
	f := searchArchive(t)
	b := body(t, f.get(t, "/search?q=harvest&site=farm.example"))
	if n := strings.Count(b, "<li>"); n != 20 || !strings.Contains(b, "Results 1–20 of 30 captures") {
		t.Errorf("first page: %d results\n%s", n, b)
	}
	next := regexp.MustCompile(`<a rel="next" href="([^"]+)"`).FindStringSubmatch(b)
	if next == nil || strings.Contains(b, `rel="prev"`) {
		t.Fatalf("first page links:\n%s", b)
	}
	b = body(t, f.get(t, strings.ReplaceAll(next[1], "&amp;", "&")))
	if n := strings.Count(b, "<li>"); n != 10 || !strings.Contains(b, "Results 21–30 of 30 captures") ||
		!strings.Contains(b, `<ol class="search-results" start="21">`) || strings.Contains(b, `rel="next"`) ||
		!strings.Contains(b, `rel="prev" href="/search?q=harvest&amp;site=farm.example"`) {
		t.Errorf("second page: %d results\n%s", n, b)
	}
}
