package index

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
)

// FuzzMatchQuery: whatever a user types, MatchQuery gives a query FTS5
// runs without error, or ErrBadQuery; and the snippet of any text for it
// comes out as escaped text with balanced <mark> elements.
func FuzzMatchQuery(f *testing.F) {
	for _, s := range []string{"frontière", "front*", `"`, `NEAR(a b)`, `a OR b`, `title:x`, `-a`, `^a`, `a*b*`,
		`{title}: x`, `"a" + "b"`, "\x00", "\xff\xfe", "*", `""""`, "a\x02b\x03", "ǅ", "\u0301", "fro*"} {
		f.Add(s, "la frontière <b>et</b> le front & \"x\"")
	}
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE VIRTUAL TABLE t USING fts5(text, tokenize='unicode61 remove_diacritics 2');
		INSERT INTO t VALUES ('la frontière <b>et</b> le front')`); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, words, text string) {
		q, err := MatchQuery(words)
		if err != nil {
			if !errors.Is(err, ErrBadQuery) {
				t.Fatalf("%q: %v", words, err)
			}
			return
		}
		var n int
		if err := db.QueryRowContext(context.Background(), `SELECT count(*) FROM t WHERE t MATCH ?`, q).Scan(&n); err != nil {
			t.Fatalf("%q as %q: %v", words, q, err)
		}
		ws, _ := parseWords(words)
		checkMarked(t, snippet(text, snippetTerms(ws), 8))
		checkMarked(t, snippet(words, snippetTerms(ws), 8))
	})
}

// checkMarked fails unless html is escaped text and balanced, unnested
// <mark> elements.
func checkMarked(t *testing.T, html string) {
	t.Helper()
	rest := html
	open := false
	for {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		rest = rest[i:]
		switch {
		case !open && strings.HasPrefix(rest, "<mark>"):
			open, rest = true, rest[len("<mark>"):]
		case open && strings.HasPrefix(rest, "</mark>"):
			open, rest = false, rest[len("</mark>"):]
		default:
			t.Fatalf("%q: markup that is not a balanced <mark>", html)
		}
	}
	if open || strings.ContainsAny(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(html), `>"'`) {
		t.Fatalf("%q: unescaped or unbalanced", html)
	}
}
