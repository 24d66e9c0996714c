package wacz

import (
	"context"
	"testing"

	"github.com/vellumhq/vellum/index"
)

// exportAll writes a WACZ of every capture of the archive.
func exportAll(t *testing.T, root string, idx *index.Index) string {
	t.Helper()
	sel := NewSelection()
	if err := idx.CapturesBetween(context.Background(), "", "99999999999999", func(c index.Capture) error { sel.Add(c); return nil }); err != nil {
		t.Fatal(err)
	}
	path, _ := export(t, root, idx, sel)
	return path
}

func countCaptures(t *testing.T, idx *index.Index) int64 {
	t.Helper()
	n, err := idx.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportOfItsOwnExportAddsNothing(t *testing.T) {
	root, idx := testArchive(t, 3)
	path := exportAll(t, root, idx)
	res, err := ImportWACZ(context.Background(), root, idx, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Added) != 0 || len(res.Held) != 1 {
		t.Fatalf("importing an archive's own export: %+v", res)
	}
	names, _ := index.WARCFiles(root)
	if res.Held[0].As != names[0] {
		t.Errorf("held as %q, want %q", res.Held[0].As, names[0])
	}
	if n := countCaptures(t, idx); n != 3 {
		t.Errorf("%d captures after importing the archive's own export, want 3", n)
	}
	if names, _ := index.WARCFiles(root); len(names) != 1 {
		t.Errorf("WARC files %v, want the one captured", names)
	}
}

func TestImportFinishesAnInterruptedImport(t *testing.T) {
	root, idx := testArchive(t, 3)
	path := exportAll(t, root, idx)
	fresh := t.TempDir()
	fidx := openIndex(t, fresh)
	res, err := ImportWACZ(context.Background(), fresh, fidx, path)
	if err != nil || len(res.Added) != 1 {
		t.Fatalf("import: %+v %v", res, err)
	}
	// Cut short: the file is in place, its rows are not all in the index.
	if err := fidx.ReplaceFile(context.Background(), res.Added[0].Name, nil, nil); err != nil {
		t.Fatal(err)
	}
	again, err := ImportWACZ(context.Background(), fresh, fidx, path)
	if err != nil || len(again.Added) != 0 || len(again.Present) != 1 {
		t.Fatalf("importing again: %+v %v", again, err)
	}
	if n := countCaptures(t, fidx); n != 3 {
		t.Errorf("%d captures after importing again, want 3", n)
	}
}
