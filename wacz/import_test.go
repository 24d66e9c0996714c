package wacz

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/storage/local"
	"github.com/vellumhq/vellum/warc"
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

// TestImportedFilesReachCDXJReaders: an imported file gets its CDXJ beside
// it, as captured ones do, so a node reading the archive's store through
// CDXJ files (serve --remote, index --remote) finds its captures; a plain
// .warc as well.
func TestImportedFilesReachCDXJReaders(t *testing.T) {
	ctx := context.Background()
	root, idx := testArchive(t, 3)
	path := exportAll(t, root, idx)
	fresh := t.TempDir()
	res, err := ImportWACZ(ctx, fresh, openIndex(t, fresh), path)
	if err != nil || len(res.Added) != 1 {
		t.Fatalf("import: %+v %v", res, err)
	}
	reader := func(store string, haveLocal func(string) bool) (int, int64) {
		t.Helper()
		other := t.TempDir()
		oidx := openIndex(t, other)
		n, err := oidx.SyncRemote(ctx, local.New(store), haveLocal)
		if err != nil {
			t.Fatal(err)
		}
		return n, countCaptures(t, oidx)
	}
	if files, caps := reader(fresh, nil); files != 1 || caps != 3 {
		t.Errorf("a CDXJ reader of the importing archive found %d files, %d captures; want 1, 3", files, caps)
	}

	// The same WARC, gunzipped, imported as a plain .warc.
	gz, err := os.ReadFile(filepath.Join(fresh, filepath.FromSlash(res.Added[0].Name)))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "plain.warc")
	os.WriteFile(src, plain, 0o644)
	third := t.TempDir()
	if res, err := ImportWARC(ctx, third, openIndex(t, third), src); err != nil || len(res.Added) != 1 {
		t.Fatalf("import of a plain WARC: %+v %v", res, err)
	}
	if files, caps := reader(third, nil); files != 1 || caps != 3 {
		t.Errorf("a CDXJ reader found %d files, %d captures of an imported plain WARC; want 1, 3", files, caps)
	}
	if files, _ := reader(third, layout.HaveLocal(third)); files != 0 {
		t.Errorf("the CDXJ of a plain WARC held locally was read (%d files)", files)
	}
}

// zipBomb is a WACZ whose archive/a.warc.gz, listed in datapackage.json at
// 1000 bytes, is a deflated run of zeros declaring 100 GB.
func zipBomb(t *testing.T) []byte {
	t.Helper()
	var data bytes.Buffer
	fw, _ := flate.NewWriter(&data, flate.BestSpeed)
	zeros := make([]byte, 1<<20)
	for range 8 {
		fw.Write(zeros)
	}
	fw.Close()
	pkg, _ := json.Marshal(Package{Profile: "data-package", WACZVersion: Version, Resources: []Resource{
		{Name: "a.warc.gz", Path: "archive/a.warc.gz", Hash: "sha256:" + strings.Repeat("0", 64), Bytes: 1000}}})
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("datapackage.json")
	w.Write(pkg)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "archive/a.warc.gz", Method: zip.Deflate,
		CompressedSize64: uint64(data.Len()), UncompressedSize64: 100 << 30})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestZipBombRefused(t *testing.T) {
	b := zipBomb(t)
	path := filepath.Join(t.TempDir(), "bomb.wacz")
	os.WriteFile(path, b, 0o644)
	root := t.TempDir()
	idx := openIndex(t, root)
	res, err := ImportWACZ(context.Background(), root, idx, path)
	if err == nil || !strings.Contains(err.Error(), "declares 107374182400 bytes") || strings.Contains(err.Error(), "\n") {
		t.Errorf("import of a zip bomb: %v", err)
	}
	if len(res.Added) != 0 || countCaptures(t, idx) != 0 {
		t.Errorf("a zip bomb imported: %+v", res)
	}
	if names, _ := index.WARCFiles(root); len(names) != 0 {
		t.Errorf("files left in the archive: %v", names)
	}
	left, _ := filepath.Glob(filepath.Join(root, layout.WARCDir, layout.ImportedDir, "*"))
	if len(left) != 0 {
		t.Errorf("files left in the archive: %v", left)
	}
	probs, _ := verifyBytes(t, b)
	found := false
	for _, p := range probs {
		found = found || strings.Contains(p, "archive/a.warc.gz") && strings.Contains(p, "declares 107374182400 bytes")
	}
	if !found {
		t.Errorf("verify of a zip bomb: %q", probs)
	}
}

// TestImportedPagesAttachToTheirOwnCaptures: pages.jsonl's pages go with
// the WACZ's captures, not with a capture of the same URL the archive held
// already nearer to the page's time.
func TestImportedPagesAttachToTheirOwnCaptures(t *testing.T) {
	ctx := context.Background()
	root, idx := testArchive(t, 2) // captures of example.org/p0, p1 at 12:00
	var buf bytes.Buffer
	w, err := warc.NewWriter(&buf, true, warc.WithClock(func() time.Time { return time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC) }))
	if err != nil {
		t.Fatal(err)
	}
	ours := map[string]bool{}
	var ents []warc.Entry
	for i := range 2 {
		body := fmt.Sprintf("<html><title>Other %d</title></html>", i)
		http := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		es, err := w.Write(&warc.Record{Type: warc.TypeResponse, TargetURI: fmt.Sprintf("http://example.org/p%d", i),
			ContentType: "application/http; msgtype=response", Block: strings.NewReader(http), BlockSize: int64(len(http))})
		if err != nil {
			t.Fatal(err)
		}
		ents = append(ents, es...)
		ours[es[0].ID] = true
	}
	var out bytes.Buffer
	zw, err := NewWriter(&out, Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := zw.CreateWARC("other.warc.gz")
	f.Write(buf.Bytes())
	for _, e := range ents {
		f.Add(e)
		// The page's time is the archive's own capture's, 12:00.
		zw.AddPage(Page{URL: e.TargetURI, TS: e.Date.Add(2 * time.Hour), Title: "Other", Text: "other words"})
	}
	f.Close()
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "other.wacz")
	os.WriteFile(path, out.Bytes(), 0o644)
	res, err := ImportWACZ(ctx, root, idx, path)
	if err != nil || len(res.Added) != 2 {
		t.Fatalf("import: %+v %v", res, err)
	}
	pagesFile := res.Added[1].Name
	n := 0
	err = warc.ScanFile(filepath.Join(root, filepath.FromSlash(pagesFile)), pagesFile, func(e warc.Entry) error {
		n++
		if !ours[e.ConcurrentTo] {
			t.Errorf("page %s attached to %s, not to a capture of the WACZ", e.TargetURI, e.ConcurrentTo)
		}
		return nil
	})
	if err != nil || n != 2 {
		t.Errorf("%d pages in %s: %v", n, pagesFile, err)
	}
}
