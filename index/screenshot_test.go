package index_test

import (
	"bytes"
	"context"
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

const shotPage = "http://127.0.0.1:8080/story"

// fakePNG stands for a screenshot: only its bytes and type matter here.
var fakePNG = []byte("\x89PNG\r\n\x1a\n....screenshot....")

// writeScreenshot writes one WARC file holding a page's response and its
// screenshot as a browser capture writes it: a resource record at
// "urn:view:<page>", image/png, two seconds after the page, concurrent to
// its response. It returns the file's entries.
func writeScreenshot(t *testing.T, root string) []warc.Entry {
	t.Helper()
	clock := time.Date(2026, 12, 6, 6, 0, 0, 0, time.UTC)
	fw, err := warc.NewFileWriter(warc.FileWriterConfig{Root: root, Dir: layout.Day, Prefix: "shot", Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello")
	var h warc.Header
	h.Add("WARC-Concurrent-To", "<urn:uuid:page>")
	es, err := fw.Write(
		&warc.Record{Type: warc.TypeResponse, ID: "<urn:uuid:page>", TargetURI: shotPage, Date: clock,
			ContentType: "application/http; msgtype=response", Block: bytes.NewReader(resp), BlockSize: int64(len(resp))},
		&warc.Record{Type: warc.TypeResource, TargetURI: warc.ViewURI(shotPage), Date: clock.Add(2 * time.Second),
			ContentType: "image/png", Header: h, Block: bytes.NewReader(fakePNG), BlockSize: int64(len(fakePNG))})
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	return es
}

// checkScreenshotFound: the screenshot is found by its URN nearest to the
// page's time, and only there: the page's own URL lists the page alone.
func checkScreenshotFound(t *testing.T, idx *index.Index, how, wantType string) {
	t.Helper()
	ctx := context.Background()
	key, err := warc.SURT(warc.ViewURI(shotPage))
	if err != nil || key != "urn:view:"+shotPage {
		t.Fatalf("SURT of the URN: %q %v", key, err)
	}
	near, err := idx.Closest(ctx, key, "20261206060000", 1)
	if err != nil || len(near) != 1 {
		t.Fatalf("%s: closest screenshot: %+v %v", how, near, err)
	}
	if c := near[0]; c.URL != warc.ViewURI(shotPage) || c.MIME != "image/png" || c.Timestamp != "20261206060002" || c.Type != wantType {
		t.Errorf("%s: screenshot row %+v", how, c)
	}
	var viaQuery int
	if err := idx.Lookup(ctx, index.Query{URL: warc.ViewURI(shotPage)}, func(index.Capture) error { viaQuery++; return nil }); err != nil || viaQuery != 1 {
		t.Errorf("%s: a query for the URN finds %d captures, %v", how, viaQuery, err)
	}
	pageKey, _ := warc.SURT(shotPage)
	if caps, err := idx.Captures(ctx, pageKey); err != nil || len(caps) != 1 || caps[0].MIME != "text/html" {
		t.Errorf("%s: the page's URL lists %+v, %v; want its response alone", how, caps, err)
	}
}

func TestScreenshotIsIndexedUnderItsURN(t *testing.T) {
	root := t.TempDir()
	es := writeScreenshot(t, root)

	// The CDXJ beside the WARC lists it under its URN.
	cdxj, _ := filepath.Glob(filepath.Join(root, "warcs", "*", "*", "*", "shot-*.cdxj"))
	if len(cdxj) != 1 {
		t.Fatalf("CDXJ files: %v", cdxj)
	}
	data, _ := os.ReadFile(cdxj[0])
	var found bool
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		c, err := warc.ParseCDXJ(l)
		if err != nil {
			t.Fatal(err)
		}
		if c.URLKey == "urn:view:"+shotPage {
			found = c.Timestamp == "20261206060002" && c.Fields["mime"] == "image/png" && c.Fields["url"] == warc.ViewURI(shotPage) &&
				c.Fields["offset"] == itoa(es[1].Offset) && c.Fields["digest"] == es[1].PayloadDigest && strings.HasPrefix(c.Fields["digest"], "sha256:")
		}
	}
	if !found {
		t.Errorf("no CDXJ line for the screenshot under its URN:\n%s", data)
	}

	// As the capture indexes it: the entry the writer returned, through a batcher.
	ctx := context.Background()
	idx := open(t, t.TempDir())
	c, err := index.CaptureOf(es[1])
	if err != nil {
		t.Fatal(err)
	}
	b := idx.NewBatcher()
	page, _ := index.CaptureOf(es[0])
	if err := b.Add([]index.Capture{page, c}, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	checkScreenshotFound(t, idx, "batcher", warc.TypeResource)

	// Rebuilt from the WARC (`vellum index`).
	local1 := open(t, root)
	if st, err := local1.Rebuild(ctx, root); err != nil || st.Captures != 2 {
		t.Fatalf("rebuild: %+v %v", st, err)
	}
	checkScreenshotFound(t, local1, "rebuild", warc.TypeResource)

	// From the CDXJ of a remote store: a CDXJ line does not say the record's
	// type, so the row is a response; replay reads the type from the record.
	remote := open(t, t.TempDir())
	if n, err := remote.SyncRemote(ctx, local.New(root), nil); err != nil || n != 1 {
		t.Fatalf("sync: %d files, %v", n, err)
	}
	checkScreenshotFound(t, remote, "remote", warc.TypeResponse)
}
