package rewrite

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// oracleToken is a token as both tokenizers report it: a kind ('t' text, 's' start tag, 'e' end
// tag, 'c' comment), its bounds and, for start tags, "key=value" attributes.
type oracleToken struct {
	kind       byte
	start, end int
	attrs      []string
}

func (t oracleToken) String() string {
	return fmt.Sprintf("%c[%d:%d]%q", t.kind, t.start, t.end, t.attrs)
}

// appendMerged appends t to toks, merging it into the last token when both are text or comments
// (the scanner streams those in pieces).
func appendMerged(toks []oracleToken, t oracleToken) []oracleToken {
	if n := len(toks); n > 0 && t.kind == toks[n-1].kind && (t.kind == 't' || t.kind == 'c') && toks[n-1].end == t.start {
		toks[n-1].end = t.end
		return toks
	}
	return append(toks, t)
}

// xnetTokens tokenizes in with x/net/html, treating noscript content as markup as HTML
// does, and returns its tokens and the bytes they cover (x/net drops a tag cut off by EOF).
func xnetTokens(in []byte) ([]oracleToken, int) {
	z := html.NewTokenizer(bytes.NewReader(in))
	var toks []oracleToken
	off := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return toks, off
		}
		t := oracleToken{start: off, end: off + len(z.Raw())}
		off = t.end
		switch tt {
		case html.TextToken:
			t.kind = 't'
		case html.StartTagToken, html.SelfClosingTagToken:
			t.kind = 's'
			name, more := z.TagName()
			for more {
				var k, v []byte
				k, v, more = z.TagAttr()
				t.attrs = append(t.attrs, string(k)+"="+string(v))
			}
			if string(name) == "noscript" {
				z.NextIsNotRawText()
			}
		case html.EndTagToken:
			t.kind = 'e'
		default:
			t.kind = 'c'
		}
		toks = appendMerged(toks, t)
	}
}

// scannerTokens tokenizes in with the scanner, revealing the input chunk bytes at a time (all at
// once when chunk is 0) as HTML's buffer does.
func scannerTokens(t testing.TB, in []byte, chunk int) []oracleToken {
	var s scanner
	var toks []oracleToken
	pos, visible := 0, len(in)
	if chunk > 0 {
		visible = min(chunk, len(in))
	}
	for pos < len(in) {
		kind, n := s.next(in[pos:visible], visible == len(in))
		if n == 0 {
			if visible == len(in) {
				t.Fatalf("scanner stuck at %d of %d at EOF", pos, len(in))
			}
			visible = min(visible+chunk, len(in))
			continue
		}
		tok := oracleToken{start: pos, end: pos + n}
		switch kind {
		case tokText, tokRawText:
			tok.kind = 't'
		case tokStartTag:
			tok.kind = 's'
			seen := map[string]bool{}
			for _, a := range s.attrs {
				dedup := lowerASCII(in[pos+a.keyStart : pos+a.keyEnd])
				k := strings.ReplaceAll(dedup, "\x00", "\ufffd")
				if !seen[dedup] {
					seen[dedup] = true
					v, _ := decodeAttr(nil, in[pos+a.valStart:pos+a.valEnd])
					tok.attrs = append(tok.attrs, k+"="+string(v))
				}
			}
		case tokEndTag:
			tok.kind = 'e'
		case tokComment:
			tok.kind = 'c'
		}
		toks = appendMerged(toks, tok)
		pos += n
	}
	return toks
}

// lowerASCII lower-cases the ASCII letters of b, as x/net does with attribute names.
func lowerASCII(b []byte) string {
	out := []byte(string(b))
	for i, c := range out {
		if 'A' <= c && c <= 'Z' {
			out[i] = c + 'a' - 'A'
		}
	}
	return string(out)
}

