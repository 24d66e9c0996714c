package capture_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gocolly/colly/v2"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/warc"
)

// A program embedding Vellum adds a site's own link rule: this site's
// article continues on pages named only in a data-continued attribute,
// which no link extractor follows. The rule's pages are queued through
// Vellum's scheduler and archived like any page.
func ExampleConfig_collector() {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/story":
			fmt.Fprint(w, `<title>Story</title><article data-continued="/story/part-2">First part.</article>`)
		case "/story/part-2":
			fmt.Fprint(w, `<title>Story, part 2</title><article>Second part.</article>`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer site.Close()
	archive, _ := os.MkdirTemp("", "vellum-example")
	defer os.RemoveAll(archive)

	cfg := capture.DefaultConfig()
	cfg.Archive = archive
	cfg.Delay = 0
	cfg.Depth = 1 // the rule's pages are one hop from the page that names them
	cfg.Collector = func(c *colly.Collector) {
		c.OnHTML("article[data-continued]", func(e *colly.HTMLElement) {
			e.Request.Visit(e.Attr("data-continued"))
		})
	}
	if _, err := capture.Run(context.Background(), cfg, []string{site.URL + "/story"}); err != nil {
		fmt.Println(err)
		return
	}

	// The archive's responses.
	var got []string
	files, _ := index.WARCFiles(archive)
	for _, name := range files {
		f, _ := os.Open(filepath.Join(archive, name))
		r, _ := warc.NewReader(f)
		for rec, err := r.Next(); err == nil; rec, err = r.Next() {
			if rec.Header.Get("WARC-Type") == "response" {
				got = append(got, strings.TrimPrefix(rec.Header.Get("WARC-Target-URI"), site.URL))
			}
		}
		f.Close()
	}
	sort.Strings(got)
	fmt.Println(strings.Join(got, "\n"))
	// Output:
	// /robots.txt
	// /story
	// /story/part-2
}
