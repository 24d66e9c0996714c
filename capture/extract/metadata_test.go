package extract

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

const articleFixtureURL = "https://news.example/2024/03/05/river-flood-millford?utm_source=feed"

// metadataOf returns the metadata the crawler finds in page (ReadPage, from the tokenizer), and
// checks that MetadataOf finds the same in the parsed tree.
func metadataOf(t testing.TB, page string) Metadata {
	t.Helper()
	u := parseTestURL(t, articleFixtureURL)
	p, err := ReadPage([]byte(page), "", "text/html", u, true)
	if err != nil {
		t.Fatal(err)
	}
	md := p.Metadata()
	doc, err := ParseHTML([]byte(page), "text/html")
	if err != nil {
		t.Fatal(err)
	}
	tree := MetadataOf(doc, u)
	md.Outlinks, md.Requisites = nil, nil // MetadataOf leaves them to the caller
	if !reflect.DeepEqual(tree, md) {
		t.Errorf("metadata of ReadPage and of MetadataOf differ:\n ReadPage %+v\n tree     %+v", md, tree)
	}
	// A page beyond the bounds of a tree streams through the tokenizer, its article read from
	// a copy without scripts and styles: the same metadata must come out.
	sp := newPage(u)
	scan, err := scanTokens(strings.NewReader(page), true, sp.visit)
	if err != nil {
		t.Fatal(err)
	}
	sp.links, sp.article = sp.lw.links(u), scan.article.Bytes()
	streamed := sp.Metadata()
	streamed.Outlinks, streamed.Requisites = nil, nil
	if !reflect.DeepEqual(tree, streamed) {
		t.Errorf("metadata of the token stream and of the tree differ:\n tokens %+v\n tree   %+v", streamed, tree)
	}
	return tree
}

func TestExtractMetadataFixture(t *testing.T) {
	page, err := os.ReadFile("testdata/article.html")
	if err != nil {
		t.Fatal(err)
	}
	md := metadataOf(t, string(page))
	want := Metadata{
		Title:        "River flood forces hundreds from their homes in Millford", // JSON-LD beats og:title
		Authors:      []string{"Jane Doe", "Omar Haddad"},                        // @id reference, "By " prefix, duplicate
		Published:    "2024-03-05T07:30:00+01:00",
		SiteName:     "The Borderland Courier", // publisher reference beats the WebSite name
		CanonicalURL: "https://news.example/2024/03/05/river-flood-millford",
		Language:     "en-GB",
		Description:  "Emergency crews evacuated more than 400 residents of Millford after the River Wend burst its banks overnight, the worst flooding in the town for thirty years.",
		Image:        "https://cdn.courier.example/img/flood-1600.jpg", // the JSON-LD ImageObject
	}
	text := md.Text
	md.Text = ""
	if got, _ := json.Marshal(md); string(got) != string(mustJSON(json.Marshal(want))) {
		t.Errorf("metadata\n got %s\nwant %s", got, mustJSON(json.Marshal(want)))
	}

	paras := strings.Split(text, "\n\n")
	for _, p := range []string{
		"Emergency crews evacuated more than 400 residents of Millford overnight after the River Wend burst its banks, flooding the town centre and cutting the main road to the county hospital.",
		"“We heard the water coming before we saw it,” said Margaret Ellis, 72, who was taken by boat from her terraced house on Mill Lane. “By the time the firefighters knocked, it was already over the doorstep.”",
		"The flood comes two years after the government approved, but did not fund, a £14m scheme to raise the town's defences. Local MP Priya Shah said she would press ministers this week to release the money “before the next winter, not after the next disaster”.",
	} {
		if !slices.Contains(paras, p) {
			t.Errorf("text lacks the paragraph %q", p)
		}
	}
	if len(paras) < 6 {
		t.Errorf("text has %d paragraphs, want at least 6:\n%s", len(paras), text)
	}
	for _, boilerplate := range []string{"Privacy policy", "All rights reserved", "Related stories", "Subscribe today",
		"Politics", "Opinion", "Advertisement", "Share", "document.documentElement", "critical css"} {
		if strings.Contains(text, boilerplate) {
			t.Errorf("text contains boilerplate %q:\n%s", boilerplate, text)
		}
	}
	if strings.Contains(text, "\n\n\n") || strings.TrimSpace(text) != text {
		t.Errorf("text is not normalised: %q", text)
	}
}

