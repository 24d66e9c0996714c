package index_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/warc"
)

// article is a page row of the search fixtures.
func article(t testing.TB, file string, offset int64, url, ts, title, text string) index.Page {
	t.Helper()
	key, err := warc.SURT(url)
	if err != nil {
		t.Fatal(err)
	}
	return index.Page{RecordID: fmt.Sprintf("<urn:uuid:%s-%d>", file, offset), URLKey: key, Timestamp: ts, URL: url,
		Filename: file, Offset: offset, PageMeta: index.PageMeta{Title: title, Text: text, Authors: []string{}}}
}

const fixtureFile = "warcs/2014/08/12/r-00000.warc.gz"

// searchFixtures are news articles of three sites over two years.
func searchFixtures(t testing.TB) []index.Page {
	return []index.Page{
		article(t, fixtureFile, 0, "http://news.example/2014/border.html", "20140812093000", "Border town waits",
			"The frontière at the river closed on Tuesday. Farmers waited at the gate with their cattle."),
		article(t, fixtureFile, 1000, "http://blog.example.org/frontier", "20150301120000", "Frontier spirit",
			"A frontiere written without its accent, and a river crossing."),
		article(t, fixtureFile, 2000, "http://live.news.example/flood", "20150612080000", "Flood",
			`The river rose overnight. <script>alert("x")</script> Servicemen & volunteers filled sandbags.`),
		article(t, fixtureFile, 3000, "http://othernews.example/frontal", "20140901000000", "Weather",
			"A frontal system brings rain to the valley."),
	}
}

func searchIndex(t *testing.T, pages []index.Page) *index.Index {
	t.Helper()
	idx := open(t, t.TempDir())
	if err := idx.Add(context.Background(), nil, pages); err != nil {
		t.Fatal(err)
	}
	return idx
}

func search(t *testing.T, idx *index.Index, q index.SearchQuery) index.SearchResults {
	t.Helper()
	res, err := idx.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	return res
}

func hitURLs(res index.SearchResults) []string {
	var urls []string
	for _, h := range res.Hits {
		urls = append(urls, h.Page.URL)
	}
	return urls
}

func TestSearchFindsWordsExactlyOrByPrefix(t *testing.T) {
	idx := searchIndex(t, searchFixtures(t))
	const (
		border  = "http://news.example/2014/border.html"
		blog    = "http://blog.example.org/frontier"
		flood   = "http://live.news.example/flood"
		frontal = "http://othernews.example/frontal"
	)
	for _, tc := range []struct {
		words string
		want  []string
	}{
		{"frontière", []string{blog, border}}, // the accent-less spelling is in blog's title too: it ranks first
		{"frontiere", []string{blog, border}}, // and the reverse
		{"FRONTIÈRE", []string{blog, border}}, // case folded
		{"frontier", []string{blog}},          // no stemming: "frontier" is not "frontière"
		{"front*", []string{blog, border, frontal}},
		{"wait", nil}, // nor "waits" or "waited"
		{"waited", []string{border}},
		{"river closed", []string{border}}, // every word
		{"river", []string{border, blog, flood}},
		{"servicemen", []string{flood}},
		{"Flood", []string{flood}}, // the title is searched
	} {
		res := search(t, idx, index.SearchQuery{Words: tc.words})
		got := hitURLs(res)
		slices.Sort(got)
		want := slices.Clone(tc.want)
		slices.Sort(want)
		if !slices.Equal(got, want) || res.Total != len(tc.want) {
			t.Errorf("%q finds %v (Total %d), want %v", tc.words, hitURLs(res), res.Total, tc.want)
		}
	}
}

// A word in a title counts for more than the same word in a text.
func TestSearchRanksTitleAboveText(t *testing.T) {
	idx := searchIndex(t, []index.Page{
		article(t, fixtureFile, 0, "http://news.example/text", "20140812093000", "Storm warning",
			"The harbour closed. Boats stayed in. The harbour master spoke."),
		article(t, fixtureFile, 1000, "http://news.example/title", "20140812093000", "Harbour",
			"Boats stayed in as the storm came. A warning was given to all."),
	})
	res := search(t, idx, index.SearchQuery{Words: "harbour"})
	if got := hitURLs(res); len(got) != 2 || got[0] != "http://news.example/title" {
		t.Errorf("harbour: %v, want the page titled Harbour first", got)
	}
}

