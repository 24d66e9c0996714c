package rewrite

import (
	"bytes"
	"strings"
	"testing"
	"testing/iotest"
)

// rewriteString runs HTML on in with the test rewriter, reading it through wrap.
func rewriteString(t testing.TB, in string, opts HTMLOptions, wrap func(*strings.Reader) ioReader) string {
	t.Helper()
	var out bytes.Buffer
	var r ioReader = strings.NewReader(in)
	if wrap != nil {
		r = wrap(strings.NewReader(in))
	}
	if err := HTML(&out, r, testRewriter(), opts); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

type ioReader interface{ Read([]byte) (int, error) }

// Short names for expected archive URLs of the test page http://news.example/2014/08/story.html.
const (
	tl = "/web/" + testTS + "/"        // top-level
	im = "/web/" + testTS + "im_/"     // images
	cs = "/web/" + testTS + "cs_/"     // stylesheets
	js = "/web/" + testTS + "js_/"     // scripts
	fr = "/web/" + testTS + "if_/"     // frames
	mp = "/web/" + testTS + "mp_/"     // other content
	nd = "http://news.example/2014/08" // the page's directory
	ne = "http://news.example"
)

var htmlRuleTests = []struct{ name, in, want string }{
	// Plain URL attributes, with their modifiers.
	{"a href", `<a href="x.html">`, `<a href="` + tl + nd + `/x.html">`},
	{"area href", `<area href="/m">`, `<area href="` + tl + ne + `/m">`},
	{"form action", `<form action="/search" method=get>`, `<form action="` + tl + ne + `/search" method=get>`},
	{"button formaction", `<button formaction="/b">`, `<button formaction="` + tl + ne + `/b">`},
	{"img src", `<img src="a.jpg">`, `<img src="` + im + nd + `/a.jpg">`},
	{"script src", `<script src="/app.js"></script>`, `<script src="` + js + ne + `/app.js"></script>`},
	{"iframe src", `<iframe src="//v.example/e"></iframe>`, `<iframe src="` + fr + `http://v.example/e"></iframe>`},
	{"frame src", `<frame src="f.html">`, `<frame src="` + fr + nd + `/f.html">`},
	{"embed src", `<embed src="m.swf">`, `<embed src="` + im + nd + `/m.swf">`},
	{"object data", `<object data="m.svg"></object>`, `<object data="` + im + nd + `/m.svg"></object>`},
	{"video", `<video src="v.mp4" poster="p.jpg"><source src="v.webm"><track src="c.vtt"></video>`,
		`<video src="` + im + nd + `/v.mp4" poster="` + im + nd + `/p.jpg"><source src="` + im + nd + `/v.webm"><track src="` + im + nd + `/c.vtt"></video>`},
	{"audio", `<audio src="a.mp3"></audio>`, `<audio src="` + im + nd + `/a.mp3"></audio>`},
	{"input image", `<input type="IMAGE" src="go.png">`, `<input type="IMAGE" src="` + im + nd + `/go.png">`},
	{"input text src untouched", `<input type="text" src="go.png">`, `<input type="text" src="go.png">`},
	{"backgrounds", `<body background="b.png"><table background="t.png"><tr><td background="d.png"><th background="h.png">`,
		`<body background="` + im + nd + `/b.png"><table background="` + im + nd + `/t.png"><tr><td background="` + im + nd + `/d.png"><th background="` + im + nd + `/h.png">`},
	{"div background untouched", `<div background="b.png">`, `<div background="b.png">`},
	{"svg image", `<svg><image href="i.png"/><image xlink:href="j.png"/></svg>`, `<svg><image href="` + im + nd + `/i.png"/><image xlink:href="` + im + nd + `/j.png"/></svg>`},
	{"svg use", `<svg><use xlink:href="/icons.svg#s"></use><use href="#local"></use></svg>`, `<svg><use xlink:href="` + im + ne + `/icons.svg#s"></use><use href="#local"></use></svg>`},
	{"svg a", `<svg><a xlink:href="/p"></a></svg>`, `<svg><a xlink:href="` + tl + ne + `/p"></a></svg>`},
	{"lazy", `<div data-src="l.jpg" data-lazy-src="m.jpg" data-srcset="n.jpg 2x">`,
		`<div data-src="` + im + nd + `/l.jpg" data-lazy-src="` + im + nd + `/m.jpg" data-srcset="` + im + nd + `/n.jpg 2x">`},
	{"og image", `<meta property="og:image" content="https://cdn.example/o.jpg">`, `<meta property="og:image" content="` + im + `https://cdn.example/o.jpg">`},
	{"twitter image", `<meta name="Twitter:Image" content="/t.jpg">`, `<meta name="Twitter:Image" content="` + im + ne + `/t.jpg">`},
	{"other meta untouched", `<meta property="og:url" content="/u">`, `<meta property="og:url" content="/u">`},

	// Links, by rel and as.
	{"stylesheet", `<link rel="stylesheet" href="s.css">`, `<link rel="stylesheet" href="` + cs + nd + `/s.css">`},
	{"alternate stylesheet", `<link rel="Alternate StyleSheet" href="s.css">`, `<link rel="Alternate StyleSheet" href="` + cs + nd + `/s.css">`},
	{"icon", `<link rel="shortcut icon" href="/favicon.ico">`, `<link rel="shortcut icon" href="` + im + ne + `/favicon.ico">`},
	{"touch icon", `<link rel=apple-touch-icon href=/t.png>`, `<link rel=apple-touch-icon href=` + im + ne + `/t.png>`},
	{"preload font", `<link rel="preload" href="/f.woff2" as="font" crossorigin>`, `<link rel="preload" href="` + im + ne + `/f.woff2" as="font" crossorigin>`},
	{"preload style", `<link rel="preload" href="/s.css" as="style">`, `<link rel="preload" href="` + cs + ne + `/s.css" as="style">`},
	{"preload script", `<link rel="preload" as="script" href="/p.js">`, `<link rel="preload" as="script" href="` + js + ne + `/p.js">`},
	{"preload image srcset", `<link rel="preload" as="image" href="/i.jpg" imagesrcset="/i.jpg 1x, /j.jpg 2x">`,
		`<link rel="preload" as="image" href="` + im + ne + `/i.jpg" imagesrcset="` + im + ne + `/i.jpg 1x, ` + im + ne + `/j.jpg 2x">`},
	{"preload fetch", `<link rel="preload" href="/d.json" as="fetch">`, `<link rel="preload" href="` + mp + ne + `/d.json" as="fetch">`},
	{"modulepreload", `<link rel="modulepreload" href="/m.js">`, `<link rel="modulepreload" href="` + js + ne + `/m.js">`},
	{"canonical", `<link rel="canonical" href="/c">`, `<link rel="canonical" href="` + tl + ne + `/c">`},

	// Attribute syntax: case, quotes, references, duplicates, self-closing tags.
	{"upper case", `<IMG SRC="a.jpg">`, `<IMG SRC="` + im + nd + `/a.jpg">`},
	{"unquoted", `<img src=a.jpg alt=x>`, `<img src=` + im + nd + `/a.jpg alt=x>`},
	{"unquoted at end", `<img src=a.jpg>`, `<img src=` + im + nd + `/a.jpg>`},
	{"single quotes", `<img src='a.jpg'>`, `<img src='` + im + nd + `/a.jpg'>`},
	{"spaces around =", `<img src = "a.jpg" >`, `<img src = "` + im + nd + `/a.jpg" >`},
	{"self-closing", `<img src="a.jpg"/><br/>`, `<img src="` + im + nd + `/a.jpg"/><br/>`},
	{"self-closing unquoted", `<img src=a.jpg />`, `<img src=` + im + nd + `/a.jpg />`},
	{"amp kept", `<a href="l.html?a=1&amp;b=2">`, `<a href="` + tl + nd + `/l.html?a=1&amp;b=2">`},
	{"bare amp kept", `<a href="l.html?a=1&b=2&copy=3">`, `<a href="` + tl + nd + `/l.html?a=1&b=2&copy=3">`},
	{"numeric reference kept", `<a href="&#47;x">`, `<a href="` + tl + ne + `&#47;x">`},
	{"references re-escaped when normalised", `<a href="./caf&eacute;.html?a=1&amp;b=&quot;">`, `<a href="` + tl + nd + `/caf&#xE9;.html?a=1&amp;b=&quot;">`},
	{"leading space", `<img src=" a.jpg">`, `<img src="` + im + nd + `/a.jpg">`},
	{"duplicate attribute", `<img src="a.jpg" src="b.jpg">`, `<img src="` + im + nd + `/a.jpg" src="b.jpg">`},
	{"no value", `<img src>`, `<img src>`},
	{"empty value", `<img src="">`, `<img src="">`},

	// Values that stay.
	{"fragment", `<a href="#top">`, `<a href="#top">`},
	{"javascript", `<a href="javascript:go()">`, `<a href="javascript:go()">`},
	{"data", `<img src="data:image/gif;base64,R0lGOD">`, `<img src="data:image/gif;base64,R0lGOD">`},
	{"mailto", `<a href="mailto:x@y.example">`, `<a href="mailto:x@y.example">`},
	{"archived", `<a href="/web/2013/http://x.example/">`, `<a href="/web/2013/http://x.example/">`},

	// Integrity.
	{"integrity removed", `<script src="/a.js" integrity="sha384-x" crossorigin="anonymous" defer></script>`, `<script src="` + js + ne + `/a.js" defer></script>`},
	{"integrity last", `<link rel=stylesheet href=/s.css integrity=sha-x>`, `<link rel=stylesheet href=` + cs + ne + `/s.css>`},
	{"crossorigin alone kept", `<script src="/a.js" crossorigin></script>`, `<script src="` + js + ne + `/a.js" crossorigin></script>`},
	{"integrity kept when url kept", `<script src="data:text/javascript,1" integrity="sha-x"></script>`, `<script src="data:text/javascript,1" integrity="sha-x"></script>`},

	// srcset.
	{"srcset", `<img srcset="a.jpg 1x, b.jpg?w=1,2 2x">`, `<img srcset="` + im + nd + `/a.jpg 1x, ` + im + nd + `/b.jpg?w=1,2 2x">`},
	{"picture", `<picture><source srcset="/w.webp 640w,/x.webp 1280w" sizes="100vw"><img src="y.jpg"></picture>`,
		`<picture><source srcset="` + im + ne + `/w.webp 640w,` + im + ne + `/x.webp 1280w" sizes="100vw"><img src="` + im + nd + `/y.jpg"></picture>`},
	{"srcset with references", `<img srcset="a.jpg?x=1&amp;y=2 1x">`, `<img srcset="` + im + nd + `/a.jpg?x=1&amp;y=2 1x">`},

	// base href: rewritten, and it resolves what follows.
	{"base", `<img src="a.jpg"><base href="https://cdn.example/dir/"><img src="b.jpg"><a href="/c">`,
		`<img src="` + im + nd + `/a.jpg"><base href="` + tl + `https://cdn.example/dir/"><img src="` + im + `https://cdn.example/dir/b.jpg"><a href="` + tl + `https://cdn.example/c">`},
	{"relative base", `<base href="../x/"><img src="b.jpg">`, `<base href="` + tl + ne + `/2014/x/"><img src="` + im + ne + `/2014/x/b.jpg">`},
	{"second base ignored", `<base href="/one/"><base href="/two/"><img src="b.jpg">`,
		`<base href="` + tl + ne + `/one/"><base href="` + tl + ne + `/two/"><img src="` + im + ne + `/one/b.jpg">`},
	{"base without href", `<base target="_blank"><img src="b.jpg">`, `<base target="_blank"><img src="` + im + nd + `/b.jpg">`},

	// meta refresh.
	{"refresh", `<meta http-equiv="refresh" content="5; url=/next">`, `<meta http-equiv="refresh" content="5; url=` + tl + ne + `/next">`},
	{"refresh upper quoted", `<meta HTTP-EQUIV="Refresh" content="0;URL='n.html'">`, `<meta HTTP-EQUIV="Refresh" content="0;URL='` + tl + nd + `/n.html'">`},
	{"refresh comma spaces", `<meta http-equiv=refresh content='3 , url = "n.html" '>`, `<meta http-equiv=refresh content='3 , url = "` + tl + nd + `/n.html" '>`},
	{"refresh no url=", `<meta http-equiv="refresh" content="1; n.html">`, `<meta http-equiv="refresh" content="1; ` + tl + nd + `/n.html">`},
	{"refresh time only", `<meta http-equiv="refresh" content="30">`, `<meta http-equiv="refresh" content="30">`},
	{"refresh fraction", `<meta http-equiv="refresh" content=".5;url=/n">`, `<meta http-equiv="refresh" content=".5;url=` + tl + ne + `/n">`},
	{"refresh without time", `<meta http-equiv="refresh" content="url=/n">`, `<meta http-equiv="refresh" content="url=/n">`},
	{"refresh with amp", `<meta http-equiv="refresh" content="0; url=/n?a=1&amp;b=2">`, `<meta http-equiv="refresh" content="0; url=` + tl + ne + `/n?a=1&amp;b=2">`},

	// CSS in style attributes and style elements.
	{"style attribute", `<div style="background: url(a.png) no-repeat">`, `<div style="background: url(` + im + nd + `/a.png) no-repeat">`},
	{"style attribute quotes", `<div style='background:url("a.png")'>`, `<div style='background:url("` + im + nd + `/a.png")'>`},
	{"style attribute references", `<div style="background:url(&quot;a.png&quot;)">`, `<div style="background:url(&quot;` + im + nd + `/a.png&quot;)">`},
	{"style element", `<style>@import "s.css"; .a { background: url( 'b.png' ) }</style>`, `<style>@import "` + cs + nd + `/s.css"; .a { background: url( '` + im + nd + `/b.png' ) }</style>`},
	{"style element comment", `<style>/* url(x.png) */ a{}</style>`, `<style>/* url(x.png) */ a{}</style>`},
	{"svg style", `<svg><style>.a{fill:url(#g)} .b{background:url(b.png)}</style></svg>`, `<svg><style>.a{fill:url(#g)} .b{background:url(` + im + nd + `/b.png)}</style></svg>`},

	// What passes through unchanged.
	{"script text", `<script>var s = "<img src='x.png'>"; u = "/a.js"</script>`, `<script>var s = "<img src='x.png'>"; u = "/a.js"</script>`},
	{"script escape", `<script><!-- document.write('<script src="x.js"></script>') --></script><img src=a.jpg>`,
		`<script><!-- document.write('<script src="x.js"></script>') --></script><img src=` + im + nd + `/a.jpg>`},
	{"textarea", `<textarea><img src="x.png"></textarea>`, `<textarea><img src="x.png"></textarea>`},
	{"title", `<title><a href=x></title>`, `<title><a href=x></title>`},
	{"comment", `<!-- <img src="x.png"> -->`, `<!-- <img src="x.png"> -->`},
	{"doctype", `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">`,
		`<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">`},
	{"end tag attributes", `</a href="x">`, `</a href="x">`},
	{"noscript rewritten", `<noscript><img src="n.png"></noscript>`, `<noscript><img src="` + im + nd + `/n.png"></noscript>`},
	{"unfinished tag", `<p>x<img src="a.jpg"`, `<p>x<img src="a.jpg"`},

	// Others.
	{"srcdoc", `<iframe srcdoc="&lt;img src=&quot;s.png&quot;&gt;"></iframe>`, `<iframe srcdoc="<img src=&quot;` + im + nd + `/s.png&quot;>"></iframe>`},
	{"meta csp renamed", `<meta http-equiv="Content-Security-Policy" content="default-src 'self'">`, `<meta http-equiv="x-archived-Content-Security-Policy" content="default-src 'self'">`},
}

func TestRewriteHTMLRules(t *testing.T) {
	for _, tt := range htmlRuleTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rewriteString(t, tt.in, HTMLOptions{}, nil); got != tt.want {
				t.Errorf("\n  in: %s\n got: %s\nwant: %s", tt.in, got, tt.want)
			}
			// Streaming: any split of the input gives the same output.
			if got := rewriteString(t, tt.in, HTMLOptions{}, func(r *strings.Reader) ioReader { return iotest.OneByteReader(r) }); got != tt.want {
				t.Errorf("read a byte at a time:\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

func TestRewriteHTMLNonASCIIFromReferences(t *testing.T) {
	// In a page whose raw bytes are ASCII, a non-ASCII character can only come from a reference:
	// when the value must be rewritten whole, it goes back as a reference, right in any charset.
	got := rewriteString(t, `<a href="../na&iuml;ve.html">`, HTMLOptions{}, nil)
	if want := `<a href="` + tl + ne + `/2014/na&#xEF;ve.html">`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// Raw non-ASCII bytes (here latin-1) stay bytes.
	got = rewriteString(t, "<a href=\"../na\xefve.html\">", HTMLOptions{}, nil)
	if want := "<a href=\"" + tl + ne + "/2014/na\xefve.html\">"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
