package extract

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzJSONLDArticle reads hostile JSON-LD: no panic, the same scripts give
// the same article every time (map order must not matter), and every text
// comes out trimmed, whitespace collapsed, and no author is empty.
func FuzzJSONLDArticle(f *testing.F) {
	for _, s := range [][2]string{
		{`{"@type":"NewsArticle","headline":" A  &amp;amp; B ","author":[{"@id":"#p"}],"datePublished":"2024-01-01"}`,
			`{"@graph":[{"@id":"#p","@type":"Person","givenName":"A","familyName":"B"},{"@type":"WebSite","name":"S"}]}`},
		{`[{"@type":["Article"],"author":{"@type":"Person"},"image":[{"url":"/i.png"}]}]`, `{"@type":"WebSite"}`},
		{`{"@type":"BlogPosting","name":{"@value":"x"},"mainEntityOfPage":{"@id":"http://a/"}} {"@type":"Report"}`, "\x01"},
		{strings.Repeat(`{"a":`, 40) + `{"@type":"Article"}` + strings.Repeat("}", 40), ""},
		{`{"@type":"Article","author":[{"@id":"x"},{"@id":"x","name":"N"}],"publisher":{"@id":"x"}}`, `{"@id":"x","@id":"y"}`},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		scripts := []string{a, b}
		first, ok := jsonLDArticle(scripts)
		for range 3 {
			if again, ok2 := jsonLDArticle(scripts); ok2 != ok || !reflect.DeepEqual(again, first) {
				t.Fatalf("not the same article twice:\n%+v\n%+v", first, again)
			}
		}
		if !ok {
			return
		}
		texts := append([]string{first.title, first.published, first.siteName, first.canonical, first.language,
			first.description, first.image}, first.authors...)
		for _, s := range texts {
			if s != strings.Join(strings.Fields(s), " ") {
				t.Fatalf("text not trimmed: %q", s)
			}
		}
		for _, au := range first.authors {
			if au == "" {
				t.Fatalf("empty author in %q", first.authors)
			}
		}
	})
}
