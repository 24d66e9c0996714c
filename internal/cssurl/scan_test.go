package cssurl

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// found is a span as the tests write it: its kind, its quote and its text, escapes decoded.
type found struct {
	Kind  Kind
	Quote byte
	Text  string
}

func (f found) String() string {
	q := ""
	if f.Quote != 0 {
		q = string(f.Quote)
	}
	return fmt.Sprintf("%s%s%q", [...]string{"?", "url", "import", "image-set"}[f.Kind], q, f.Text)
}

// scanAll scans css whole.
func scanAll(css string) []found {
	var s Scanner
	p := []byte(css)
	spans, n := s.Scan(nil, p, true)
	if n != len(p) {
		panic(fmt.Sprintf("final scan read %d of %d bytes", n, len(p)))
	}
	return foundIn(p, spans, 0)
}

func foundIn(p []byte, spans []Span, off int) []found {
	var out []found
	for _, sp := range spans {
		out = append(out, found{sp.Kind, sp.Quote, string(Unescape(p[sp.Start-off : sp.End-off]))})
	}
	return out
}

// scanInPieces scans css as a streaming caller does, n bytes arriving at a time: what Scan does
// not read is held back and given again with the next piece.
func scanInPieces(t testing.TB, css string, n int) []found {
	t.Helper()
	var s Scanner
	var out []found
	var pend []byte
	off := 0 // the stylesheet offset of pend[0]
	for i := 0; i < len(css); i += n {
		pend = append(pend, css[i:min(i+n, len(css))]...)
		spans, read := s.Scan(nil, pend, false)
		for _, sp := range spans {
			if sp.End > read {
				t.Fatalf("%q: span %v beyond what was read (%d)", css, sp, read)
			}
		}
		out = append(out, foundIn(pend, spans, 0)...)
		pend, off = pend[read:], off+read
	}
	spans, _ := s.Scan(nil, pend, true)
	return append(out, foundIn(pend, spans, 0)...)
}

func TestScan(t *testing.T) {
	url := func(q byte, s string) found { return found{URL, q, s} }
	imp := func(q byte, s string) found { return found{Import, q, s} }
	set := func(q byte, s string) found { return found{ImageSet, q, s} }
	tests := []struct {
		name string
		css  string
		want []found
	}{
		{"unquoted", `a{b:url(x.png)}`, []found{url(0, "x.png")}},
		{"quoted", `a{b:url("x.png") c:url('y.png')}`, []found{url('"', "x.png"), url('\'', "y.png")}},
		{"spaces inside", "a{b:url(  x.png\t) c:url( \"y.png\" )}", []found{url(0, "x.png"), url('"', "y.png")}},
		{"case and escapes in the name", `a{b:URL(x.png) c:u\72l(y.png)}`, []found{url(0, "x.png"), url(0, "y.png")}},
		{"escapes in the value", `a{b:url(a\(1\).png) c:url("\61 .png")}`, []found{url(0, "a(1).png"), url('"', "a.png")}},
		{"src()", `a{b:src("x.png")}`, []found{url('"', "x.png")}},
		{"image-set", `a{b:image-set("x.png" 1x, url(y.png) 2x) c:-webkit-image-set('z.png' 1x)}`,
			[]found{set('"', "x.png"), url(0, "y.png"), set('\'', "z.png")}},
		{"imports", `@import "a.css"; @import url(b.css) screen; @IMPORT url('c.css') layer(x); @import src("d.css");`,
			[]found{imp('"', "a.css"), imp(0, "b.css"), imp('\'', "c.css"), imp('"', "d.css")}},
		{"only the first url is the import", `@import "a.css" url(x.png) "b.css";`, []found{imp('"', "a.css"), url(0, "x.png")}},
		{"namespace", `@namespace svg url(http://www.w3.org/2000/svg); @namespace "x";`, nil},
		{"comments", `/* url(x.png) */ a{b:/**/url(y.png)/* url(z.png)`, []found{url(0, "y.png")}},
		{"strings that are not urls", `a{content:"url(x.png)";font-family:"x.png"}`, nil},
		{"empty and bad", `a{b:url() c:url("") d:url(x y.png) e:url(x"y) f:url(ok.png)}`, []found{url(0, "ok.png")}},
		{"dimension", `a{b:12url(x.png) c:-url(y.png) d:myurl(z.png)}`, nil},
		{"unterminated url", `a{b:url(x.png`, []found{url(0, "x.png")}},
		{"line continuation", "@import \"a\\\nb.css\";", []found{imp('"', "ab.css")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scanAll(tt.css); !slices.Equal(got, tt.want) {
				t.Errorf("Scan(%q)\n got %v\nwant %v", tt.css, got, tt.want)
			}
			for _, n := range []int{1, 2, 3, 7} {
				if got := scanInPieces(t, tt.css, n); !slices.Equal(got, tt.want) {
					t.Errorf("Scan(%q) %d bytes at a time\n got %v\nwant %v", tt.css, n, got, tt.want)
				}
			}
		})
	}
}

