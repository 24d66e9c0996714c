package extract

import (
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// domFirstText returns the text of the first element with tag a in doc.
func domFirstText(doc *html.Node, a atom.Atom) string {
	var found *html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		for c := n.FirstChild; c != nil && found == nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.DataAtom == a {
				found = c
				return
			}
			find(c)
		}
	}
	find(doc)
	if found == nil {
		return ""
	}
	var b strings.Builder
	var text func(*html.Node)
	text = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			text(c)
		}
	}
	text(found)
	return b.String()
}

func TestParseHTMLCharset(t *testing.T) {
	latin1File, err := os.ReadFile("testdata/latin1.html")
	if err != nil {
		t.Fatal(err)
	}
	asciiPad := "<!-- " + strings.Repeat("padding ", 200) + "-->"
	tests := []struct {
		name        string
		body        string
		contentType string
		want        string // text of the first <p>
	}{
		{"latin-1 from meta http-equiv, no header param", string(latin1File), "text/html", "L'été à Montréal coûte 5 £ ou 10 §."},
		{"latin-1 from meta charset", "<meta charset=\"latin1\"><p>na\xefve caf\xe9</p>", "", "naïve café"},
		{"windows-1252 header param", "<p>\x93Quoted\x94 \x80 5 \x96 caf\xe9</p>", "text/html; charset=windows-1252", "“Quoted” € 5 – café"},
		{"header param beats meta", "<meta charset=utf-8><p>caf\xe9</p>", "text/html; charset=ISO-8859-1", "café"},
		{"utf-8 header param", "<p>café €</p>", "text/html; charset=UTF-8", "café €"},
		{"utf-8 meta", "<meta charset=utf-8><p>café</p>", "", "café"},
		{"utf-8 byte order mark", "\xef\xbb\xbf<p>café</p>", "text/html; charset=iso-8859-1", "café"},
		{"utf-16le byte order mark", "\xff\xfe<\x00p\x00>\x00\xe9\x00<\x00/\x00p\x00>\x00", "", "é"},
		{"undeclared utf-8 after 1024 bytes", asciiPad + "<p>Zürich – café</p>", "text/html", "Zürich – café"},
		{"undeclared legacy bytes default to windows-1252", "<p>caf\xe9 \x80</p>", "", "café €"},
		{"utf-8 bytes under a latin-1 meta", "<meta charset=iso-8859-1><p>café</p>", "", "café"},
		{"meta utf-16 is read as utf-8", "<meta charset=utf-16><p>café</p>", "", "café"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := ParseHTML([]byte(tt.body), tt.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if got := domFirstText(doc, atom.P); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestUTF8HTMLStreams checks that decoding to UTF-8 gives the same text whatever the reads
// that feed it, a byte at a time included (a rune split across reads, a legacy byte after 4 KB).
func TestUTF8HTMLStreams(t *testing.T) {
	pad := strings.Repeat("x", 4095)
	for _, tt := range []struct{ body, contentType, want string }{
		{pad + "é – €", "", pad + "é – €"},
		{pad + "é then caf\xe9 \x80", "", pad + "é then café €"}, // windows-1252 from the first byte not UTF-8
		{"<meta charset=latin1>" + pad + "caf\xe9", "", "<meta charset=latin1>" + pad + "café"},
		{"\xef\xbb\xbfcafé", "", "café"},
		{"\xff\xfec\x00a\x00f\x00\xe9\x00", "", "café"},
	} {
		whole, err := io.ReadAll(utf8HTML(strings.NewReader(tt.body), tt.contentType))
		if err != nil {
			t.Fatal(err)
		}
		bytewise, err := io.ReadAll(utf8HTML(iotest.OneByteReader(strings.NewReader(tt.body)), tt.contentType))
		if err != nil {
			t.Fatal(err)
		}
		if string(whole) != tt.want || string(bytewise) != tt.want {
			tail := func(s string) string { return s[max(0, len(s)-30):] }
			t.Errorf("…%q: got …%q, a byte at a time …%q, want …%q", tail(tt.body), tail(string(whole)), tail(string(bytewise)), tail(tt.want))
		}
	}
}

func TestParseHTMLLatin1Fixture(t *testing.T) {
	body, err := os.ReadFile("testdata/latin1.html")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := ParseHTML(body, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := domFirstText(doc, atom.Title), "Crème brûlée à la française"; got != want {
		t.Errorf("title %q, want %q", got, want)
	}
	links := Links(doc, parseTestURL(t, "http://recettes.example/dessert/"))
	if want := []string{"http://recettes.example/dessert/caf%C3%A9.jpg"}; !slices.Equal(links.Requisites, want) {
		t.Errorf("requisites %q, want %q", links.Requisites, want)
	}
	md := MetadataOf(doc, parseTestURL(t, "http://recettes.example/dessert/"))
	if md.Title != "Crème brûlée à la française" || md.Language != "fr" {
		t.Errorf("metadata title %q language %q", md.Title, md.Language)
	}
}

func TestParseHTMLEmpty(t *testing.T) {
	for _, body := range []string{"", "\xef\xbb\xbf", "\xff\xfe", "\x00\x01\x02"} {
		doc, err := ParseHTML([]byte(body), "text/html; charset=bogus")
		if err != nil || doc == nil {
			t.Errorf("ParseHTML(%q) = %v, %v", body, doc, err)
		}
	}
}

func BenchmarkParseHTML(b *testing.B) {
	page, err := os.ReadFile("testdata/article.html")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseHTML(page, "text/html; charset=utf-8"); err != nil {
			b.Fatal(err)
		}
	}
}
