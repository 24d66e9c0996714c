package serve

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
)

// A serving node indexes the words of new pages for search by itself, with
// no search asking first.
func TestNodeIndexesNewPagesForSearch(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	n, err := Open(ctx, Config{Archive: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	page := index.Page{RecordID: "<urn:uuid:1>", URLKey: "example,news)/a", Timestamp: "20140812093000", URL: "http://news.example/a",
		Filename: "warcs/2014/08/12/r-00000.warc.gz", PageMeta: index.PageMeta{Title: "Flood", Text: "The river rose.", Authors: []string{}}}
	if err := n.Index().Add(ctx, nil, []index.Page{page}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, layout.IndexFile)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(time.Minute)
	for {
		var found int
		if err := db.QueryRow(`SELECT count(*) FROM page_search WHERE page_search MATCH 'river'`).Scan(&found); err != nil {
			t.Fatal(err)
		}
		if found == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the page's words were never indexed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
