package extract

import (
	"bytes"
	"net/url"
	"os"
	"reflect"
	"slices"
	"testing"

	"golang.org/x/net/html"
)

func parseTestURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// linksOf returns the links the crawler finds in page (ReadPage, from the tokenizer), and checks
// that Links finds the same in the parsed tree.
func linksOf(t testing.TB, page string) PageLinks {
	t.Helper()
	u := parseTestURL(t, "https://news.example/world/story.html?id=7")
	p, err := ReadPage([]byte(page), "", "text/html; charset=utf-8", u, false)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := ParseHTML([]byte(page), "text/html; charset=utf-8")
	if err != nil {
		t.Fatal(err)
	}
	if tree := Links(doc, u); !reflect.DeepEqual(tree, p.Links()) {
		t.Errorf("links of the tree and of the token stream differ:\n tree   %q\n tokens %q", tree, p.Links())
	}
	return p.Links()
}

func TestExtractLinksRequisites(t *testing.T) {
	const d = "https://news.example/world/"
	tests := []struct {
		name string
		html string
		want []string
	}{
		{"img src", `<img src="a.jpg">`, []string{d + "a.jpg"}},
		{"img srcset", `<img src="a.jpg" srcset="a-2x.jpg 2x, /a-3x.jpg?w=1,2 3x">`, []string{d + "a.jpg", d + "a-2x.jpg", "https://news.example/a-3x.jpg?w=1,2"}},
		{"picture source", `<picture><source srcset="p.webp 1x" type="image/webp"><source src="p.avif"><img src="p.jpg"></picture>`, []string{d + "p.webp", d + "p.avif", d + "p.jpg"}},
		{"lazy attributes on any element", `<img data-src="l.jpg" data-srcset="l1.jpg 1x, l2.jpg 2x"><div data-lazy-src="/bg.jpg"></div>`, []string{d + "l.jpg", d + "l1.jpg", d + "l2.jpg", "https://news.example/bg.jpg"}},
		{"link stylesheet", `<link rel="stylesheet" href="s.css">`, []string{d + "s.css"}},
		{"link rel tokens", `<link rel="shortcut icon" href="/f.ico"><link rel="Apple-Touch-Icon" href="/t.png"><link rel=" preload " as=font href="/f.woff2"><link rel="modulepreload" href="/m.js"><link rel="alternate" href="/feed.xml"><link rel="canonical" href="/c">`, []string{"https://news.example/f.ico", "https://news.example/t.png", "https://news.example/f.woff2", "https://news.example/m.js"}},
		{"link imagesrcset", `<link rel="preload" as="image" imagesrcset="h1.jpg 1x, h2.jpg 2x">`, []string{d + "h1.jpg", d + "h2.jpg"}},
		{"script", `<script src="/app.js"></script><script>var x = "<img src=no.jpg>"</script>`, []string{"https://news.example/app.js"}},
		{"video and audio", `<video src="v.mp4" poster="v.jpg"><source src="v.webm"><track src="v.vtt"></video><audio src="a.mp3"><source src="a.ogg"></audio>`, []string{d + "v.mp4", d + "v.jpg", d + "v.webm", d + "v.vtt", d + "a.mp3", d + "a.ogg"}},
		{"frames and embeds", `<iframe src="//player.example/e/1"></iframe><embed src="e.swf"><object data="o.svg"></object>`, []string{"https://player.example/e/1", d + "e.swf", d + "o.svg"}},
		{"frameset", `<frameset><frame src="f.html"></frameset>`, []string{d + "f.html"}},
		{"input image only", `<input type="IMAGE" src="go.png"><input type="text" src="no.png">`, []string{d + "go.png"}},
		{"background attribute", `<body background="bg.gif"><table background="t.gif"><tr><td background="c.gif">x</td></tr></table></body>`, []string{d + "bg.gif", d + "t.gif", d + "c.gif"}},
		{"meta images", `<meta property="og:image" content="/og.jpg"><meta property="og:image:secure_url" content="/og-s.jpg"><meta name="twitter:image" content="https://cdn.example/tw.jpg"><meta property="twitter:image:src" content="/tw2.jpg"><meta property="og:title" content="no"><meta itemprop="x" name="og:image" content="/og-n.jpg">`, []string{"https://news.example/og.jpg", "https://news.example/og-s.jpg", "https://cdn.example/tw.jpg", "https://news.example/tw2.jpg", "https://news.example/og-n.jpg"}},
		{"inline style", `<div style="background-image: url('hero.jpg')">x</div>`, []string{d + "hero.jpg"}},
		{"style block", `<style>@import "print.css"; .a{background:url(/i/a.png)} @font-face{src:url(f.woff2)}</style>`, []string{d + "print.css", "https://news.example/i/a.png", d + "f.woff2"}},
		{"svg image", `<svg><image href="s1.png"/><image xlink:href="s2.png"/></svg>`, []string{d + "s1.png", d + "s2.png"}},
		{"uppercase tags and attributes", `<IMG SRC="U.JPG"><LINK REL="STYLESHEET" HREF="U.CSS">`, []string{d + "U.JPG", d + "U.CSS"}},
		{"entities", `<img src="a.jpg?x=1&amp;y=2"><img src="b&#46;jpg">`, []string{d + "a.jpg?x=1&y=2", d + "b.jpg"}},
		{"whitespace in values", "<img src=\"  a.jpg\n\"><img src=\"b\n.jpg\"><img src=\"c d.jpg\">", []string{d + "a.jpg", d + "b.jpg", d + "c%20d.jpg"}},
		{"query escaping", `<img src="q.jpg?a b&c=é">`, []string{d + "q.jpg?a%20b&c=%C3%A9"}},
		{"protocol relative", `<img src="//cdn.example/x.jpg">`, []string{"https://cdn.example/x.jpg"}},
		{"host normalised", `<img src="HTTPS://CDN.Example:443/x.jpg"><img src="http://cdn.example:80/y.jpg"><img src="http://bücher.example:8080/z.jpg">`, []string{"https://cdn.example/x.jpg", "http://cdn.example/y.jpg", "http://xn--bcher-kva.example:8080/z.jpg"}},
		{"backslashes", `<img src="\img\a.jpg?q=\x">`, []string{"https://news.example/img/a.jpg?q=\\x"}},
		{"stray percent", `<img src="100%.jpg">`, []string{d + "100%25.jpg"}},
		{"fragments and duplicates", `<img src="a.jpg"><img src="a.jpg#x"><img srcset="./a.jpg 2x"><link rel=icon href="a.jpg">`, []string{d + "a.jpg"}},
		{"skipped schemes", `<img src="data:image/png;base64,AAAA"><script src="javascript:void(0)"></script><img src="about:blank"><img src="blob:https://news.example/1"><img src="mailto:x@y"><img src=""><img src="  "><img src="ftp://x/y.png">`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := linksOf(t, tt.html)
			if !slices.Equal(got.Requisites, tt.want) {
				t.Errorf("requisites\n got %q\nwant %q", got.Requisites, tt.want)
			}
			if len(got.Outlinks) != 0 {
				t.Errorf("unexpected outlinks %q", got.Outlinks)
			}
		})
	}
}