// TestScanWhereTheOldCopiesDisagreed holds the inputs on which capture's and replay's CSS
// tokenizers gave different answers before this scanner replaced both, with the answer that CSS
// Syntax Level 3 and CSS Values 4 give (docs/decisions.md, "Issue 10: one scanner per grammar").
func TestScanWhereTheOldCopiesDisagreed(t *testing.T) {
	tests := []struct {
		name, css string
		want      []found
	}{
		// src() is url()'s twin for strings (CSS Values 4 §4.5); replay did not rewrite it.
		{"src() holds a url", `a{b:src("x.png")}`, []found{{URL, '"', "x.png"}}},
		// EOF in a string ends it as a string token; replay left such a string alone.
		{"string cut by the end", `@import "a.css`, []found{{Import, '"', "a.css"}}},
		{"string cut by the end after a backslash", `a{b:url("x.png\`, []found{{URL, '"', "x.png"}}},
		// A newline makes a bad-string token, which is no <string>; capture took its text.
		{"bad string", "a{b:url(\"x.png\n)} c{d:url(y.png)}", []found{{URL, 0, "y.png"}}},
		{"bad string in an @import", "@import \"a.css\n\"b.css\";", nil},
		// A backslash at the end is a valid escape, of U+FFFD; capture read a bad url.
		{"backslash at the end of a url", `a{b:url(x\`, []found{{URL, 0, "x\uFFFD"}}},
		// An @import whose first url is empty or bad has no other; replay took the next string.
		{"empty url in an @import", `@import url() "b.css";`, nil},
		{"bad url in an @import", `@import url(a b) "b.css";`, nil},
		{"empty string in a function of an @import", `@import foo("") "b.css";`, nil},
		// Functions nested 17 deep: replay kept only 16 levels, capture all.
		{"deep nesting", strings.Repeat("(", 20) + `url("x.png")`, []found{{URL, '"', "x.png"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scanAll(tt.css); !slices.Equal(got, tt.want) {
				t.Errorf("Scan(%q)\n got %v\nwant %v", tt.css, got, tt.want)
			}
			if got := scanInPieces(t, tt.css, 1); !slices.Equal(got, tt.want) {
				t.Errorf("Scan(%q) a byte at a time\n got %v\nwant %v", tt.css, got, tt.want)
			}
		})
	}
}

func TestScanNestingIsBounded(t *testing.T) {
	deep := strings.Repeat("(", maxFuncs) + `url("x.png")`
	if got := scanAll(deep); len(got) != 0 {
		t.Errorf("a url() %d functions deep: %v, want none (not told apart)", maxFuncs+1, got)
	}
	if got := scanAll(strings.Repeat("(", maxFuncs-1) + `url("x.png")`); len(got) != 1 {
		t.Errorf("a url() %d functions deep: %v, want it", maxFuncs, got)
	}
}

func TestSkip(t *testing.T) {
	for _, tt := range []struct{ start, rest string }{
		{`/* long`, ` comment url(no.png) */`},
		{`/* ends in a star *`, `/`},
		{`"long string`, ` url(no.png) \" still"`},
		{`'escape at the cut \`, `' still'`},
		{`url(data:x`, `,\) no.png)`},
	} {
		var s Scanner
		s.Skip([]byte(tt.start))
		p := []byte(tt.rest + ` a{b:url(yes.png)}`)
		spans, n := s.Scan(nil, p, true)
		if got := foundIn(p, spans, 0); n != len(p) || !slices.Equal(got, []found{{URL, 0, "yes.png"}}) {
			t.Errorf("after skipping %q, %q: %v", tt.start, tt.rest, got)
		}
	}
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{
		`plain`: "plain", `a\"b`: `a"b`, `\61 b`: "ab", `\000061b`: "ab", "\\61\r\nb": "ab", `\0`: "\uFFFD",
		`\D800x`: "\uFFFDx", `\110000`: "\uFFFD", "a\\\nb": "ab", "a\\\r\nb": "ab", `a\`: "a\uFFFD", `\é`: "é",
	} {
		if got := string(Unescape([]byte(in))); got != want {
			t.Errorf("Unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzCSSScan(f *testing.F) {
	for _, s := range []string{
		`@import url("a.css"); a{b:url(x.png)}`, `a{b:u\72l( "c\"d" ) image-set("e" 1x) src('f')}`,
		"/* unterminated", `url(`, `"\`, `\`, `@import`, `url(\`, "a{b:url(a\\\n)}", `@namespace url(x);`,
	} {
		f.Add(s, uint8(1))
	}
	f.Fuzz(func(t *testing.T, css string, n uint8) {
		whole := scanAll(css)
		if got := scanInPieces(t, css, int(n%16)+1); !slices.Equal(got, whole) {
			t.Fatalf("%q: in pieces of %d\n got %v\nwant %v", css, n%16+1, got, whole)
		}
		var s Scanner
		p := []byte(css)
		spans, _ := s.Scan(nil, p, true)
		last := 0
		for _, sp := range spans {
			if sp.Start < last || sp.End <= sp.Start || sp.End > len(p) {
				t.Fatalf("%q: span %+v after %d", css, sp, last)
			}
			if sp.Quote != 0 && p[sp.Start-1] != sp.Quote {
				t.Fatalf("%q: span %+v does not follow its quote", css, sp)
			}
			last = sp.End
		}
	})
}