// Whatever the user types, FTS5 syntax in it is taken for words: it never
// makes the query fail nor changes what it means.
func TestSearchTakesSyntaxForWords(t *testing.T) {
	idx := searchIndex(t, searchFixtures(t))
	for _, tc := range []struct {
		words string
		want  int
	}{
		{`river OR flood`, 0},      // "or" is a word no page holds: not OR
		{`title:flood`, 0},         // a phrase "title flood", not a column filter
		{`-river`, 3},              // the word river, not NOT
		{`NEAR(river rose)`, 0},    // the words near, river, rose
		{`"river`, 3},              // an unbalanced quote
		{`river"`, 3},              //
		{`"river rose"`, 1},        // words, each on its own: flood has both
		{`^river`, 3},              // not "at the start of a column"
		{`river AND`, 1},           // the word "and": blog holds it
		{`{title text}: river`, 0}, //
		{`rose+overnight`, 1},      // one phrase of two words
		{`r*ver`, 0},               // a star inside a word is no wildcard
		{`river**`, 3},             //
		{`servicemen & volunteers`, 1},
	} {
		res, err := idx.Search(context.Background(), index.SearchQuery{Words: tc.words})
		if err != nil {
			t.Errorf("%q: %v", tc.words, err)
			continue
		}
		if res.Total != tc.want {
			t.Errorf("%q finds %d pages %v, want %d", tc.words, res.Total, hitURLs(res), tc.want)
		}
	}
	for _, words := range []string{"", "   ", `"`, `*`, `-`, `:`, `^`, `(`, `NEAR(`[4:], `" * - : ^ ( ) + {}`} {
		if _, err := idx.Search(context.Background(), index.SearchQuery{Words: words}); !errors.Is(err, index.ErrBadQuery) {
			t.Errorf("%q: %v, want ErrBadQuery", words, err)
		}
	}
}

// The snippet is the text escaped, with the matched words marked: the
// archived text cannot put markup in the results page.
func TestSearchSnippetIsEscapedAndMarked(t *testing.T) {
	pages := searchFixtures(t)
	pages = append(pages, article(t, fixtureFile, 9000, "http://news.example/markers", "20140812093000", "Markers",
		"Stray \x02 markers \x03\x03 in archived text \x02 about sandbags"))
	idx := searchIndex(t, pages)
	res := search(t, idx, index.SearchQuery{Words: "script servicemen"})
	if len(res.Hits) != 1 {
		t.Fatalf("hits %v", hitURLs(res))
	}
	s := res.Hits[0].Snippet
	for _, want := range []string{`&lt;<mark>script</mark>&gt;alert(&#34;x&#34;)&lt;/<mark>script</mark>&gt;`, `<mark>Servicemen</mark> &amp; volunteers`} {
		if !strings.Contains(s, want) {
			t.Errorf("snippet %q lacks %q", s, want)
		}
	}
	if strings.Contains(s, "<script") {
		t.Errorf("snippet %q holds markup of the archived text", s)
	}
	res = search(t, idx, index.SearchQuery{Words: "sandbags markers"})
	for _, h := range res.Hits {
		if strings.Count(h.Snippet, "<mark>") != 2 || strings.Count(h.Snippet, "</mark>") != 2 ||
			strings.Contains(h.Snippet, "<mark><mark>") {
			t.Errorf("snippet %q: unbalanced marks", h.Snippet)
		}
	}
}

func TestSearchFiltersBySiteAndDate(t *testing.T) {
	idx := searchIndex(t, searchFixtures(t))
	for _, tc := range []struct {
		q    index.SearchQuery
		want []string
	}{
		// The host and its subdomains, not othernews.example.
		{index.SearchQuery{Words: "the", Site: "news.example"}, []string{"http://live.news.example/flood", "http://news.example/2014/border.html"}},
		{index.SearchQuery{Words: "the", Site: "https://www.news.example/x"}, []string{"http://live.news.example/flood", "http://news.example/2014/border.html"}},
		{index.SearchQuery{Words: "the", Site: "live.news.example"}, []string{"http://live.news.example/flood"}},
		{index.SearchQuery{Words: "a", Site: "example.org"}, []string{"http://blog.example.org/frontier"}},
		{index.SearchQuery{Words: "a", Site: "example.org:8080"}, nil},
		// Dates padded: 2014 is the whole year, from its first second to its last.
		{index.SearchQuery{Words: "the", From: "2015"}, []string{"http://live.news.example/flood"}},
		{index.SearchQuery{Words: "the", To: "2014"}, []string{"http://news.example/2014/border.html", "http://othernews.example/frontal"}},
		{index.SearchQuery{Words: "the", From: "20140812093000", To: "20140812093000"}, []string{"http://news.example/2014/border.html"}},
		{index.SearchQuery{Words: "the", From: "201409", To: "201506"}, []string{"http://live.news.example/flood", "http://othernews.example/frontal"}},
		{index.SearchQuery{Words: "the", Site: "news.example", To: "2014"}, []string{"http://news.example/2014/border.html"}},
	} {
		got := hitURLs(search(t, idx, tc.q))
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.q, got, tc.want)
		}
	}
	for _, q := range []index.SearchQuery{{Words: "the", From: "20x4"}, {Words: "the", To: "201412311200001"}, {Words: "the", Site: "http://"}} {
		if _, err := idx.Search(context.Background(), q); !errors.Is(err, index.ErrBadQuery) {
			t.Errorf("%+v: %v, want ErrBadQuery", q, err)
		}
	}
}

