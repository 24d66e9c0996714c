package rewrite

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

const testTS = "20140812093000"

// testRewriter replays http://news.example/2014/08/story.html under /web/.
func testRewriter() *URLRewriter {
	return &URLRewriter{Prefix: "/web/", Timestamp: testTS, Base: mustParse("http://news.example/2014/08/story.html")}
}

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func readFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRewrite(t *testing.T) {
	const w = "/web/" + testTS
	tests := []struct {
		name, raw, mod, want string
	}{
		{"relative", "img/a.jpg", "im_", w + "im_/http://news.example/2014/08/img/a.jpg"},
		{"dot", "./a.jpg", "im_", w + "im_/http://news.example/2014/08/a.jpg"},
		{"parent", "../a.jpg", "im_", w + "im_/http://news.example/2014/a.jpg"},
		{"above root", "../../../../a.jpg", "im_", w + "im_/http://news.example/a.jpg"},
		{"dots inside", "a/./b/../c.jpg?x=../y", "im_", w + "im_/http://news.example/2014/08/a/c.jpg?x=../y"},
		{"trailing dotdot", "a/..", "", w + "/http://news.example/2014/08/"},
		{"root relative", "/css/site.css", "cs_", w + "cs_/http://news.example/css/site.css"},
		{"protocol relative", "//cdn.example/x.js", "js_", w + "js_/http://cdn.example/x.js"},
		{"absolute", "https://cdn.example/a.png", "im_", w + "im_/https://cdn.example/a.png"},
		{"absolute upper scheme", "HTTPS://cdn.example/a.png", "im_", w + "im_/https://cdn.example/a.png"},
		{"absolute dot segments", "http://a.example/x/../y", "", w + "/http://a.example/y"},
		{"absolute no path", "http://a.example", "", w + "/http://a.example"},
		{"absolute query", "http://a.example?q=1", "", w + "/http://a.example?q=1"},
		{"query only", "?page=2", "", w + "/http://news.example/2014/08/story.html?page=2"},
		{"query kept", "list.html?a=1&b=2", "", w + "/http://news.example/2014/08/list.html?a=1&b=2"},
		{"fragment kept", "other.html#part-2", "", w + "/http://news.example/2014/08/other.html#part-2"},
		{"absolute fragment", "http://a.example/b#frag", "", w + "/http://a.example/b#frag"},
		{"fragment only", "#top", "", "#top"},
		{"surrounding space", "  a.jpg\n", "im_", w + "im_/http://news.example/2014/08/a.jpg"},
		{"inner newline", "a\n.jpg", "im_", w + "im_/http://news.example/2014/08/a.jpg"},
		{"backslashes", `\\cdn.example\img\a.png`, "im_", w + "im_/http://cdn.example/img/a.png"},
		{"scheme relative to same scheme", "http:page.html", "", w + "/http://news.example/2014/08/page.html"},
		{"scheme with one slash", "https:/cdn.example/a", "", w + "/https://cdn.example/a"},
		{"non-ASCII kept", "caf\xe9.html?q=\xe9", "", w + "/http://news.example/2014/08/caf\xe9.html?q=\xe9"},
		{"empty", "", "im_", ""},
		{"spaces only", "   ", "im_", "   "},
		{"data", "data:image/gif;base64,R0lGOD==", "im_", "data:image/gif;base64,R0lGOD=="},
		{"javascript", "javascript:void(0)", "", "javascript:void(0)"},
		{"javascript upper", " JavaScript:alert(1)", "", " JavaScript:alert(1)"},
		{"blob", "blob:http://news.example/1234", "", "blob:http://news.example/1234"},
		{"about", "about:blank", "if_", "about:blank"},
		{"mailto", "mailto:desk@news.example", "", "mailto:desk@news.example"},
		{"tel", "tel:+441234", "", "tel:+441234"},
		{"other scheme", "ftp://files.example/a.zip", "", "ftp://files.example/a.zip"},
		{"websocket", "wss://live.example/feed", "", "wss://live.example/feed"},
		{"no host", "http://", "", "http://"},
		{"already archived", "/web/20140101000000im_/http://a.example/b.png", "im_", "/web/20140101000000im_/http://a.example/b.png"},
		{"colon in path", "a:b/c", "", "a:b/c"}, // a scheme "a", as browsers read it
		{"colon after slash", "./a:b", "", w + "/http://news.example/2014/08/a:b"},
		{"digit first is no scheme", "1a:b", "", w + "/http://news.example/2014/08/1a:b"},
	}
	u := testRewriter()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := u.Rewrite(tt.raw, tt.mod); got != tt.want {
				t.Errorf("Rewrite(%q, %q) = %q, want %q", tt.raw, tt.mod, got, tt.want)
			}
		})
	}
}