func mustJSON[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// articleFiller is enough article text for readability to find a main content.
var articleFiller = "<article><p>" + strings.Repeat("The council met on Monday to discuss the new bridge over the river. ", 12) +
	"</p><p>" + strings.Repeat("Residents raised concerns about traffic and the cost of the project. ", 12) + "</p></article>"

func TestExtractMetadataSources(t *testing.T) {
	ld := func(s string) string { return `<script type="application/ld+json">` + s + `</script>` }
	tests := []struct {
		name string
		head string
		body string
		want Metadata // only the non-empty fields (and Authors when non-nil) are checked
	}{
		{"meta tags only",
			`<title>Bridge vote | Town Paper</title><meta property="og:title" content="Bridge vote delayed"><meta property="og:site_name" content="Town Paper">
			<meta name="author" content="Ann Lee"><meta name="author" content="Bo Chen"><meta property="article:published_time" content="2024-01-02">
			<link rel="canonical" href="/bridge"><meta name="description" content="The vote was delayed."><meta property="og:image" content="/i/b.jpg"><meta property="og:locale" content="fr_CA">`,
			articleFiller,
			Metadata{Title: "Bridge vote delayed", SiteName: "Town Paper", Authors: []string{"Ann Lee", "Bo Chen"}, Published: "2024-01-02T00:00:00Z",
				CanonicalURL: "https://news.example/bridge", Description: "The vote was delayed.", Image: "https://news.example/i/b.jpg", Language: "fr-CA"}},
		{"twitter and dublin core",
			`<meta name="twitter:title" content="Tw title"><meta name="DC.creator" content="By Dee Dee Ramone"><meta name="DC.date" content="2023-05-06T07:08:09+0200">
			<meta name="twitter:description" content="Tw desc"><meta name="twitter:image:src" content="//cdn.example/t.png"><meta name="dc.language" content="de">`,
			articleFiller,
			Metadata{Title: "Tw title", Authors: []string{"Dee Dee Ramone"}, Published: "2023-05-06T07:08:09+02:00", Description: "Tw desc",
				Image: "https://cdn.example/t.png", Language: "de"}},
		{"dublin core with colons, image_src, content-language",
			`<meta name="DCTERMS:title" content="DC title"><meta name="dcterms:created" content="2020-02-02T10:00:00Z"><link rel="image_src" href="/src.png">
			<meta http-equiv="Content-Language" content="nl">`,
			articleFiller,
			Metadata{Title: "DC title", Published: "2020-02-02T10:00:00Z", Image: "https://news.example/src.png", Language: "nl"}},
		{"title element through readability", `<title>Council delays the bridge vote again - Town Paper</title>`, articleFiller,
			Metadata{Title: "Council delays the bridge vote again"}},
		{"html lang beats og:locale", `<meta property="og:locale" content="en_US">`, articleFiller, Metadata{Language: "pt-BR"}},
		{"article:author url skipped, byline fallback", `<meta property="article:author" content="https://facebook.example/ann">`,
			`<p class="byline">By Ann Lee and Bo Chen</p>` + articleFiller, Metadata{Authors: []string{"Ann Lee", "Bo Chen"}}},
		{"itemprop time", ``, `<time itemprop="datePublished" datetime="2022-02-03T04:05">Feb 3</time>` + articleFiller,
			Metadata{Published: "2022-02-03T04:05:00Z"}},
		{"json-ld object with strings", ld(`{"@context":"https://schema.org","@type":"BlogPosting","headline":"LD &amp; title","author":"Cy Twombly",
			"datePublished":"2021-12-31T23:00:00-02:00","publisher":{"@type":"Organization","name":"Blog Co"},"image":["/a.jpg","/b.jpg"],"url":"https://news.example/p?id=1#x","inLanguage":"es"}`),
			articleFiller,
			Metadata{Title: "LD & title", Authors: []string{"Cy Twombly"}, Published: "2021-12-31T23:00:00-02:00", SiteName: "Blog Co",
				Image: "https://news.example/a.jpg", CanonicalURL: "https://news.example/p?id=1", Language: "es"}},
		{"json-ld array with type list and mainEntity", ld(`[{"@type":"BreadcrumbList"},{"@type":"WebPage","mainEntity":{"@type":["ReportageNewsArticle"],
			"name":"Named","author":[{"@type":"Person","name":"Al Pha"},{"@type":"Person","givenName":"Be","familyName":"Ta"},"Al Pha"],"image":{"@type":"ImageObject","contentUrl":"c.jpg"}}}]`),
			articleFiller, Metadata{Title: "Named", Authors: []string{"Al Pha", "Be Ta"}, Image: "https://news.example/2024/03/05/c.jpg"}},
		{"json-ld with raw newlines and cdata", ld("<![CDATA[{\"@type\":\"NewsArticle\",\"headline\":\"Line\none\",\"datePublished\":\"2020-01-01T00:00:00Z\"}]]>"),
			articleFiller, Metadata{Title: "Line one", Published: "2020-01-01T00:00:00Z"}},
		{"invalid json-ld falls back to meta", ld(`{"@type":"NewsArticle","headline":`) + `<meta property="og:title" content="OG">`, articleFiller,
			Metadata{Title: "OG"}},
		{"non-article json-ld ignored", ld(`{"@type":"Organization","name":"Org"}`) + `<meta property="og:site_name" content="Site">`, articleFiller,
			Metadata{SiteName: "Site"}},
		{"website name when no publisher", ld(`{"@graph":[{"@type":"WebSite","name":"The Site"},{"@type":"Article","headline":"H"}]}`), articleFiller,
			Metadata{Title: "H", SiteName: "The Site"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lang := ""
			if strings.Contains(tt.name, "html lang") {
				lang = ` lang="pt-BR"`
			}
			got := metadataOf(t, "<!DOCTYPE html><html"+lang+"><head>"+tt.head+"</head><body>"+tt.body+"</body></html>")
			check := func(field, got, want string) {
				if want != "" && got != want {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
			check("title", got.Title, tt.want.Title)
			check("published", got.Published, tt.want.Published)
			check("site_name", got.SiteName, tt.want.SiteName)
			check("canonical_url", got.CanonicalURL, tt.want.CanonicalURL)
			check("language", got.Language, tt.want.Language)
			check("description", got.Description, tt.want.Description)
			check("image", got.Image, tt.want.Image)
			if tt.want.Authors != nil && !slices.Equal(got.Authors, tt.want.Authors) {
				t.Errorf("authors = %q, want %q", got.Authors, tt.want.Authors)
			}
			if !strings.Contains(got.Text, "The council met on Monday") {
				t.Errorf("text = %q", got.Text)
			}
		})
	}
}

func TestRFC3339Date(t *testing.T) {
	tests := map[string]string{
		"2024-03-05T07:30:00+01:00":       "2024-03-05T07:30:00+01:00",
		"2024-03-05T07:30:00.123456Z":     "2024-03-05T07:30:00Z",
		"2024-03-05t07:30:00z":            "2024-03-05T07:30:00Z",
		"2024-03-05T07:30:00-0500":        "2024-03-05T07:30:00-05:00",
		"2024-03-05T07:30:00+01":          "2024-03-05T07:30:00+01:00",
		"2024-03-05T07:30+01:00":          "2024-03-05T07:30:00+01:00",
		"2024-03-05T07:30:00":             "2024-03-05T07:30:00Z",
		"2024-03-05T07:30":                "2024-03-05T07:30:00Z",
		"2024-03-05 07:30:00":             "2024-03-05T07:30:00Z",
		" 2024-03-05 ":                    "2024-03-05T00:00:00Z",
		"Tue, 05 Mar 2024 07:30:00 GMT":   "2024-03-05T07:30:00Z",
		"Tue, 5 Mar 2024 07:30:00 +0100":  "2024-03-05T07:30:00+01:00",
		"":                                "",
		"yesterday":                       "",
		"2024-13-01":                      "",
		"0001-01-01T00:00:00Z":            "",
		"2024-03-05T07:30:00+01:00 extra": "",
	}
	for in, want := range tests {
		if got := rfc3339Date(in); got != want {
			t.Errorf("rfc3339Date(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanAuthors(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
	}{
		{[]string{"  Jane   Doe ", "jane doe", "By Jane Doe"}, []string{"Jane Doe"}},
		{[]string{"BY: Omar Haddad"}, []string{"Omar Haddad"}},
		{[]string{"Byron Smith"}, []string{"Byron Smith"}},
		{[]string{"By Jane Doe and Omar Haddad"}, []string{"Jane Doe", "Omar Haddad"}},
		{[]string{"Ann Lee, Bo Chen & Cy Dee"}, []string{"Ann Lee", "Bo Chen", "Cy Dee"}},
		{[]string{"Doe, Jane"}, []string{"Doe, Jane"}},
		{[]string{"Reuters and AFP staff"}, []string{"Reuters and AFP staff"}},
		{[]string{"", "By", "https://news.example/authors/x", "Tom &amp; Jerry"}, []string{"By", "Tom & Jerry"}},
	}
	for _, tt := range tests {
		if got := cleanAuthors(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("cleanAuthors(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestExtractMetadataOddInput(t *testing.T) {
	deep := strings.Repeat(`{"a":[`, 400) + strings.Repeat(`]}`, 400)
	for _, page := range []string{
		"", "plain text", "<html><head></head></html>", "<frameset><frame src=x></frameset>",
		`<script type="application/ld+json">` + deep + `</script>`,
		`<script type="application/ld+json">{"@type":"NewsArticle","author":[null,1,{"@id":"x"},[["n"]]],"image":[{}],"headline":{"@value":["t"]},"publisher":[{"@id":"p"},"s"]}</script>`,
		`<script type="application/ld+json">{"@type":["Article",7],"@graph":{"@type":"Report"},"mainEntityOfPage":{"@id":7}}</script>`,
		`<svg><title>svg</title></svg><table><tr><td><p>` + strings.Repeat("cell ", 200) + `</table>`,
	} {
		doc, err := ParseHTML([]byte(page), "")
		if err != nil {
			t.Fatal(err)
		}
		MetadataOf(doc, nil)
	}
}

func BenchmarkExtractMetadata(b *testing.B) {
	page, err := os.ReadFile("testdata/article.html")
	if err != nil {
		b.Fatal(err)
	}
	u := parseTestURL(b, articleFixtureURL)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer() // MetadataOf mutates the tree: each round needs a fresh one
		doc, err := ParseHTML(page, "text/html")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		MetadataOf(doc, u)
	}
}

// BenchmarkReadPage is the crawler's whole read of a page: links and metadata (with article
// extraction) from its body as sent; compare with BenchmarkParseHTML + BenchmarkExtractLinks +
// BenchmarkExtractMetadata, the tree-walking path.
func BenchmarkReadPage(b *testing.B) {
	page, err := os.ReadFile("testdata/article.html")
	if err != nil {
		b.Fatal(err)
	}
	u := parseTestURL(b, articleFixtureURL)
	b.ReportAllocs()
	for b.Loop() {
		p, err := ReadPage(page, "", "text/html", u, true)
		if err != nil {
			b.Fatal(err)
		}
		p.Metadata()
	}
}