func TestExtractLinksOutlinks(t *testing.T) {
	got := linksOf(t, `<a href="/politics/">Politics</a><a href="next.html#comments">Next</a>
		<map><area href="https://other.example/"></map><a href="mailto:desk@news.example">Mail</a>
		<a href="javascript:share()">Share</a><a>no href</a><a href="/politics/#top">again</a>
		<svg><a xlink:href="/svg-link">s</a></svg><a href="#top">Top</a><a href="?page=2">2</a>
		<img src="/politics/">`)
	want := []string{
		"https://news.example/politics/", "https://news.example/world/next.html", "https://other.example/",
		"https://news.example/svg-link", "https://news.example/world/story.html?id=7", "https://news.example/world/story.html?page=2",
	}
	if !slices.Equal(got.Outlinks, want) {
		t.Errorf("outlinks\n got %q\nwant %q", got.Outlinks, want)
	}
	if !slices.Equal(got.Requisites, []string{"https://news.example/politics/"}) {
		t.Errorf("an URL that is both a link and a requisite belongs to both lists: %q", got.Requisites)
	}
}

func TestExtractLinksBase(t *testing.T) {
	tests := []struct {
		name string
		html string
		want []string
	}{
		{"relative base", `<head><base href="/static/"></head><img src="a.jpg">`, []string{"https://news.example/static/a.jpg"}},
		{"base applies to earlier urls", `<img src="a.jpg"><base href="https://cdn.example/b/">`, []string{"https://cdn.example/b/a.jpg"}},
		{"first base with href wins", `<base target="_top"><base href="/one/"><base href="/two/"><img src="a.jpg">`, []string{"https://news.example/one/a.jpg"}},
		{"base applies to css", `<base href="//cdn.example/css/"><style>a{b:url(x.png)}</style>`, []string{"https://cdn.example/css/x.png"}},
		{"javascript base ignored", `<base href="javascript:alert(1)"><img src="a.jpg">`, []string{"https://news.example/world/a.jpg"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := linksOf(t, tt.html).Requisites; !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestExtractLinksFixture(t *testing.T) {
	page, err := os.ReadFile("testdata/article.html")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := ParseHTML(page, "text/html")
	if err != nil {
		t.Fatal(err)
	}
	var before, after bytes.Buffer
	if err := html.Render(&before, doc); err != nil {
		t.Fatal(err)
	}
	links := Links(doc, parseTestURL(t, articleFixtureURL))
	if err := html.Render(&after, doc); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before.Bytes(), after.Bytes()) {
		t.Error("Links changed the document")
	}
	if p, err := ReadPage(page, "", "text/html", parseTestURL(t, articleFixtureURL), false); err != nil || !reflect.DeepEqual(p.Links(), links) {
		t.Errorf("the token stream finds other links than the tree: %v\n%q", err, p.Links())
	}

	const site, cdn = "https://news.example", "https://cdn.courier.example"
	wantReq := []string{
		site + "/assets/css/main.css?v=3", cdn + "/fonts/serif.woff2", site + "/favicon.ico", site + "/apple-touch-icon.png",
		cdn + "/img/flood-1200.jpg", cdn + "/img/flood-tw.jpg", site + "/assets/img/masthead.svg", cdn + "/fonts/sans.woff2",
		cdn + "/js/analytics.js", site + "/assets/img/logo.svg", cdn + "/img/flood-800.webp", cdn + "/img/flood-1600.webp",
		cdn + "/img/flood-800.jpg", cdn + "/img/flood-1600.jpg", cdn + "/img/rescue-640.jpg", cdn + "/img/rescue-1280.jpg",
		site + "/assets/img/share-bg.png",
	}
	wantOut := []string{
		site + "/", site + "/news/", site + "/local/", site + "/politics/", site + "/business/", site + "/sport/", site + "/opinion/",
		site + "/authors/jane-doe", site + "/authors/omar-haddad",
		"https://social.example/share?u=https%3A%2F%2Fnews.example%2F2024%2F03%2F05%2Friver-flood-millford",
		site + "/2024/02/28/wend-defences-delay", site + "/2024/01/12/storm-henk-damage",
		site + "/about/", site + "/contact/", site + "/privacy/", site + "/terms/",
	}
	if !slices.Equal(links.Requisites, wantReq) {
		t.Errorf("requisites\n got %q\nwant %q", links.Requisites, wantReq)
	}
	if !slices.Equal(links.Outlinks, wantOut) {
		t.Errorf("outlinks\n got %q\nwant %q", links.Outlinks, wantOut)
	}
}

func TestExtractLinksNilPageURL(t *testing.T) {
	doc, _ := ParseHTML([]byte(`<img src="rel.jpg"><img src="https://a.example/x.jpg">`), "")
	got := Links(doc, nil)
	if want := []string{"https://a.example/x.jpg"}; !slices.Equal(got.Requisites, want) {
		t.Errorf("got %q, want %q", got.Requisites, want)
	}
}

func FuzzExtractLinks(f *testing.F) {
	for _, s := range []string{
		`<base href="/b/"><img src="a.jpg" srcset="a.jpg?w=1,2 1x, b.jpg 2x"><a href="x#y">x</a>`,
		`<style>@import url(x.css)</style><div style="background:url(&quot;q.png&quot;)">`,
		`<svg><image xlink:href="i.png"/></svg><meta property="og:image" content="//cdn/x">`,
		"<img src=\"http://[::1]:80/x\"><img src=\"http://%zz/\"><a href=\"http://a b/\">",
	} {
		f.Add([]byte(s))
	}
	page := parseTestURL(f, "https://news.example/a/b")
	f.Fuzz(func(t *testing.T, body []byte) {
		doc, err := ParseHTML(body, "")
		if err != nil {
			return
		}
		links := Links(doc, page)
		for _, u := range append(links.Requisites, links.Outlinks...) {
			if _, err := url.Parse(u); err != nil {
				t.Fatalf("unparseable %q", u)
			}
		}
		MetadataOf(doc, page) // the crawler's order; must not panic either
		p, err := ReadPage(body, "", "", page, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range append(p.Links().Requisites, p.Links().Outlinks...) {
			if _, err := url.Parse(u); err != nil {
				t.Fatalf("unparseable %q from the token stream", u)
			}
		}
		p.Metadata()
	})
}

func BenchmarkExtractLinks(b *testing.B) {
	page, err := os.ReadFile("testdata/article.html")
	if err != nil {
		b.Fatal(err)
	}
	doc, err := ParseHTML(page, "text/html")
	if err != nil {
		b.Fatal(err)
	}
	u := parseTestURL(b, articleFixtureURL)
	b.ReportAllocs()
	for b.Loop() {
		Links(doc, u)
	}
}
