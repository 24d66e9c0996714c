package index_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/storage/local"
	"github.com/vellumhq/vellum/warc"
)

// writePage writes one WARC file (named after prefix) holding a page's
// response and its metadata record at metaTarget, and returns the file's
// entries.
func writePage(t *testing.T, root, prefix, page, metaTarget, title string) []warc.Entry {
	t.Helper()
	clock := time.Date(2014, 8, 12, 9, 30, 0, 0, time.UTC)
	fw, err := warc.NewFileWriter(warc.FileWriterConfig{Root: root, Dir: layout.Day, Prefix: prefix, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello")
	es, err := fw.Write(&warc.Record{Type: warc.TypeResponse, ID: "<urn:uuid:" + prefix + ">", TargetURI: page,
		ContentType: "application/http; msgtype=response", Block: bytes.NewReader(resp), BlockSize: int64(len(resp))})
	if err != nil {
		t.Fatal(err)
	}
	meta, _ := json.Marshal(map[string]any{"title": title, "text": "The river rose."})
	var h warc.Header
	h.Add("WARC-Concurrent-To", "<urn:uuid:"+prefix+">")
	ms, err := fw.Write(&warc.Record{Type: warc.TypeMetadata, TargetURI: metaTarget, ContentType: "application/json",
		Header: h, Block: bytes.NewReader(meta), BlockSize: int64(len(meta))})
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	return append(es, ms...)
}

// TestBothFormsOfTheMetadataRecordAreRead: archives written before the
// metadata record moved to urn:pageinfo:<url> keep their titles and text,
// and both forms make the same page row.
func TestBothFormsOfTheMetadataRecordAreRead(t *testing.T) {
	root := t.TempDir()
	const page = "http://news.example/story.html"
	writePage(t, root, "old", page, page, "Old form")
	writePage(t, root, "new", page, warc.PageInfoURI(page), "New form")
	idx := open(t, root)
	ctx := context.Background()
	st, err := idx.Rebuild(ctx, root)
	if err != nil || len(st.Problems) != 0 || st.Files != 2 || st.Captures != 2 || st.Pages != 2 {
		t.Fatalf("rebuild: %+v %v", st, err)
	}
	pages, err := idx.PagesOf(ctx, "example,news)/story.html")
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]bool{}
	for _, p := range pages {
		titles[p.Title] = true
		if p.URL != page || p.Text != "The river rose." {
			t.Errorf("page row: URL %q, text %q", p.URL, p.Text)
		}
	}
	if len(pages) != 2 || !titles["Old form"] || !titles["New form"] {
		t.Errorf("pages of the URL: %+v", pages)
	}
	caps, _ := idx.AllCaptures(ctx)
	if len(caps) != 2 || caps[0].Type != warc.TypeResponse || caps[1].Type != warc.TypeResponse {
		t.Errorf("captures: %+v", caps)
	}
}

// TestCDXJListsPageInfoRecordsUnderTheirURN: the CDXJ beside a WARC lists
// the new form's metadata record under its own URN, never under the page's
// URL, so an index made from CDXJ files alone can find it (a replay node
// on S3) and never takes it for the page.
func TestCDXJListsPageInfoRecordsUnderTheirURN(t *testing.T) {
	root := t.TempDir()
	const page = "http://news.example/story.html"
	es := writePage(t, root, "new", page, warc.PageInfoURI(page), "New form")
	cdxj, _ := filepath.Glob(filepath.Join(root, "warcs", "*", "*", "*", "new-*.cdxj"))
	if len(cdxj) != 1 {
		t.Fatalf("CDXJ files: %v", cdxj)
	}
	data, err := os.ReadFile(cdxj[0])
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 {
		t.Fatalf("CDXJ lines:\n%s", data)
	}
	var pageLines, infoLines int
	for _, l := range lines {
		c, err := warc.ParseCDXJ(l)
		if err != nil {
			t.Fatal(err)
		}
		switch c.Fields["url"] {
		case page:
			pageLines++
		case warc.PageInfoURI(page):
			infoLines++
			if c.Fields["offset"] != itoa(es[1].Offset) || c.Fields["mime"] != "application/json" {
				t.Errorf("pageinfo line %q, want offset %d", l, es[1].Offset)
			}
		}
	}
	if pageLines != 1 || infoLines != 1 {
		t.Errorf("CDXJ lines:\n%s", data)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestSyncRemoteFillsPagesFromMetadataRecords: an index made from a store's
// CDXJ files alone gets the pages too: through the CDXJ lines of the new
// form's records, and by reading the WARC of a CDXJ file without such lines.
func TestSyncRemoteFillsPagesFromMetadataRecords(t *testing.T) {
	remote := t.TempDir()
	const page = "http://news.example/story.html"
	writePage(t, remote, "old", page, page, "Old form")
	writePage(t, remote, "new", page, warc.PageInfoURI(page), "New form")
	idx := open(t, t.TempDir())
	ctx := context.Background()
	n, err := idx.SyncRemote(ctx, local.New(remote), nil)
	if err != nil || n != 2 {
		t.Fatalf("sync: %d files, %v", n, err)
	}
	caps, _ := idx.AllCaptures(ctx)
	pages, _ := idx.AllPages(ctx)
	if len(caps) != 2 || len(pages) != 2 {
		t.Fatalf("%d captures, %d pages: %+v", len(caps), len(pages), pages)
	}
	for _, p := range pages {
		if p.URL != page || p.Text != "The river rose." || (p.Title != "Old form" && p.Title != "New form") {
			t.Errorf("page row: %+v", p)
		}
	}
	// Rebuilt from the files themselves, the rows are the same.
	local2 := open(t, remote)
	if _, err := local2.Rebuild(ctx, remote); err != nil {
		t.Fatal(err)
	}
	want, _ := local2.AllPages(ctx)
	if !reflect.DeepEqual(pages, want) {
		t.Errorf("pages from the remote:\n%+v\nfrom the files:\n%+v", pages, want)
	}
}