// checkTokenizer fails unless the scanner splits in as x/net does, whole and in pieces.
func checkTokenizer(t testing.TB, in []byte) {
	want, covered := xnetTokens(in)
	for _, chunk := range []int{0, 1, 7} {
		got := scannerTokens(t, in, chunk)
		// Beyond what x/net covers (a tag cut off by EOF) the scanner passes text through.
		var clipped []oracleToken
		for _, tok := range got {
			if tok.start >= covered {
				if tok.kind != 't' {
					t.Fatalf("chunk %d: %v after x/net's end %d in %q", chunk, tok, covered, in)
				}
				continue
			}
			if tok.end > covered {
				if tok.kind != 't' {
					t.Fatalf("chunk %d: %v crosses x/net's end %d in %q", chunk, tok, covered, in)
				}
				tok.end = covered
			}
			clipped = append(clipped, tok)
		}
		if fmt.Sprint(clipped) != fmt.Sprint(want) {
			t.Fatalf("chunk %d: tokens of %q\n got %v\nwant %v", chunk, in, clipped, want)
		}
	}
}

var tokenizerCases = []string{
	``, `plain text`, `<`, `<<<`, `a<b`, `a < b > c`, `<p>`, `<P CLASS=x>`, `</p>`, `</>`, `</ p>`, `</3>`,
	`<a href="x" HREF='y' data-x=z>t</a>`, `<a href=x/>`, `<br/>`, `<a b c=d e = "f" g='h'i=j>`,
	`<a =x>`, `<a ==x>`, `<a b="c>`, `<a b='c`, `<a b=c`, `<a`, `<a/`, `<a b/c>`, `<a b="1"/c="2">`,
	`<img src="a&amp;b&copy;&copy=x&ampx&#65;&#x42;&#x80;&#0;&#xD800;&notit;&fjlig;&;&lt">`,
	"<a title=\"a\r\nb\rc\x00d\">", "<a\x00b=\x00>", `<a title=">">x`, `<a title='>'>x`,
	`<!-- c -->`, `<!---->`, `<!-->`, `<!--->`, `<!-- a -- b -->`, `<!-- a --!>`, `<!-- a --!->`,
	`<!-- a --!x -->`, `<!-- a`, `<!--`, `<!-`, `<!`, `<!>`, `<!x>`, `<!DOCTYPE html>`, `<!doctype`,
	`<?xml version="1.0"?>`, `<?`, `<![CDATA[x]]>`,
	`<script>a<b</script>`, `<script>a</scriptx></script>`, `<SCRIPT>x</Script >y`, `<script>x</script`,
	`<script><!-- <script>x</script> --></script>y`, `<script><!-- x --></script>`,
	`<script><!--<script></script>--></script>`, `<script><!-- <x </script>`, `<script><!--a-->b</script>`,
	`<script><!--->x</script>`, `<script><!-x</script>`, `<script><!- -></script>`,
	`<script><!-- <script> -- <!-- </script> --> </script>`, `<script><!-- <scriptx</script>`,
	`<script><!-- <script/ </script --> </script>`, `<script/>x</script>`, `<script`,
	`<style>a</style>b`, `<style>a</styl</style>`, `<title><b></title>`, `<textarea></textarea >`,
	`<xmp><p></xmp>`, `<iframe><p></iframe>`, `<noembed>x</noembed>`, `<noframes>x</noframes>`,
	`<plaintext><p></plaintext>`, `<noscript><img src=x></noscript>`, `<svg><image href="x"/></svg>`,
	"<a\tb\n=\fc\r>", `<a b=>`, `<a b= >`, `<a b=c>d<e f=g>`,
}

func TestTokenizerMatchesXNet(t *testing.T) {
	for _, c := range tokenizerCases {
		checkTokenizer(t, []byte(c))
	}
	checkTokenizer(t, []byte(readFixture(t, "article.html")))
}

func FuzzTokenizer(f *testing.F) {
	for _, c := range tokenizerCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkTokenizer(t, in)
	})
}

func TestForceSkipPassesALongTagThrough(t *testing.T) {
	in := `<p>a</p><img alt="` + strings.Repeat("x", 3*htmlMaxTag) + `" src="b.jpg"><script>c</script><img src="d.jpg">`
	var out bytes.Buffer
	if err := HTML(&out, strings.NewReader(in), testRewriter(), HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(in, `"d.jpg"`, `"/web/20140812093000im_/http://news.example/2014/08/d.jpg"`, 1)
	if out.String() != want {
		t.Errorf("long tag: output differs from input beyond the last image (len %d, want %d)", out.Len(), len(want))
	}
}
