package extract

import (
	"net/url"
	"strings"
	"testing"
)

func TestScriptHints(t *testing.T) {
	u, _ := url.Parse("http://127.0.0.1/")
	for _, tc := range []struct {
		name, html string
		want       ScriptHints
	}{
		{"static article", `<title>A</title><article><p>Words.</p></article>`, ScriptHints{}},
		{"app root", `<div id="root"></div><script src="/app.js"></script><script type="module">x()</script>`, ScriptHints{Scripts: 2, AppRoot: "#root"}},
		{"data is no script", `<script type="application/ld+json">{}</script><script type="text/template">x</script>`, ScriptHints{}},
		{"noscript", `<noscript>Turn on JavaScript</noscript><script>load()</script>`, ScriptHints{Scripts: 1, Noscript: true}},
		{"angular", `<body ng-app="news"><script src=a.js></script>`, ScriptHints{Scripts: 1, AppRoot: "[ng-app]"}},
		{"svg script is not the page's", `<svg><script>x</script></svg>`, ScriptHints{}},
	} {
		for _, article := range []bool{true, false} { // the tree and the streamed reading
			p, err := ReadPage([]byte(tc.html), "", "text/html", u, article)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.ScriptHints(); got != tc.want {
				t.Errorf("%s (article %v): %+v, want %+v", tc.name, article, got, tc.want)
			}
		}
	}
}

func TestUTF8PageDecodesAsReadPageDoes(t *testing.T) {
	body, err := UTF8Page([]byte("<meta charset=iso-8859-1><title>Caf\xe9</title>"), "", "text/html")
	if err != nil || !strings.Contains(string(body), "Café") {
		t.Errorf("%q, %v", body, err)
	}
}
