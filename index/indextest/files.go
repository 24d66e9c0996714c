package indextest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/storage/local"
	"github.com/vellumhq/vellum/warc"
)

const storyURL = "http://news.example/story.html"

// writeArchive writes one WARC file (and its CDXJ) into root as a capture
// does: a request and response, the page's metadata, and a day later a
// revisit. It returns the file's name, relative to root.
func writeArchive(t *testing.T, root string) string {
	t.Helper()
	clock := time.Date(2014, 8, 12, 9, 30, 0, 0, time.UTC)
	var name string
	fw, err := warc.NewFileWriter(warc.FileWriterConfig{Root: root, Dir: layout.Day, Prefix: "test",
		Now: func() time.Time { return clock }, OnClose: func(c warc.ClosedFile) { name = c.Filename }})
	if err != nil {
		t.Fatal(err)
	}
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello")
	req := []byte("GET /story.html HTTP/1.1\r\nHost: news.example\r\n\r\n")
	es, err := fw.Write(
		&warc.Record{Type: warc.TypeRequest, TargetURI: storyURL, ContentType: "application/http; msgtype=request",
			Block: bytes.NewReader(req), BlockSize: int64(len(req))},
		&warc.Record{Type: warc.TypeResponse, ID: "<urn:uuid:00000000-0000-4000-8000-000000000001>", TargetURI: storyURL,
			ContentType: "application/http; msgtype=response", Block: bytes.NewReader(resp), BlockSize: int64(len(resp))},
	)
	if err != nil {
		t.Fatal(err)
	}
	meta, _ := json.Marshal(map[string]any{"title": "Hello from the newsroom", "authors": []string{"Ada Reporter"}, "text": "hello readers"})
	var h warc.Header
	h.Add("WARC-Concurrent-To", "<urn:uuid:00000000-0000-4000-8000-000000000001>")
	if _, err := fw.Write(&warc.Record{Type: warc.TypeMetadata, TargetURI: warc.PageInfoURI(storyURL), ContentType: "application/json",
		Header: h, Block: bytes.NewReader(meta), BlockSize: int64(len(meta))}); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(24 * time.Hour)
	var rh warc.Header
	rh.Add("WARC-Profile", warc.ProfileIdenticalPayloadDigest)
	rh.Add("WARC-Refers-To-Target-URI", storyURL)
	rh.Add("WARC-Refers-To-Date", "2014-08-12T09:30:00Z")
	rh.Add("WARC-Payload-Digest", es[1].PayloadDigest)
	head := resp[:len(resp)-5]
	if _, err := fw.Write(&warc.Record{Type: warc.TypeRevisit, TargetURI: storyURL, ContentType: "application/http; msgtype=response",
		Header: rh, Block: bytes.NewReader(head), BlockSize: int64(len(head))}); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	if name == "" {
		t.Fatal("the WARC writer named no file")
	}
	return name
}

// wantStory checks that the index holds the archive of writeArchive: the
// response and its revisit, the page, findable by its words.
func wantStory(t *testing.T, x Index) {
	t.Helper()
	caps, err := x.Captures(ctx, key(t, storyURL))
	if err != nil {
		t.Fatal(err)
	}
	want(t, "captures", stamps(caps), "20140812093000 20140813093000")
	if len(caps) == 2 && (caps[0].Type != warc.TypeResponse || caps[1].Type != warc.TypeRevisit || caps[1].Digest != caps[0].Digest) {
		t.Errorf("captures: %+v", caps)
	}
	ps, err := x.PagesOf(ctx, key(t, storyURL))
	if err != nil || len(ps) != 1 || ps[0].Title != "Hello from the newsroom" {
		t.Errorf("pages: %+v, %v", ps, err)
	}
	want(t, "search newsroom", hitURLs(search(t, x, index.SearchQuery{Words: "newsroom"})), storyURL)
}

// The index made from an archive's WARC files holds what they hold; made
// again it holds it once; a file re-read after it is gone keeps no rows,
// and one added back is there again. An export's span reads it back.
func fromWARCs(t *testing.T, x Index) {
	root := t.TempDir()
	name := writeArchive(t, root)
	add(t, x, []index.Capture{capture(t, "http://gone.example/", "20140101000000", fileOther, 1)}, nil) // no file holds it
	for range 2 {
		st, err := x.Rebuild(ctx, root)
		if err != nil || st.Files != 1 || st.Captures != 2 || st.Pages != 1 || len(st.Problems) != 0 {
			t.Fatalf("Rebuild = %+v, %v", st, err)
		}
	}
	wantStory(t, x)
	if n, _ := x.Count(ctx); n != 2 {
		t.Errorf("after Rebuild, Count = %d; want 2: the rows of files that are not there are gone", n)
	}
	var between []index.Capture
	if err := x.CapturesBetween(ctx, "20140813000000", "20140813235959", func(c index.Capture) error {
		between = append(between, c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want(t, "CapturesBetween the second day", stamps(between), "20140813093000")

	path := filepath.Join(root, filepath.FromSlash(name))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := x.ReindexFile(ctx, root, name); err != nil {
		t.Fatalf("ReindexFile of a file gone: %v", err)
	}
	if n, _ := x.Count(ctx); n != 0 {
		t.Errorf("after its file is gone, %d captures remain", n)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	caps, pages, err := x.AddFile(ctx, root, name)
	if err != nil || caps != 2 || pages != 1 {
		t.Errorf("AddFile = %d captures, %d pages, %v; want 2, 1", caps, pages, err)
	}
	wantStory(t, x)
}

// A node with no WARC files of its own (a replay node) indexes what any
// worker uploaded, from the CDXJ files of the remote store; once only.
func fromRemote(t *testing.T, x Index) {
	root := t.TempDir()
	writeArchive(t, root)
	store := local.New(root)
	n, err := x.SyncRemote(ctx, store, nil)
	if err != nil || n != 1 {
		t.Fatalf("SyncRemote = %d, %v; want 1 file", n, err)
	}
	wantStory(t, x)
	if n, err := x.SyncRemote(ctx, store, nil); err != nil || n != 0 {
		t.Errorf("SyncRemote again = %d, %v; want nothing new", n, err)
	}
	if n, _ := x.Count(ctx); n != 2 {
		t.Errorf("Count after two syncs = %d, want 2", n)
	}
}
