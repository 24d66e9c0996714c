package rewrite

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
)

func init() {
	// Other test files of the package may define -update too; package variables are set before
	// any init runs, so looking it up here cannot race their definition.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "regenerate the golden files in testdata/")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// testInserts are inserts like the server's.
var testInserts = HTMLOptions{
	HeadInsert: []byte(`<script>window.__vellum={"prefix":"/web/","ts":"20140812093000","url":"http://news.example/2014/08/story.html"};</script><script src="/_vellum/runtime.js"></script>`),
	BodyInsert: []byte(`<!-- vellum banner -->`),
}

func TestRewriteHTMLGolden(t *testing.T) {
	in := readFixture(t, "article.html")
	got := rewriteString(t, in, testInserts, nil)
	golden := filepath.Join("testdata", "article.golden.html")
	if updateGolden() {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update and review the diff):\n%s", golden, firstDiff(got, string(want)))
	}
	if leaks := liveURLs(got); len(leaks) > 0 {
		t.Errorf("URLs left pointing at the live web:\n%s", strings.Join(leaks, "\n"))
	}
	// Beyond the inserts and URL heads, only the removed integrity attributes differ.
	stripped := strings.NewReplacer(string(testInserts.HeadInsert), "", string(testInserts.BodyInsert), "").Replace(got)
	if n := len(stripped) - len(in); n < 0 && !strings.Contains(in, "integrity") {
		t.Errorf("output is %d bytes shorter than input", -n)
	}
}

// firstDiff shows where two strings first differ.
func firstDiff(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-80)
	return "got:  …" + got[from:min(len(got), i+80)] + "\nwant: …" + want[from:min(len(want), i+80)]
}

// liveURLs returns the URLs in an HTML document that a browser would load from, or navigate to,
// outside the archive: URL attributes, srcset candidates, and url()s in style attributes and
// <style> elements.
func liveURLs(doc string) []string {
	var leaks []string
	check := func(where, u string) {
		u = strings.TrimSpace(u)
		switch {
		case u == "", strings.HasPrefix(u, "/web/"), strings.HasPrefix(u, "#"), strings.HasPrefix(u, "data:"),
			strings.HasPrefix(u, "javascript:"), strings.HasPrefix(u, "mailto:"), strings.HasPrefix(u, "/_vellum/"):
		default:
			leaks = append(leaks, where+": "+u)
		}
	}
	cssURL := regexp.MustCompile(`(?i)url\(\s*['"]?([^'")\s]*)`)
	cssComment := regexp.MustCompile(`(?s)/\*.*?(\*/|$)`)
	checkCSS := func(where, css string) {
		for _, m := range cssURL.FindAllStringSubmatch(cssComment.ReplaceAllString(css, ""), -1) {
			check(where, m[1])
		}
	}
	z := html.NewTokenizer(strings.NewReader(doc))
	inStyle := false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return leaks
		case html.TextToken:
			if inStyle {
				checkCSS("style", string(z.Text()))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			inStyle = tok.Data == "style"
			for _, a := range tok.Attr {
				where := tok.Data + " " + a.Key
				switch a.Key {
				case "src", "href", "poster", "background", "action", "formaction", "data-src", "data-lazy-src", "xlink:href":
					check(where, a.Val)
				case "data":
					if tok.Data == "object" {
						check(where, a.Val)
					}
				case "srcset", "data-srcset", "imagesrcset":
					for _, c := range strings.Split(a.Val, ",") {
						if f := strings.Fields(c); len(f) > 0 {
							check(where, f[0])
						}
					}
				case "style":
					checkCSS(where, a.Val)
				}
			}
		default:
			inStyle = false
		}
	}
}

func TestRewriteHTMLLatin1(t *testing.T) {
	// A latin-1 page: all its URLs are absolute, so rewriting may only insert archive URL heads.
	in := "<!DOCTYPE html>\n<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\">\n" +
		"<title>Caf\xe9 de la Gare \xe0 Z\xfcrich \xab ent\xeate \xbb</title>\n" +
		"<link rel=\"stylesheet\" href=\"http://latin.example/style.css\">\n" +
		"<style>h1 { background: url('http://latin.example/fond-\xe9t\xe9.png') } /* \xa9 */</style>\n" +
		"</head><body>\n<h1>R\xe9sum\xe9 des \xe9v\xe9nements</h1>\n" +
		"<p>Pr\xe8s de la <a href=\"http://latin.example/caf\xe9.html?q=cr\xe8me&amp;x=1\" title=\"\xc0 voir\">gare</a> \xa9 2014</p>\n" +
		"<img src='http://latin.example/photos/\xe9t\xe9.jpg' alt=\"\xc9t\xe9 \xe0 Z\xfcrich\">\n" +
		"<img src=http://latin.example/b\xe9b\xe9.jpg srcset=\"http://latin.example/a.jpg 1x, http://latin.example/b\xe9.jpg 2x\">\n" +
		"<div style=\"background:url(&quot;http://latin.example/fond.png&quot;)\">\xab citation \xbb</div>\n" +
		"<a href=\"http://latin.example/na&iuml;ve.html\">na&iuml;ve</a> <!-- fin \xe0 -->\n</body></html>\n"
	got := rewriteString(t, in, HTMLOptions{}, nil)
	if utf8.ValidString(got) {
		t.Error("the output was converted to UTF-8")
	}
	heads := regexp.MustCompile(`/web/` + testTS + `(?:[a-z]{2}_)?/`)
	if n := len(heads.FindAllString(got, -1)); n != 9 {
		t.Errorf("%d URLs rewritten, want 9:\n%s", n, got)
	}
	if stripped := heads.ReplaceAllString(got, ""); stripped != in {
		t.Errorf("beyond URL heads the output differs from the input:\n%s", firstDiff(stripped, in))
	}
	if leaks := liveURLs(got); len(leaks) > 0 {
		t.Errorf("URLs left pointing at the live web: %q", leaks)
	}
}

func TestRewriteHTMLDoesNotTouchCommentsScriptsAndText(t *testing.T) {
	in := readFixture(t, "article.html")
	got := rewriteString(t, in, HTMLOptions{}, nil)
	for _, part := range []string{
		`<!-- analytics fallback: <img src="https://stats.example/pixel.gif"> -->`,
		`<textarea name="body" rows="4" placeholder="Your comment"><a href="/not-a-link">stays as typed</a></textarea>`,
		`document.write('<script src="/js/polyfill.js"><\/script>');`,
		`/* the masthead background: url(/img/not-this-one.png) stays, it is a comment */`,
	} {
		if !strings.Contains(got, part) {
			t.Errorf("changed: %s", part)
		}
	}
	if !bytes.Contains([]byte(got), []byte(`format("woff2")`)) {
		t.Error("a CSS string that is no URL changed")
	}
}
