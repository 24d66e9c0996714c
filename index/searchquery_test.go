package index

import (
	"errors"
	"html"
	"strings"
	"testing"
)

func TestSnippetShowsTheMatchesInTheirContext(t *testing.T) {
	filler := strings.Repeat("lorem ipsum dolor sit amet ", 20) // 100 words
	text := filler + "The Frontière closed; the frontline held & the afront stayed. " + filler
	ws, err := parseWords("front*")
	if err != nil {
		t.Fatal(err)
	}
	s := snippet(text, snippetTerms(ws), 16)
	if !strings.HasPrefix(s, "…") || !strings.HasSuffix(s, "…") {
		t.Errorf("a passage from the middle has no … at both ends: %q", s)
	}
	for _, want := range []string{"The <mark>Frontière</mark> closed; the <mark>frontline</mark> held &amp; the afront"} {
		if !strings.Contains(s, want) {
			t.Errorf("snippet %q lacks %q", s, want)
		}
	}
	if n := len(tokens(html.UnescapeString(strings.NewReplacer("<mark>", "", "</mark>", "", "…", "").Replace(s)))); n != 16 {
		t.Errorf("snippet of %d words, want 16: %q", n, s)
	}
	// A short text is whole, without …; a text without the words shows its start.
	if s := snippet("La frontière.", snippetTerms(ws), 16); s != "La <mark>frontière</mark>." {
		t.Errorf("short text: %q", s)
	}
	if s := snippet(filler, snippetTerms(ws), 4); s != "lorem ipsum dolor sit…" {
		t.Errorf("no match: %q", s)
	}
}

func TestPrefixNeedsThreeLetters(t *testing.T) {
	for _, w := range []string{"a*", "fr*", "é*", "x-y*"} {
		if _, err := parseWords(w); !errors.Is(err, ErrBadQuery) {
			t.Errorf("%q: %v, want ErrBadQuery", w, err)
		}
	}
	for _, w := range []string{"fro*", "été*", "abc"} {
		if _, err := parseWords(w); err != nil {
			t.Errorf("%q: %v", w, err)
		}
	}
}
