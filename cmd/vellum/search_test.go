package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/testsite"
)

// A page captured by `vellum capture` is found by its words, a latin-1 page
// by its accented words (typed with or without the accents); and after
// vellum.db is deleted, `vellum index` makes the full-text index again.
func TestCapturedPagesAreSearchable(t *testing.T) {
	site := testsite.New(t)
	archive := filepath.Join(t.TempDir(), "archive")
	latin1 := site.URL("/latin1.html")
	if r := vellum(t, nil, "capture", "--archive", archive, "--delay", "0", latin1); r.code != 0 {
		t.Fatalf("capture: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	find := func(words string) []string {
		t.Helper()
		idx, err := index.Open(context.Background(), filepath.Join(archive, "vellum.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer idx.Close()
		res, err := idx.Search(context.Background(), index.SearchQuery{Words: words})
		if err != nil {
			t.Fatalf("search %q: %v", words, err)
		}
		var urls []string
		for _, h := range res.Hits {
			urls = append(urls, h.Page.URL)
			if h.Page.Title != testsite.Latin1Title {
				t.Errorf("%q: title %q, want %q", words, h.Page.Title, testsite.Latin1Title)
			}
		}
		return urls
	}
	check := func(when string) {
		t.Helper()
		for _, words := range []string{"Bürgermeisterin", "burgermeisterin", "BRÜCKE", "brûlée", "Bäck*", "creme ärger"} {
			if got := find(words); !slices.Equal(got, []string{latin1}) {
				t.Errorf("%s: %q finds %v, want the latin-1 page", when, words, got)
			}
		}
	}
	check("after the capture")
	for _, f := range []string{"vellum.db", "vellum.db-wal", "vellum.db-shm"} {
		if err := os.Remove(filepath.Join(archive, f)); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	if r := vellum(t, nil, "index", "--archive", archive); r.code != 0 {
		t.Fatalf("index: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The words are in the full-text index before any search asks.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(archive, "vellum.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	err = db.QueryRow(`SELECT count(*) FROM page_search WHERE page_search MATCH 'burgermeisterin'`).Scan(&n)
	db.Close()
	if err != nil || n != 1 {
		t.Errorf("after vellum index the full-text index holds %d pages with the word (%v), want 1", n, err)
	}
	check("after vellum index")
}
