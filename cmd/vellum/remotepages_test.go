package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/internal/miniotest"
	"github.com/vellumhq/vellum/internal/testsite"
	"github.com/vellumhq/vellum/warc"
)

// writeOldFormArchive writes, under root, a WARC file as Vellum wrote them
// before item 11 of issue 9: the page's metadata record at the page's own
// URL, and a CDXJ file beside it listing the response only.
func writeOldFormArchive(t *testing.T, root, page, title string) {
	t.Helper()
	fw, err := warc.NewFileWriter(warc.FileWriterConfig{Root: root, Dir: layout.Day, Prefix: "20140812T093000Z-0ld0"})
	if err != nil {
		t.Fatal(err)
	}
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 30\r\n\r\n<title>" + title[:15] + "</title>")
	es, err := fw.Write(&warc.Record{Type: warc.TypeResponse, TargetURI: page, Date: time.Date(2014, 8, 12, 9, 30, 0, 0, time.UTC),
		ContentType: "application/http; msgtype=response", Block: bytes.NewReader(resp), BlockSize: int64(len(resp))})
	if err != nil {
		t.Fatal(err)
	}
	meta, _ := json.Marshal(map[string]any{"title": title, "text": "An old story."})
	var h warc.Header
	h.Add("WARC-Concurrent-To", es[0].ID)
	if _, err := fw.Write(&warc.Record{Type: warc.TypeMetadata, TargetURI: page, Date: es[0].Date, ContentType: "application/json",
		Header: h, Block: bytes.NewReader(meta), BlockSize: int64(len(meta))}); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
}

// waitForBody polls url until its body contains want.
func waitForBody(t *testing.T, url, want string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		body := getBody(t, url)
		if strings.Contains(body, want) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s has no %q within 15 s:\n%.600s", url, want, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestReplayNodeOnS3AloneShowsPagesAndTitles: a node serving a bucket from
// an empty archive lists the pages with their titles on its home page and
// in the calendar, as the node that captured them does, for archives
// written now and for archives whose CDXJ predates page lines.
func TestReplayNodeOnS3AloneShowsPagesAndTitles(t *testing.T) {
	m := miniotest.Start(t)
	site := testsite.New(t)
	archive := filepath.Join(t.TempDir(), "archive")
	const remote = "s3://vellum-test/news"
	if r := vellum(t, m.Env(), "capture", "--archive", archive, "--delay", "0", "--remote", remote, site.ArticleURL()); r.code != 0 {
		t.Fatalf("capture --remote: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	const title = "Borderland river floods for the third time this year"

	empty := filepath.Join(t.TempDir(), "empty")
	ui, _ := startServeEnv(t, m.Env(), empty, "--remote", remote, "--sync-interval", "200ms")
	home := getBody(t, ui+"/")
	if strings.Contains(home, "Nothing is archived yet") || !strings.Contains(home, title) {
		t.Errorf("home page of the S3 node lists no page:\n%.1500s", home)
	}
	if cal := getBody(t, ui+"/web/*/"+site.ArticleURL()); !strings.Contains(cal, title) {
		t.Errorf("calendar of the S3 node has no title:\n%.1500s", cal)
	}
	if found := getBody(t, ui+"/search?q=borderland+flood*"); !strings.Contains(found, title) || !strings.Contains(found, "<mark>") {
		t.Errorf("search on the S3 node does not find the page:\n%.1500s", found)
	}

	// An archive uploaded before metadata records had CDXJ lines.
	old := t.TempDir()
	const oldPage, oldTitle = "http://news.example/2014/old.html", "An old story of the valley"
	writeOldFormArchive(t, old, oldPage, oldTitle)
	st := remoteStore(t, m, remote)
	for key, data := range localFiles(t, old) {
		if err := st.Put(context.Background(), key, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
	}
	waitForBody(t, ui+"/", oldTitle)
	if cal := getBody(t, ui+"/web/*/"+oldPage); !strings.Contains(cal, oldTitle) {
		t.Errorf("calendar of an old-form page has no title:\n%.1500s", cal)
	}
	if files := localFiles(t, empty); len(files) != 0 {
		t.Errorf("the replay node downloaded files: %v", files)
	}
	if _, err := os.Stat(filepath.Join(empty, "vellum.db")); err != nil {
		t.Errorf("no index on the replay node: %v", err)
	}

	// vellum index --remote fills the full-text index with the remote pages.
	fresh := filepath.Join(t.TempDir(), "fresh")
	if r := vellum(t, m.Env(), "index", "--archive", fresh, "--remote", remote); r.code != 0 {
		t.Fatalf("index --remote: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(fresh, "vellum.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM page_search WHERE page_search MATCH 'valley OR borderland'`).Scan(&n); err != nil || n != 2 {
		t.Errorf("after vellum index --remote the full-text index holds %d of the 2 pages (%v)", n, err)
	}
}
