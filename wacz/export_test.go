package wacz

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/warc"
)

// testArchive writes an archive of n pages (request, response and metadata
// record each) in one WARC file, indexed.
func testArchive(t *testing.T, n int) (string, *index.Index) {
	t.Helper()
	root := t.TempDir()
	fw, err := warc.NewFileWriter(warc.FileWriterConfig{Root: root, Dir: layout.Day, Prefix: "20240301T120000Z-abcd",
		Now: func() time.Time { return time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		u := fmt.Sprintf("http://example.org/p%d", i)
		body := fmt.Sprintf("<html><title>Page %d</title></html>", i)
		resp := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		req := "GET / HTTP/1.1\r\nHost: example.org\r\n\r\n"
		id := warc.NewRecordID()
		var rh, mh warc.Header
		rh.Add("WARC-Concurrent-To", id)
		mh.Add("WARC-Concurrent-To", id)
		meta := fmt.Sprintf(`{"title":"Page %d","text":"words of page %d"}`, i, i)
		if _, err := fw.Write(
			&warc.Record{Type: warc.TypeRequest, TargetURI: u, ContentType: "application/http; msgtype=request", Header: rh,
				Block: strings.NewReader(req), BlockSize: int64(len(req))},
			&warc.Record{Type: warc.TypeResponse, ID: id, TargetURI: u, ContentType: "application/http; msgtype=response",
				Block: strings.NewReader(resp), BlockSize: int64(len(resp))},
			&warc.Record{Type: warc.TypeMetadata, TargetURI: warc.PageInfoURI(u), ContentType: "application/json", Header: mh,
				Block: strings.NewReader(meta), BlockSize: int64(len(meta))},
		); err != nil {
			t.Fatal(err)
		}
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	idx := openIndex(t, root)
	names, err := index.WARCFiles(root)
	if err != nil || len(names) != 1 {
		t.Fatalf("WARC files %v %v", names, err)
	}
	if _, _, err := idx.AddFile(context.Background(), root, names[0]); err != nil {
		t.Fatal(err)
	}
	return root, idx
}

func openIndex(t *testing.T, root string) *index.Index {
	t.Helper()
	idx, _, err := index.OpenArchive(context.Background(), root, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	return idx
}

// export writes a WACZ of the selection to a file and returns its path.
func export(t *testing.T, root string, idx *index.Index, sel *Selection) (string, ExportStats) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "x.wacz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := NewWriter(f, Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var last int64
	st, err := Export(context.Background(), w, root, idx, sel, func(done, total int64) { last = done })
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if last == 0 {
		t.Errorf("no progress reported")
	}
	b, _ := os.ReadFile(path)
	if probs, _ := verifyBytes(t, b); len(probs) > 0 {
		t.Fatalf("the export does not verify: %q", probs)
	}
	return path, st
}

func TestExportPartOfAFile(t *testing.T) {
	root, idx := testArchive(t, 3)
	sel := NewSelection()
	err := idx.Lookup(context.Background(), index.Query{URL: "http://example.org/p1"}, func(c index.Capture) error { sel.Add(c); return nil })
	if err != nil || sel.Len() != 1 {
		t.Fatalf("selection %d %v", sel.Len(), err)
	}
	path, st := export(t, root, idx, sel)
	if st.PartFiles != 1 || st.WholeFiles != 0 || st.Records != 1 || st.Pages != 1 {
		t.Fatalf("stats %+v", st)
	}
	b, _ := os.ReadFile(path)
	var part []byte
	for name, data := range zipFiles(t, b) {
		if strings.HasPrefix(name, "archive/") {
			if !strings.HasSuffix(name, "-part.warc.gz") {
				t.Errorf("%s: want a part file", name)
			}
			part = data
		}
	}
	var types []string
	r, _ := warc.NewReader(bytes.NewReader(part))
	for {
		rec, err := r.Next()
		if err != nil {
			break
		}
		types = append(types, rec.Header.Get("WARC-Type")+" "+rec.Header.Get("WARC-Target-URI"))
	}
	want := "warcinfo |request http://example.org/p1|response http://example.org/p1|metadata urn:pageinfo:http://example.org/p1"
	if got := strings.Join(types, "|"); got != want {
		t.Errorf("records of the part:\n%s\nwant\n%s", got, want)
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	root, idx := testArchive(t, 3)
	sel := NewSelection()
	if err := idx.CapturesBetween(context.Background(), "", "99999999999999", func(c index.Capture) error { sel.Add(c); return nil }); err != nil {
		t.Fatal(err)
	}
	path, st := export(t, root, idx, sel)
	if st.WholeFiles != 1 || st.Records != 3 || st.Pages != 3 {
		t.Fatalf("stats %+v", st)
	}
	fresh := t.TempDir()
	fidx := openIndex(t, fresh)
	res, err := ImportWACZ(context.Background(), fresh, fidx, path)
	if err != nil || len(res.Added) != 1 || res.Added[0].Captures != 3 || res.Added[0].Pages != 3 {
		t.Fatalf("import: %+v %v", res, err)
	}
	if !strings.HasPrefix(res.Added[0].Name, "warcs/imported/"+res.Added[0].SHA256[:16]+"/") {
		t.Errorf("imported as %s", res.Added[0].Name)
	}
	again, err := ImportWACZ(context.Background(), fresh, fidx, path)
	if err != nil || len(again.Added) != 0 || len(again.Present) != 1 {
		t.Fatalf("importing again: %+v %v", again, err)
	}
	n, _ := fidx.Count(context.Background())
	if n != 3 {
		t.Errorf("%d captures in the importing archive, want 3", n)
	}
	// A WACZ whose WARC does not match its manifest imports nothing.
	b, _ := os.ReadFile(path)
	bad := filepath.Join(t.TempDir(), "bad.wacz")
	os.WriteFile(bad, tamper(t, b, "archive/"+filepath.Base(res.Added[0].Name), 100), 0o644)
	other := t.TempDir()
	if _, err := ImportWACZ(context.Background(), other, openIndex(t, other), bad); err == nil {
		t.Errorf("a tampered WACZ imported")
	}
}

func zipFiles(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	a, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range a.zr.File {
		out[f.Name] = readEntry(t, b, f.Name)
	}
	return out
}
