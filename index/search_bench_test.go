package index_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
)

// articleText is n words of a 20,000-word vocabulary drawn with a Zipf
// distribution, as words of real text are.
func articleText(r *rand.Rand, z *rand.Zipf, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "w%x", z.Uint64())
		if r.IntN(15) == 0 {
			b.WriteByte('.')
		}
	}
	return b.String()
}

// BenchmarkBatcherPages measures a page row's cost through the Batcher (an
// article of 900 words, with a capture row beside it as a crawl writes
// them), with the full-text index kept in step and, for comparison, with
// its triggers dropped.
func BenchmarkBatcherPages(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	z := rand.NewZipf(r, 1.1, 1, 20000)
	texts := make([]string, 64)
	for i := range texts {
		texts[i] = articleText(r, z, 900)
	}
	for _, fts := range []bool{true, false} {
		for _, held := range []bool{false, true} {
			b.Run(fmt.Sprintf("fts=%v/held=%v", fts, held), func(b *testing.B) {
				root := b.TempDir()
				idx, err := index.Open(context.Background(), filepath.Join(root, layout.IndexFile))
				if err != nil {
					b.Fatal(err)
				}
				defer idx.Close()
				if !fts {
					dropSearchTriggers(b, root)
				}
				const perFile = 2000
				b.ResetTimer()
				for i := 0; i < b.N; i += perFile {
					file := fmt.Sprintf("warcs/2014/08/12/r-%05d.warc.gz", i/perFile)
					bt := idx.NewBatcher()
					if held {
						bt.FileOpened(file)
					}
					caps := rowsOf(file, perFile)
					pages := make([]index.Page, perFile)
					for j := range pages {
						pages[j] = article(b, file, caps[j].Offset+50, caps[j].URL, caps[j].Timestamp, "Title "+caps[j].URL, texts[j%len(texts)])
					}
					for j := 0; j < perFile; j += 100 {
						bt.Add(caps[j:j+100], pages[j:j+100])
					}
					bt.FileClosed(file)
					if err := bt.Close(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkUpdateSearch measures the indexing of an article's words
// (900 words) by UpdateSearch, in its batches, into an index that already
// holds a few thousand.
func BenchmarkUpdateSearch(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	z := rand.NewZipf(r, 1.1, 1, 20000)
	texts := make([]string, 64)
	for i := range texts {
		texts[i] = articleText(r, z, 900)
	}
	ctx := context.Background()
	idx, err := index.Open(ctx, filepath.Join(b.TempDir(), layout.IndexFile))
	if err != nil {
		b.Fatal(err)
	}
	defer idx.Close()
	const perFile = 2000
	for i := 0; i < b.N; i += perFile {
		file := fmt.Sprintf("warcs/2014/08/12/r-%05d.warc.gz", i/perFile)
		pages := make([]index.Page, perFile)
		for j := range pages {
			pages[j] = article(b, file, int64(j)*1000, fmt.Sprintf("http://news.example/%d/%d", i, j), "20140812093000", "Title", texts[j%len(texts)])
		}
		b.StopTimer()
		if err := idx.Add(ctx, nil, pages); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := idx.UpdateSearch(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func dropSearchTriggers(b *testing.B, root string) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(root, layout.IndexFile)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, tr := range []string{"before", "inserted", "deleted", "updated"} {
		if _, err := db.Exec(`DROP TRIGGER pages_search_` + tr); err != nil {
			b.Fatal(err)
		}
	}
}