func TestSearchPagesAndCounts(t *testing.T) {
	var pages []index.Page
	for i := range 25 {
		pages = append(pages, article(t, fixtureFile, int64(i)*1000, fmt.Sprintf("http://news.example/%02d", i),
			"20140812093000", fmt.Sprintf("Harvest report %d", i), "The harvest came in early this year."))
	}
	idx := searchIndex(t, pages)
	seen := map[string]bool{}
	for _, page := range []struct{ offset, hits int }{{0, 10}, {10, 10}, {20, 5}, {30, 0}} {
		res := search(t, idx, index.SearchQuery{Words: "harvest", Limit: 10, Offset: page.offset})
		if res.Total != 25 || res.More || len(res.Hits) != page.hits {
			t.Errorf("offset %d: %d hits of %d (more %v), want %d of 25", page.offset, len(res.Hits), res.Total, res.More, page.hits)
		}
		for _, h := range res.Hits {
			if seen[h.Page.URL] {
				t.Errorf("%s on two pages of results", h.Page.URL)
			}
			seen[h.Page.URL] = true
		}
	}
	if len(seen) != 25 {
		t.Errorf("%d pages seen over the pages of results, want 25", len(seen))
	}
	if res := search(t, idx, index.SearchQuery{Words: "harvest"}); len(res.Hits) != 20 {
		t.Errorf("default limit: %d hits, want 20", len(res.Hits))
	}

	// Past MaxSearchTotal the count stops: Total is the cap and More says so.
	var many []index.Page
	for i := range index.MaxSearchTotal + 1 {
		many = append(many, article(t, "warcs/2014/08/12/r-00001.warc.gz", int64(i)*1000, fmt.Sprintf("http://news.example/crop/%d", i),
			"20140813093000", "Crops", "The harvest again."))
	}
	if err := idx.Add(context.Background(), nil, many); err != nil {
		t.Fatal(err)
	}
	for _, page := range []struct{ offset, hits int }{{0, 20}, {index.MaxSearchTotal - 10, 10}, {index.MaxSearchTotal, 0}} {
		res := search(t, idx, index.SearchQuery{Words: "harvest", Offset: page.offset})
		if res.Total != index.MaxSearchTotal || !res.More || len(res.Hits) != page.hits {
			t.Errorf("offset %d: %d hits of %d (more %v), want %d of %d and more", page.offset, len(res.Hits), res.Total, res.More,
				page.hits, index.MaxSearchTotal)
		}
	}
	// With a filter, fewer match: counted in full again.
	if res := search(t, idx, index.SearchQuery{Words: "harvest", To: "20140812"}); res.Total != 25 || res.More {
		t.Errorf("harvest to 20140812: %d (more %v), want 25", res.Total, res.More)
	}
}

// Every capture of a URL whose text holds the words is a hit; captures with
// the same text come together, the newest first.
func TestSearchShowsEveryCaptureNewestFirst(t *testing.T) {
	idx := searchIndex(t, []index.Page{
		article(t, fixtureFile, 0, "http://news.example/story", "20140812093000", "Story", "The dam held."),
		article(t, fixtureFile, 1000, "http://news.example/story", "20140813093000", "Story", "The dam held."),
		article(t, fixtureFile, 2000, "http://news.example/story", "20140814093000", "Story", "The dam broke."),
	})
	var got []string
	for _, h := range search(t, idx, index.SearchQuery{Words: "dam held"}).Hits {
		got = append(got, h.Page.Timestamp)
	}
	if want := []string{"20140813093000", "20140812093000"}; !slices.Equal(got, want) {
		t.Errorf("captures found %v, want %v", got, want)
	}
}

