package extract

import (
	"net/url"
	"slices"
	"testing"
)

func TestExtractCSS(t *testing.T) {
	base, _ := url.Parse("https://news.example/static/css/site.css")
	tests := []struct {
		name string
		css  string
		want []string
	}{
		{"unquoted", `body{background:url(bg.png)}`, []string{"https://news.example/static/css/bg.png"}},
		{"double quoted", `a{b:url("img/a.png")}`, []string{"https://news.example/static/css/img/a.png"}},
		{"single quoted", `a{b:url('/a.png')}`, []string{"https://news.example/a.png"}},
		{"spaces inside url(", `a{b:url(  a.png  )}`, []string{"https://news.example/static/css/a.png"}},
		{"spaces around quoted", `a{b:url(  "a b.png"  )}`, []string{"https://news.example/static/css/a%20b.png"}},
		{"uppercase URL(", `a{b:URL(a.png)}`, []string{"https://news.example/static/css/a.png"}},
		{"escaped function name", `a{b:u\72l(a.png)}`, []string{"https://news.example/static/css/a.png"}},
		{"escapes in unquoted url", `a{b:url(a\(1\).png)}`, []string{"https://news.example/static/css/a(1).png"}},
		{"hex escape with space", `a{b:url("\61 .png")}`, []string{"https://news.example/static/css/a.png"}},
		{"hex escapes of either case", `a{b:url(\4A\6b .png)} c{d:url("\D800x.png")}`, []string{
			"https://news.example/static/css/Jk.png", "https://news.example/static/css/%EF%BF%BDx.png"}},
		{"escaped quote in string", `a{b:url("a\".png")}`, []string{"https://news.example/static/css/a%22.png"}},
		{"line continuation in string", "a{b:url(\"long\\\nname.png\")}", []string{"https://news.example/static/css/longname.png"}},
		{"comment hides url", `/* url(no.png) */ a{b:url(yes.png)}`, []string{"https://news.example/static/css/yes.png"}},
		{"comment inside value", `a{b:/*x*/url(yes.png)/*url(no.png)*/}`, []string{"https://news.example/static/css/yes.png"}},
		{"url( inside a string is text", `a{content:"url(no.png)"} b{c:url(yes.png)}`, []string{"https://news.example/static/css/yes.png"}},
		{"comment marker inside string", `a{content:"/*"} b{c:url(yes.png)} /* x */`, []string{"https://news.example/static/css/yes.png"}},
		{"import string", `@import "reset.css";`, []string{"https://news.example/static/css/reset.css"}},
		{"import single quoted with media", `@import 'print.css' print;`, []string{"https://news.example/static/css/print.css"}},
		{"import url", `@import url(fonts.css) screen;`, []string{"https://news.example/static/css/fonts.css"}},
		{"import url quoted", `@IMPORT url("x.css") layer(base) supports(display: grid);`, []string{"https://news.example/static/css/x.css"}},
		{"font face", `@font-face{font-family:"Serif";src:url(/f/serif.woff2) format("woff2"),url(/f/serif.woff) format("woff"),local("Serif")}`,
			[]string{"https://news.example/f/serif.woff2", "https://news.example/f/serif.woff"}},
		{"image-set strings", `a{b:image-set("a.png" 1x, url(b.png) 2x);c:-webkit-image-set('c.png' 1x)}`, []string{
			"https://news.example/static/css/a.png", "https://news.example/static/css/b.png", "https://news.example/static/css/c.png"}},
		{"namespace url not fetched", `@namespace svg url(http://www.w3.org/2000/svg); a{b:url(a.png)}`, []string{"https://news.example/static/css/a.png"}},
		{"data url skipped", `a{b:url(data:image/png;base64,AAAA)} c{d:url("DATA:x")}`, nil},
		{"bad url skipped", `a{b:url(a b.png)} c{d:url(ok.png)}`, []string{"https://news.example/static/css/ok.png"}},
		{"duplicates", `a{b:url(a.png)} c{d:url("a.png")} e{f:url(./a.png#x)}`, []string{"https://news.example/static/css/a.png"}},
		{"protocol relative", `a{b:url(//cdn.example/x.png)}`, []string{"https://cdn.example/x.png"}},
		{"number before url", `a{margin:12px;b:url(a.png)}`, []string{"https://news.example/static/css/a.png"}},
		{"dimension is not url", `a{b:12url(no.png)}`, nil},
		{"unterminated", `a{b:url(a.png`, []string{"https://news.example/static/css/a.png"}},
		{"unterminated comment", `a{b:url(a.png)} /* url(b.png)`, []string{"https://news.example/static/css/a.png"}},
		{"empty url", `a{b:url()} c{d:url("")}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CSS([]byte(tt.css), base)
			if !slices.Equal(got, tt.want) {
				t.Errorf("CSS(%q)\n got %q\nwant %q", tt.css, got, tt.want)
			}
		})
	}
}

func FuzzExtractCSS(f *testing.F) {
	for _, s := range []string{
		`@import url("a.css"); a{b:url(x.png)}`,
		`a{b:u\72l( "c\"d" ) image-set("e" 1x)}`,
		"/* unterminated", `url(`, `"\`, `\`, `@import`, `url(\`, "a{b:url(a\\\n)}",
	} {
		f.Add([]byte(s))
	}
	base, _ := url.Parse("http://example.org/a/b.css")
	f.Fuzz(func(t *testing.T, css []byte) {
		for _, u := range CSS(css, base) {
			if _, err := url.Parse(u); err != nil {
				t.Fatalf("CSS returned unparseable %q", u)
			}
		}
	})
}

// TestExtractCSSAsRewritingFindsIt covers the inputs on which extraction and rewriting used to
// disagree (docs/decisions.md, "Issue 10: one scanner per grammar"): capture now fetches what
// replay rewrites, and no more.
func TestExtractCSSAsRewritingFindsIt(t *testing.T) {
	base, _ := url.Parse("https://news.example/static/css/site.css")
	for _, tt := range []struct {
		name, css string
		want      []string
	}{
		{"bad string is no url", "a{b:url(\"no.png\n)} c{d:url(yes.png)}", []string{"https://news.example/static/css/yes.png"}},
		{"backslash at the end escapes U+FFFD", `a{b:url(x\`, []string{"https://news.example/static/css/x%EF%BF%BD"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := CSS([]byte(tt.css), base); !slices.Equal(got, tt.want) {
				t.Errorf("CSS(%q)\n got %q\nwant %q", tt.css, got, tt.want)
			}
		})
	}
}
