package rewrite

import (
	"bytes"
	"strings"
	"testing"
	"testing/iotest"
)

func rewriteCSSString(t testing.TB, in string, oneByte bool) string {
	t.Helper()
	var out bytes.Buffer
	var r ioReader = strings.NewReader(in)
	if oneByte {
		r = iotest.OneByteReader(r)
	}
	if err := CSS(&out, r, testRewriter()); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestRewriteCSS(t *testing.T) {
	const (
		i = im + nd + "/"
		c = cs + nd + "/"
	)
	tests := []struct{ name, in, want string }{
		{"unquoted", `a{background:url(x.png)}`, `a{background:url(` + i + `x.png)}`},
		{"double quoted", `a{background:url("x.png")}`, `a{background:url("` + i + `x.png")}`},
		{"single quoted", `a{background:url('x.png')}`, `a{background:url('` + i + `x.png')}`},
		{"spaces inside", "a{b:url(  x.png\t)}", "a{b:url(  " + i + "x.png\t)}"},
		{"spaces around quoted", `a{b:url( "x.png" )}`, `a{b:url( "` + i + `x.png" )}`},
		{"upper case", `a{b:URL(x.png)}`, `a{b:URL(` + i + `x.png)}`},
		{"parent path", `a{b:url(../img/x.png)}`, `a{b:url(` + im + ne + `/2014/img/x.png)}`},
		{"two in a row", `a{b:url(x.png)url(y.png)}`, `a{b:url(` + i + `x.png)url(` + i + `y.png)}`},
		{"nested function", `a{b:c(url(x.png))}`, `a{b:c(url(` + i + `x.png))}`},
		{"font face", `@font-face{src:url(f.woff2) format("woff2"),url('f.woff') format('woff')}`,
			`@font-face{src:url(` + i + `f.woff2) format("woff2"),url('` + i + `f.woff') format('woff')}`},
		{"image-set", `a{b:image-set("x.png" 1x, 'y.png' 2x)}`, `a{b:image-set("` + i + `x.png" 1x, '` + i + `y.png' 2x)}`},
		{"webkit image-set", `a{b:-webkit-image-set(url(x.png) 1x)}`, `a{b:-webkit-image-set(url(` + i + `x.png) 1x)}`},

		{"import string", `@import "a.css";`, `@import "` + c + `a.css";`},
		{"import single quoted with media", `@import 'a.css' screen;`, `@import '` + c + `a.css' screen;`},
		{"import url", `@import url(a.css);`, `@import url(` + c + `a.css);`},
		{"import url quoted with layer", `@import url("a.css") layer(base);`, `@import url("` + c + `a.css") layer(base);`},
		{"import upper case", `@IMPORT "a.css";`, `@IMPORT "` + c + `a.css";`},
		{"import then rule", `@import "a.css"; a{b:url(x.png)}`, `@import "` + c + `a.css"; a{b:url(` + i + `x.png)}`},
		{"namespace", `@namespace svg url(http://www.w3.org/2000/svg); @namespace "http://x.example/";`,
			`@namespace svg url(http://www.w3.org/2000/svg); @namespace "http://x.example/";`},

		{"comment", `/* url(x.png) @import "a.css"; */a{}`, `/* url(x.png) @import "a.css"; */a{}`},
		{"unterminated comment", `a{} /* url(x.png)`, `a{} /* url(x.png)`},
		{"comment between", `a{b:/**/url(x.png)}`, `a{b:/**/url(` + i + `x.png)}`},
		{"string not a url", `a{content:"url(x.png)";font-family:"x.png"}`, `a{content:"url(x.png)";font-family:"x.png"}`},
		{"data", `a{b:url(data:image/png;base64,iVBOR==)}`, `a{b:url(data:image/png;base64,iVBOR==)}`},
		{"fragment", `a{fill:url(#grad)}`, `a{fill:url(#grad)}`},
		{"empty", `a{b:url()}a{b:url("")}`, `a{b:url()}a{b:url("")}`},
		{"bad url with space", `a{b:url(x y.png)}`, `a{b:url(x y.png)}`},
		{"bad url with quote", `a{b:url(x"y.png)} c{d:url(z.png)}`, `a{b:url(x"y.png)} c{d:url(` + i + `z.png)}`},
		{"bad string", "a{b:url(\"x.png\n)}", "a{b:url(\"x.png\n)}"},
		{"dimension", `a{b:12url(x.png)}`, `a{b:12url(x.png)}`},
		{"other ident", `a{b:-x-url(x.png) myurl(y.png)}`, `a{b:-x-url(x.png) myurl(y.png)}`},

		{"escaped paren", `a{b:url(a\)b.png)}`, `a{b:url(` + i + `a\)b.png)}`},
		{"escaped quote", `a{b:url("a\"b.png")}`, `a{b:url("` + i + `a\"b.png")}`},
		{"hex escape decoded", `a{b:url(\61 .png)}`, `a{b:url(` + i + `a.png)}`},
		{"non-ASCII escape stays an escape", `a{b:url(caf\e9.png)}`, `a{b:url(` + i + `caf\e9 .png)}`},
		{"line continuation", "@import \"a\\\nb.css\";", `@import "` + c + `ab.css";`},
		{"escaped url name", `a{b:u\72l(x.png)}`, `a{b:u\72l(` + i + `x.png)}`},
		{"raw latin-1 bytes kept", "a{b:url(caf\xe9.png)}", "a{b:url(" + i + "caf\xe9.png)}"},
		{"archived", `a{b:url(/web/2013im_/http://x.example/a.png)}`, `a{b:url(/web/2013im_/http://x.example/a.png)}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rewriteCSSString(t, tt.in, false); got != tt.want {
				t.Errorf("\n  in: %s\n got: %s\nwant: %s", tt.in, got, tt.want)
			}
			if got := rewriteCSSString(t, tt.in, true); got != tt.want {
				t.Errorf("read a byte at a time:\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

func TestRewriteCSSLongTokens(t *testing.T) {
	data := strings.Repeat("QUJD", 50000) // 200 KB of base64: beyond what is held back
	after := `.b{background:url(b.png)}`
	want := `.b{background:url(` + im + nd + `/b.png)}`
	for _, tt := range []struct{ name, token string }{
		{"unquoted url", `url(data:font/woff2;base64,` + data + `)`},
		{"quoted url", `url("data:font/woff2;base64,` + data + `")`},
		{"escape at a cut", `url("data:x,` + strings.Repeat(`\"`, 60000) + `")`},
		{"comment", `/* ` + data + ` */`},
		{"comment ending in a star", `/* ` + data + `**/`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := `@font-face{src:` + tt.token + `}` + after
			for _, oneByte := range []bool{false, true} {
				got := rewriteCSSString(t, in, oneByte)
				if wantAll := `@font-face{src:` + tt.token + `}` + want; got != wantAll {
					t.Errorf("one byte %v: the long token or what follows it changed (got %d bytes, ends %q)", oneByte, len(got), got[max(0, len(got)-80):])
				}
			}
		})
	}
}

// TestRewriteCSSAsExtractionFindsIt covers the inputs on which rewriting and extraction used to
// disagree (docs/decisions.md, "Issue 10: one scanner per grammar"): replay now rewrites what
// capture fetches.
func TestRewriteCSSAsExtractionFindsIt(t *testing.T) {
	const (
		i = im + nd + "/"
		c = cs + nd + "/"
	)
	for _, tt := range []struct{ name, in, want string }{
		{"src()", `a{b:src("x.png")}`, `a{b:src("` + i + `x.png")}`},
		{"string cut by the end", `@import "a.css`, `@import "` + c + `a.css`},
		{"empty url ends the @import", `@import url() "b.css";`, `@import url() "b.css";`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, oneByte := range []bool{false, true} {
				if got := rewriteCSSString(t, tt.in, oneByte); got != tt.want {
					t.Errorf("one byte %v:\n  in: %s\n got: %s\nwant: %s", oneByte, tt.in, got, tt.want)
				}
			}
		})
	}
}
