package index_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/warc"
)

// writeArchive writes a small WARC file into root the way a capture does:
// a request/response pair, a metadata record and a revisit.
func writeArchive(t *testing.T, root string) []warc.Entry {
	t.Helper()
	clock := time.Date(2014, 8, 12, 9, 30, 0, 0, time.UTC)
	fw, err := warc.NewFileWriter(warc.FileWriterConfig{Root: root, Dir: layout.Day, Prefix: "test", Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello")
	req := []byte("GET /story.html HTTP/1.1\r\nHost: news.example\r\n\r\n")
	var all []warc.Entry
	es, err := fw.Write(
		&warc.Record{Type: warc.TypeRequest, TargetURI: "http://news.example/story.html", ContentType: "application/http; msgtype=request",
			Block: bytes.NewReader(req), BlockSize: int64(len(req))},
		&warc.Record{Type: warc.TypeResponse, ID: "<urn:uuid:00000000-0000-4000-8000-000000000001>", TargetURI: "http://news.example/story.html",
			ContentType: "application/http; msgtype=response", Block: bytes.NewReader(resp), BlockSize: int64(len(resp))},
	)
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, es...)
	meta, _ := json.Marshal(map[string]any{"title": "Hello", "authors": []string{"Ada Reporter"}, "published": "2014-08-12T09:30:00+02:00", "text": "hello"})
	var h warc.Header
	h.Add("WARC-Concurrent-To", "<urn:uuid:00000000-0000-4000-8000-000000000001>")
	es, err = fw.Write(&warc.Record{Type: warc.TypeMetadata, TargetURI: "http://news.example/story.html", ContentType: "application/json",
		Header: h, Block: bytes.NewReader(meta), BlockSize: int64(len(meta))})
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, es...)
	clock = clock.Add(24 * time.Hour)
	var rh warc.Header
	rh.Add("WARC-Profile", warc.ProfileIdenticalPayloadDigest)
	rh.Add("WARC-Refers-To-Target-URI", "http://news.example/story.html")
	rh.Add("WARC-Refers-To-Date", "2014-08-12T09:30:00Z")
	rh.Add("WARC-Payload-Digest", all[1].PayloadDigest)
	head := resp[:len(resp)-5]
	es, err = fw.Write(&warc.Record{Type: warc.TypeRevisit, TargetURI: "http://news.example/story.html",
		ContentType: "application/http; msgtype=response", Header: rh, Block: bytes.NewReader(head), BlockSize: int64(len(head))})
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, es...)
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	return all
}

func open(t *testing.T, root string) *index.Index {
	t.Helper()
	idx, err := index.Open(context.Background(), filepath.Join(root, layout.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	return idx
}

func TestRebuildReadsCapturesAndPages(t *testing.T) {
	root := t.TempDir()
	entries := writeArchive(t, root)
	idx := open(t, root)
	ctx := context.Background()
	st, err := idx.Rebuild(ctx, root)
	if err != nil || len(st.Problems) != 0 || st.Files != 1 {
		t.Fatalf("rebuild: %+v %v", st, err)
	}
	caps, err := idx.Captures(ctx, "example,news)/story.html")
	if err != nil {
		t.Fatal(err)
	}
	if len(caps) != 2 {
		t.Fatalf("captures: %+v", caps)
	}
	resp, rev := caps[0], caps[1]
	if resp.Type != "response" || resp.Timestamp != "20140812093000" || resp.Status != 200 || resp.MIME != "text/html" ||
		resp.Offset != entries[1].Offset || resp.Length != entries[1].Length || resp.Digest != entries[1].PayloadDigest {
		t.Errorf("response row: %+v", resp)
	}
	if rev.Type != "revisit" || rev.Timestamp != "20140813093000" || rev.RefersToURL != "http://news.example/story.html" ||
		rev.RefersToTimestamp != "20140812093000" || rev.Digest != resp.Digest {
		t.Errorf("revisit row: %+v", rev)
	}
	pages, _ := idx.AllPages(ctx)
	if len(pages) != 1 || pages[0].Title != "Hello" || !reflect.DeepEqual(pages[0].Authors, []string{"Ada Reporter"}) ||
		pages[0].ConcurrentTo != "<urn:uuid:00000000-0000-4000-8000-000000000001>" {
		t.Errorf("pages: %+v", pages)
	}
}

func TestRowsFromWritingEqualRowsFromRebuild(t *testing.T) {
	root := t.TempDir()
	entries := writeArchive(t, root)
	idx := open(t, root)
	ctx := context.Background()
	b := idx.NewBatcher()
	for _, e := range entries {
		if warc.Indexed(e) {
			c, err := index.CaptureOf(e)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Add([]index.Capture{c}, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	live, _ := idx.AllCaptures(ctx)
	if _, err := idx.Rebuild(ctx, root); err != nil {
		t.Fatal(err)
	}
	rebuilt, _ := idx.AllCaptures(ctx)
	if len(live) != 2 || !reflect.DeepEqual(live, rebuilt) {
		t.Errorf("live rows %+v\nrebuilt %+v", live, rebuilt)
	}
	// Adding the same rows again keeps one row per record.
	if err := idx.Add(ctx, live, nil); err != nil {
		t.Fatal(err)
	}
	again, _ := idx.AllCaptures(ctx)
	if len(again) != 2 {
		t.Errorf("%d rows after adding twice", len(again))
	}
}

func TestRebuildReportsDamageAndKeepsWhatCameBefore(t *testing.T) {
	root := t.TempDir()
	writeArchive(t, root)
	names, err := index.WARCFiles(root)
	if err != nil || len(names) != 1 {
		t.Fatalf("files %v %v", names, err)
	}
	path := filepath.Join(root, names[0])
	data, _ := os.ReadFile(path)
	// Cut the file inside its last record (the revisit).
	if err := os.WriteFile(path, data[:len(data)-20], 0o644); err != nil {
		t.Fatal(err)
	}
	idx := open(t, root)
	st, err := idx.Rebuild(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Problems) != 1 || st.Captures != 1 || st.Pages != 1 {
		t.Errorf("rebuild of a cut file: %+v", st)
	}
}

func TestBatcherFlushesWithinItsInterval(t *testing.T) {
	root := t.TempDir()
	entries := writeArchive(t, root)
	idx := open(t, root)
	b := idx.NewBatcher()
	defer b.Close()
	c, _ := index.CaptureOf(entries[1])
	if err := b.Add([]index.Capture{c}, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if rows, _ := idx.AllCaptures(context.Background()); len(rows) == 1 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("a queued row did not reach the database within 5 s (flush interval %s)", index.FlushInterval)
}