// The full-text index follows every way a page row comes and goes: rows
// replaced, rows of a file indexed anew or dropped, rows held apart by the
// Batcher while their file is written.
func TestSearchFollowsPageRows(t *testing.T) {
	root := t.TempDir()
	idx := open(t, root)
	ctx := context.Background()
	count := func(words string) int { return search(t, idx, index.SearchQuery{Words: words}).Total }
	p := article(t, fixtureFile, 0, "http://news.example/story", "20140812093000", "Story", "The dam held.")
	for range 2 { // the same row twice: one row, found once
		if err := idx.Add(ctx, nil, []index.Page{p}); err != nil {
			t.Fatal(err)
		}
	}
	if n := count("dam"); n != 1 {
		t.Errorf("dam: %d pages, want 1", n)
	}
	p.Text = "The dam broke."
	if err := idx.Add(ctx, nil, []index.Page{p}); err != nil { // replaced
		t.Fatal(err)
	}
	if count("held") != 0 || count("broke") != 1 {
		t.Errorf("after the replace: held %d, broke %d; want 0, 1", count("held"), count("broke"))
	}
	if err := idx.ReplaceFile(ctx, fixtureFile, nil, nil); err != nil {
		t.Fatal(err)
	}
	if n := count("broke"); n != 0 {
		t.Errorf("the file's rows are gone, yet broke finds %d", n)
	}

	const writing = "warcs/2014/08/12/r-00002.warc.gz"
	bt := idx.NewBatcher()
	bt.FileOpened(writing)
	bt.Add(nil, []index.Page{article(t, writing, 0, "http://news.example/held", "20140812093000", "Held", "Quarantined words.")})
	bt.Add(nil, []index.Page{article(t, fixtureFile, 0, "http://news.example/straight", "20140812093000", "Straight", "Direct words.")})
	deadline := time.Now().Add(time.Minute)
	for count("direct") == 0 { // the batcher writes within FlushInterval
		if time.Now().After(deadline) {
			t.Fatal("a finished file's row never found")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := count("quarantined"); n != 0 {
		t.Errorf("a row of a file being written is found (%d)", n)
	}
	bt.FileClosed(writing)
	if err := bt.Close(); err != nil {
		t.Fatal(err)
	}
	if count("quarantined") != 1 || count("words") != 2 {
		t.Errorf("after the file's close: quarantined %d, words %d; want 1, 2", count("quarantined"), count("words"))
	}

	// A remote WARC's pages, imported with its CDXJ file, and imported again.
	const remote = "warcs/2014/08/13/remote-00000.warc.gz"
	for _, text := range []string{"Imported words.", "Imported again."} {
		if err := idx.ImportCDXJ(ctx, "warcs/2014/08/13/remote-00000.cdxj", 100, remote, nil,
			[]index.Page{article(t, remote, 0, "http://news.example/remote", "20140813093000", "Remote", text)}); err != nil {
			t.Fatal(err)
		}
	}
	if count("imported") != 1 || count("again") != 1 {
		t.Errorf("remote pages: imported %d, again %d; want 1, 1", count("imported"), count("again"))
	}
	checkSearchIntegrity(t, root)
}

// checkSearchIntegrity has FTS5 compare its index with the page rows.
func checkSearchIntegrity(t *testing.T, root string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(root, layout.IndexFile)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO page_search (page_search, rank) VALUES ('integrity-check', 1)`); err != nil {
		t.Errorf("full-text index out of step with the pages: %v", err)
	}
}

// An index made before full-text search gets it, filled, when opened.
func TestOpenFillsTheSearchOfAnOlderIndex(t *testing.T) {
	root := t.TempDir()
	ctx := context.Background()
	idx, err := index.Open(ctx, filepath.Join(root, layout.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.Add(ctx, nil, searchFixtures(t)); err != nil {
		t.Fatal(err)
	}
	idx.Close()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(root, layout.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER pages_search_before`, `DROP TRIGGER pages_search_inserted`, `DROP TRIGGER pages_search_deleted`,
		`DROP TRIGGER pages_search_updated`, `DROP TABLE page_search`, `DROP VIEW page_search_content`, `DROP TABLE page_docs`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	idx = open(t, root)
	if res := search(t, idx, index.SearchQuery{Words: "frontiere"}); res.Total != 2 {
		t.Errorf("frontiere finds %v in the migrated index, want 2 pages", hitURLs(res))
	}
	checkSearchIntegrity(t, root)
}

// Rebuild makes the full-text index again with the pages: each found once.
func TestRebuildFillsTheSearch(t *testing.T) {
	root := t.TempDir()
	writeArchive(t, root)
	idx := open(t, root)
	for range 2 {
		if _, err := idx.Rebuild(context.Background(), root); err != nil {
			t.Fatal(err)
		}
		res := search(t, idx, index.SearchQuery{Words: "hello"})
		if res.Total != 1 || len(res.Hits) != 1 || res.Hits[0].Page.URL != "http://news.example/story.html" || res.Hits[0].Page.Title != "Hello" {
			t.Errorf("hello after Rebuild: %+v", res)
		}
	}
	checkSearchIntegrity(t, root)
}
