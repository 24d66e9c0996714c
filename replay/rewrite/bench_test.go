package rewrite

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// BenchmarkRewriteHTML rewrites the ~29 KB article fixture with the server's kind of inserts.
// The replay target (2,300 rewritten pages/s on 2 cores, WARC reading included) leaves it about
// 150 µs a page.
func BenchmarkRewriteHTML(b *testing.B) {
	page := []byte(readFixture(b, "article.html"))
	u := testRewriter()
	r := bytes.NewReader(page)
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(page)
		if err := HTML(io.Discard, r, u, testInserts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkXNetTokenizer only tokenizes the same page with golang.org/x/net/html, passing each
// token's raw bytes through: the floor for a rewriter built on it, for comparison in one run.
func BenchmarkXNetTokenizer(b *testing.B) {
	page := []byte(readFixture(b, "article.html"))
	r := bytes.NewReader(page)
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(page)
		z := html.NewTokenizer(r)
		for z.Next() != html.ErrorToken {
			io.Discard.Write(z.Raw())
		}
	}
}

// BenchmarkRewriteCSS rewrites a 24 KB stylesheet with a url() every 200 bytes or so.
func BenchmarkRewriteCSS(b *testing.B) {
	var sb strings.Builder
	for i := 0; sb.Len() < 24<<10; i++ {
		sb.WriteString(".card-" + strings.Repeat("x", i%7) + " { margin: 0 auto; padding: 4px 8px; color: #333; }\n")
		sb.WriteString(".hero-" + strings.Repeat("y", i%5) + " { background: #fff url(\"../img/hero.png\") no-repeat; }\n")
	}
	css := []byte(sb.String())
	u := testRewriter()
	r := bytes.NewReader(css)
	b.SetBytes(int64(len(css)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(css)
		if err := CSS(io.Discard, r, u); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRewrite(b *testing.B) {
	u := testRewriter()
	b.ReportAllocs()
	for b.Loop() {
		u.Rewrite("../img/lead-800.jpg?w=800", "im_")
	}
}