func TestRewriteAbsolutePrefix(t *testing.T) {
	u := &URLRewriter{Prefix: "http://127.0.0.1:8081/web/", Timestamp: testTS, Base: mustParse("https://news.example/a/b.html")}
	tests := []struct{ raw, want string }{
		{"c.png", "http://127.0.0.1:8081/web/" + testTS + "im_/https://news.example/a/c.png"},
		{"//cdn.example/d.png", "http://127.0.0.1:8081/web/" + testTS + "im_/https://cdn.example/d.png"},
		{"http://127.0.0.1:8081/web/2014im_/http://x.example/", "http://127.0.0.1:8081/web/2014im_/http://x.example/"},
		{"//127.0.0.1:8081/web/2014im_/http://x.example/", "//127.0.0.1:8081/web/2014im_/http://x.example/"},
		{"/web/2014im_/http://x.example/", "/web/2014im_/http://x.example/"},
	}
	for _, tt := range tests {
		if got := u.Rewrite(tt.raw, "im_"); got != tt.want {
			t.Errorf("Rewrite(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func TestRewriteWithoutUsableBase(t *testing.T) {
	for _, base := range []*url.URL{nil, mustParse("about:blank"), mustParse("file:///tmp/a.html")} {
		u := &URLRewriter{Prefix: "/web/", Timestamp: testTS, Base: base}
		if got := u.Rewrite("a.png", "im_"); got != "a.png" {
			t.Errorf("base %v: relative rewritten to %q", base, got)
		}
		if got, want := u.Rewrite("http://a.example/b.png", "im_"), "/web/"+testTS+"im_/http://a.example/b.png"; got != want {
			t.Errorf("base %v: absolute rewritten to %q, want %q", base, got, want)
		}
	}
}

func TestRewriteSrcset(t *testing.T) {
	const w = "/web/" + testTS + "im_/http://news.example/2014/08/"
	tests := []struct{ in, want string }{
		{"a.jpg", w + "a.jpg"},
		{"a.jpg 1x, b.jpg 2x", w + "a.jpg 1x, " + w + "b.jpg 2x"},
		{"a.jpg 400w,b.jpg 800w", w + "a.jpg 400w," + w + "b.jpg 800w"},
		{" a.jpg?w=1,2 1x ,\n b.jpg,c.jpg 2x ", " " + w + "a.jpg?w=1,2 1x ,\n " + w + "b.jpg,c.jpg 2x "}, // one URL: no space after its comma
		{"a.jpg,,, b.jpg", w + "a.jpg,,, " + w + "b.jpg"},
		{"a.jpg (max-width: 1px, foo) 1x, b.jpg", w + "a.jpg (max-width: 1px, foo) 1x, " + w + "b.jpg"},
		{"data:image/png;base64,AAA 1x, b.jpg 2x", "data:image/png;base64,AAA 1x, " + w + "b.jpg 2x"},
		{"data:image/svg+xml,a,b 1x", "data:image/svg+xml,a,b 1x"},
		{"", ""},
		{" , ", " , "},
	}
	u := testRewriter()
	for _, tt := range tests {
		if got := rewriteSrcset(tt.in, u, "im_"); got != tt.want {
			t.Errorf("rewriteSrcset(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}
