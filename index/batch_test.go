package index_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
)

// rowsOf makes n capture rows of a file.
func rowsOf(file string, n int) []index.Capture {
	caps := make([]index.Capture, n)
	for i := range caps {
		caps[i] = index.Capture{URLKey: fmt.Sprintf("example,news)/%d.html", i), Timestamp: "20140812093000",
			URL: fmt.Sprintf("http://news.example/%d.html", i), Type: "response", MIME: "text/html", Status: 200,
			Digest: "sha256:00", Length: 100, Offset: int64(i) * 100, Filename: file, RecordID: fmt.Sprintf("<urn:uuid:%d>", i)}
	}
	return caps
}

// TestBatcherHoldsRowsUntilTheFileIsClosed: the rows of a file being
// written are found by no lookup until the file has its name; rows of a
// file closed meanwhile go straight in; a file never closed leaves no row,
// and repair (ReplaceFile) or Rebuild drops what was held for it.
func TestBatcherHoldsRowsUntilTheFileIsClosed(t *testing.T) {
	root := t.TempDir()
	idx := open(t, root)
	ctx := context.Background()
	count := func() int {
		n, err := idx.Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}
	const a, b, c = "warcs/2014/08/12/r-00000.warc.gz", "warcs/2014/08/12/r-00001.warc.gz", "warcs/2014/08/12/r-00002.warc.gz"
	bt := idx.NewBatcher()
	bt.FileOpened(a)
	bt.FileOpened(b)
	bt.FileOpened(c)
	bt.Add(rowsOf(a, 3), nil)
	bt.Add(rowsOf(b, 2), nil)
	bt.Add(rowsOf(c, 4), nil)
	bt.FileClosed(a)
	more := rowsOf(a, 5)[3:] // written before the rename, added after it
	bt.Add(more, nil)
	if err := bt.Close(); err != nil {
		t.Fatal(err)
	}
	caps, err := idx.AllCaptures(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(caps) != 5 {
		t.Fatalf("%d rows after closing one file of 5 rows, want 5: %+v", len(caps), caps)
	}
	for _, c := range caps {
		if c.Filename != a {
			t.Errorf("a row of %s, which was never closed, is visible", c.Filename)
		}
	}
	// Repair of b: the file's rows are what it holds now.
	if err := idx.ReplaceFile(ctx, b, rowsOf(b, 1), nil); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 6 {
		t.Errorf("%d rows after repairing b, want 6", n)
	}
	// c's file is gone: Rebuild drops its held rows (none reappear).
	if _, err := idx.Rebuild(ctx, root); err != nil {
		t.Fatal(err)
	}
	bt = idx.NewBatcher()
	bt.FileOpened(c)
	bt.FileClosed(c)
	if err := bt.Close(); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Errorf("%d rows after Rebuild of an archive without files, want 0", n)
	}
}

// BenchmarkBatcher measures a row's cost through the Batcher, written
// straight in (a finished file) or held apart and moved in at the file's
// close (a file being written).
func BenchmarkBatcher(b *testing.B) {
	for _, held := range []bool{false, true} {
		b.Run(fmt.Sprintf("held=%v", held), func(b *testing.B) {
			idx, err := index.Open(context.Background(), filepath.Join(b.TempDir(), layout.IndexFile))
			if err != nil {
				b.Fatal(err)
			}
			defer idx.Close()
			const perFile = 10000
			b.ResetTimer()
			for i := 0; i < b.N; i += perFile {
				file := fmt.Sprintf("warcs/2014/08/12/r-%05d.warc.gz", i/perFile)
				bt := idx.NewBatcher()
				if held {
					bt.FileOpened(file)
				}
				rows := rowsOf(file, perFile)
				for j := 0; j < len(rows); j += 100 {
					bt.Add(rows[j:j+100], nil)
				}
				bt.FileClosed(file)
				if err := bt.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A batch whose write fails is tried again with the next: the rows of a
// file closed just then reach the tables lookups read once the index can be
// written again, instead of staying held apart for good.
func TestBatcherTriesAFailedBatchAgain(t *testing.T) {
	root := t.TempDir()
	idx := open(t, root)
	ctx := context.Background()
	other, err := sql.Open("sqlite", "file:"+filepath.Join(root, layout.IndexFile)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	const a = "warcs/2014/08/12/r-00000.warc.gz"
	bt := idx.NewBatcher()
	bt.FileOpened(a)
	bt.Add(rowsOf(a, 3), nil)
	// The table lookups read goes away: moving a's rows in fails.
	if _, err := other.Exec(`ALTER TABLE captures RENAME TO captures_away`); err != nil {
		t.Fatal(err)
	}
	bt.FileClosed(a)
	deadline := time.Now().Add(time.Minute)
	for bt.Add(nil, nil) == nil {
		if time.Now().After(deadline) {
			t.Fatal("the batch never failed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := other.Exec(`ALTER TABLE captures_away RENAME TO captures`); err != nil {
		t.Fatal(err)
	}
	if err := bt.Close(); err == nil {
		t.Error("Close forgot the earlier failure")
	}
	if n, err := idx.Count(ctx); err != nil || n != 3 {
		t.Errorf("%d captures after the index could be written again (err %v), want 3", n, err)
	}
}
