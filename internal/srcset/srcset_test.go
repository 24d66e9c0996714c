package srcset

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// candidates returns the candidates of s as the tests write them: the URL, "!" in front when the
// candidate is invalid.
func candidates(s string) []string {
	var out []string
	for _, c := range Scan(nil, s) {
		u := s[c.Start:c.End]
		if !c.Valid {
			u = "!" + u
		}
		out = append(out, u)
	}
	return out
}

func TestScan(t *testing.T) {
	tests := []struct {
		name, srcset string
		want         []string
	}{
		{"single", "a.jpg", []string{"a.jpg"}},
		{"densities", "a.jpg 1x, b.jpg 2x", []string{"a.jpg", "b.jpg"}},
		{"widths and sizes", "small.jpg 480w,large.jpg 1080w 720h", []string{"small.jpg", "large.jpg"}},
		{"comma inside a url", "a.jpg?w=1,2 1x, b.jpg?w=3,4 2x", []string{"a.jpg?w=1,2", "b.jpg?w=3,4"}},
		{"trailing commas end a url", "a.jpg,,, b.jpg", []string{"a.jpg", "b.jpg"}},
		{"comma without space stays in the url", "a.jpg,b.jpg 2x", []string{"a.jpg,b.jpg"}},
		{"leading commas and whitespace", " ,, \n\t\f\r a.jpg 1x", []string{"a.jpg"}},
		{"data url", "data:image/png;base64,AAAA 1x, b.jpg 2x", []string{"data:image/png;base64,AAAA", "b.jpg"}},
		{"comma in parentheses", "a.jpg foo(1,2), b.jpg 2x", []string{"!a.jpg", "b.jpg"}},
		{"invalid descriptors", "a.jpg -1x, b.jpg 0w, c.jpg 1w 2x, d.jpg 1x 2x, e.jpg 5h, f.jpg big, g.jpg .5x, h.jpg 0x",
			[]string{"!a.jpg", "!b.jpg", "!c.jpg", "!d.jpg", "!e.jpg", "!f.jpg", "!g.jpg", "h.jpg"}},
		{"floats", "a.jpg 1.5x, b.jpg 2e0x, c.jpg 1E+1x, d.jpg -0x, e.jpg 1.x, f.jpg +1x, g.jpg 1e", []string{
			"a.jpg", "b.jpg", "c.jpg", "d.jpg", "!e.jpg", "!f.jpg", "!g.jpg"}},
		{"empty", " \n ", nil},
		{"only commas", ",,,", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := candidates(tt.srcset); !slices.Equal(got, tt.want) {
				t.Errorf("Scan(%q) = %q, want %q", tt.srcset, got, tt.want)
			}
		})
	}
}

func FuzzSrcsetScan(f *testing.F) {
	for _, s := range []string{"a.jpg 1x, b.jpg?w=1,2 2x", "a,,, b 100w 50h", "x foo(1,2), y", " , ", "a 1e+1x,b -0x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Scan(nil, s)
		if b := Scan(nil, []byte(s)); !slices.Equal(got, b) {
			t.Fatalf("%q: as bytes %v, as a string %v", s, b, got)
		}
		last := 0
		for _, c := range got {
			u := s[c.Start:c.End]
			if c.Start < last || u == "" || u[0] == ',' || u[len(u)-1] == ',' || strings.ContainsAny(u, " \t\n\f\r") {
				t.Fatalf("%q: candidate %q at %d after %d", s, u, c.Start, last)
			}
			last = c.End
		}
		// Rewriting joins the text between candidates to new URLs: it must hold no URL.
		var rest strings.Builder
		last = 0
		for _, c := range got {
			fmt.Fprintf(&rest, "%s%s", s[last:c.Start], "u")
			last = c.End
		}
		rest.WriteString(s[last:])
		if n := len(Scan(nil, rest.String())); n != len(got) {
			t.Fatalf("%q: %d candidates, %d once each URL is replaced", s, len(got), n)
		}
	})
}
