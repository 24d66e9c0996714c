package rewrite

import (
	"bytes"
	"testing"
	"testing/iotest"
)

// FuzzRewriteHTML checks that any input is rewritten without panic or error into output that
// keeps every "<", is the same whichever way the input is split, and does not change when
// rewritten again (archive URLs are left alone).
func FuzzRewriteHTML(f *testing.F) {
	for _, tt := range htmlRuleTests {
		f.Add([]byte(tt.in))
	}
	for _, c := range tokenizerCases {
		f.Add([]byte(c))
	}
	f.Add([]byte(readFixture(f, "article.html")))
	u := testRewriter()
	f.Fuzz(func(t *testing.T, in []byte) {
		var out, split, again bytes.Buffer
		if err := HTML(&out, bytes.NewReader(in), u, HTMLOptions{}); err != nil {
			t.Fatal(err)
		}
		if len(in) > 0 && out.Len() == 0 {
			t.Fatal("no output")
		}
		// Only removed dot segments and integrity attributes can take a "<" away.
		if !bytes.Contains(in, []byte("..")) && !bytes.Contains(bytes.ToLower(in), []byte("integrity")) &&
			bytes.Count(out.Bytes(), []byte("<")) < bytes.Count(in, []byte("<")) {
			t.Fatalf("lost a '<':\n in: %q\nout: %q", in, out.Bytes())
		}
		if err := HTML(&split, iotest.OneByteReader(bytes.NewReader(in)), u, HTMLOptions{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(split.Bytes(), out.Bytes()) {
			t.Fatalf("read a byte at a time:\n got %q\nwant %q", split.Bytes(), out.Bytes())
		}
		if err := HTML(&again, bytes.NewReader(out.Bytes()), u, HTMLOptions{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Bytes(), out.Bytes()) {
			t.Fatalf("rewriting again changed\n%q\ninto\n%q", out.Bytes(), again.Bytes())
		}
	})
}

// FuzzRewriteCSS checks the same of stylesheets.
func FuzzRewriteCSS(f *testing.F) {
	for _, s := range []string{
		`a{background:url(x.png)}`, `@import "a.css"; @import url(b.css) screen;`, `a{b:url( "x.png" )}`,
		`/* url(x) */`, `a{b:url(a\)b.png)} c{d:url("e\"f")}`, `@font-face{src:url(f.woff2) format("woff2")}`,
		`a{b:image-set("x.png" 1x)}`, "a{b:url(\"x\n)}", `@namespace url(x);`, `a{b:u\72l(x)}`, `a{b:url(\61 .png)}`,
	} {
		f.Add([]byte(s))
	}
	u := testRewriter()
	f.Fuzz(func(t *testing.T, in []byte) {
		var out, split, again bytes.Buffer
		if err := CSS(&out, bytes.NewReader(in), u); err != nil {
			t.Fatal(err)
		}
		if len(in) > 0 && out.Len() == 0 {
			t.Fatal("no output")
		}
		if err := CSS(&split, iotest.OneByteReader(bytes.NewReader(in)), u); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(split.Bytes(), out.Bytes()) {
			t.Fatalf("read a byte at a time:\n got %q\nwant %q", split.Bytes(), out.Bytes())
		}
		if err := CSS(&again, bytes.NewReader(out.Bytes()), u); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Bytes(), out.Bytes()) {
			t.Fatalf("rewriting again changed\n%q\ninto\n%q", out.Bytes(), again.Bytes())
		}
	})
}
