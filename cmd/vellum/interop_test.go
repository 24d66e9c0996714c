package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/internal/testsite"
	"github.com/vellumhq/vellum/internal/warctest"
	"github.com/vellumhq/vellum/warc"
)

// cdxjByURL returns, for each URL, the CDXJ JSON fields of the lines listing it.
func cdxjByURL(t *testing.T, lines []string) map[string][]map[string]string {
	t.Helper()
	out := map[string][]map[string]string{}
	for _, l := range lines {
		parts := strings.SplitN(l, " ", 3)
		if len(parts) != 3 {
			t.Fatalf("bad CDXJ line %q", l)
		}
		var f map[string]string
		if err := json.Unmarshal([]byte(parts[2]), &f); err != nil {
			t.Fatalf("bad CDXJ JSON %q: %v", l, err)
		}
		out[f["url"]] = append(out[f["url"]], f)
	}
	return out
}

// TestOtherToolsNeverTakeTheMetadataForThePage: the article metadata is
// written at urn:pageinfo:<url>, so a pywb-like indexer (npm warcio's
// cdx-index, which skips the same records pywb does) lists only the
// response under the page's URL, and replay elsewhere cannot serve the JSON
// in place of the page.
func TestOtherToolsNeverTakeTheMetadataForThePage(t *testing.T) {
	site := testsite.New(t)
	archive, warcPath := captureArticle(t, site)
	page := site.ArticleURL()

	var metaAt []string
	for _, r := range archiveRecords(t, archive, "") {
		if r.typ == warc.TypeMetadata {
			metaAt = append(metaAt, r.uri)
		}
	}
	found := false
	for _, u := range metaAt {
		if !strings.HasPrefix(u, "urn:pageinfo:") {
			t.Errorf("metadata record at %q: not under urn:pageinfo:", u)
		}
		found = found || u == "urn:pageinfo:"+page
	}
	if !found {
		t.Errorf("no metadata record at urn:pageinfo:%s; metadata records at %q", page, metaAt)
	}

	theirs := cdxjByURL(t, warcioCDXJ(t, warcPath))
	if got := theirs[page]; len(got) != 1 || got[0]["mime"] != "text/html" || got[0]["status"] != "200" {
		t.Errorf("warcio (a pywb-like indexer) lists under the page's URL %v, want only its HTML response", got)
	}
	if got := theirs["urn:pageinfo:"+page]; len(got) != 1 || got[0]["mime"] != "application/json" {
		t.Errorf("warcio lists under urn:pageinfo: %v, want the metadata record", got)
	}

	data, err := os.ReadFile(strings.TrimSuffix(warcPath, ".warc.gz") + ".cdxj")
	if err != nil {
		t.Fatal(err)
	}
	ours := cdxjByURL(t, strings.Split(strings.TrimSpace(string(data)), "\n"))
	if got := ours[page]; len(got) != 1 || got[0]["mime"] != "text/html" {
		t.Errorf("our CDXJ lists under the page's URL %v, want only its response", got)
	}

	// The calendar still has the page's title, read from the new form.
	ui, _ := startServe(t, archive)
	if body := getBody(t, ui+"/web/*/"+page); !strings.Contains(body, "Borderland river floods for the third time") {
		t.Errorf("the calendar has no title:\n%.400s", body)
	}
}

// otherToolRecord is a response as another tool recorded it, with its request.
func otherToolRecord(url, httpResponse string, date time.Time) []*warc.Record {
	req := "GET " + url + " HTTP/1.1\r\nHost: x\r\n\r\n"
	return []*warc.Record{
		{Type: warc.TypeRequest, TargetURI: url, Date: date, ContentType: "application/http; msgtype=request",
			Block: strings.NewReader(req), BlockSize: int64(len(req))},
		{Type: warc.TypeResponse, TargetURI: url, Date: date, ContentType: "application/http; msgtype=response",
			Block: strings.NewReader(httpResponse), BlockSize: int64(len(httpResponse))},
	}
}

// writeOtherToolWARC writes recs as a WARC file at archive/warcs/2014/08/12/name:
// one gzip member per record, or, with wholeFile, the plain WARC gzipped as
// one stream (as some tools write them).
func writeOtherToolWARC(t *testing.T, archive, name string, wholeFile bool, recs ...*warc.Record) string {
	t.Helper()
	path := filepath.Join(archive, "warcs", "2014", "08", "12", name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := warc.NewWriter(&buf, !wholeFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(recs...); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if wholeFile {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(data)
		zw.Close()
		data = z.Bytes()
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// gowarc v3 reads only the first record of a gzip member holding several,
	// so a whole-file-gzipped WARC is read decompressed (the workaround).
	verify := warctest.Verify
	if wholeFile {
		verify = warctest.VerifyGunzipped
	}
	if res, err := verify(path); err != nil || !res.Valid() || res.Records != len(recs) {
		t.Errorf("nlnwa/gowarc on %s: %v %v\nwant valid, %d records", name, res, err, len(recs))
	}
	return path
}

// TestChunkedHeaderOverADechunkedBodyReplaysTheStoredBody: pywb recorded
// responses keeping "Transfer-Encoding: chunked" while storing the body
// de-chunked (pywb issue 584). Replay serves the body as stored (it was
// empty), a really chunked body still loses its framing, and verify warns
// about the first record only, without failing the file.
func TestChunkedHeaderOverADechunkedBodyReplaysTheStoredBody(t *testing.T) {
	archive := filepath.Join(t.TempDir(), "archive")
	date := time.Date(2014, 8, 12, 9, 30, 0, 0, time.UTC)
	const stored = "<!doctype html><title>Stored de-chunked</title><p>Add 5 eggs.</p>\n"
	const pywbPage, chunkedPage = "http://pywb.example/page.html", "http://pywb.example/chunked.html"
	recs := otherToolRecord(pywbPage, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"+stored, date)
	recs = append(recs, otherToolRecord(chunkedPage,
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nreally\r\n8\r\n chunked\r\n0\r\n\r\n", date)...)
	// A text body whose first line reads like a chunk size line.
	const hexish = "Add 5 eggs\nand 0xA spoons of flour.\n"
	recs = append(recs, otherToolRecord("http://pywb.example/recipe.txt",
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"+hexish, date)...)
	path := writeOtherToolWARC(t, archive, "pywb-recorded.warc.gz", false, recs...)

	if r := vellum(t, nil, "index", "--archive", archive); r.code != 0 {
		t.Fatalf("index: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	ui, _ := startServe(t, archive)
	for url, want := range map[string]string{pywbPage: stored, chunkedPage: "really chunked", "http://pywb.example/recipe.txt": hexish} {
		resp, err := http.Get(ui + "/web/20140812093000id_/" + url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != want {
			t.Errorf("replay of %s: %d %q, want 200 %q", url, resp.StatusCode, body, want)
		}
	}

	v := vellum(t, nil, "verify", path)
	if v.code != 0 {
		t.Errorf("verify fails a file whose records are whole: exit %d\n%s", v.code, v.stdout)
	}
	if n := strings.Count(v.stdout, "warning: "); n != 2 || !strings.Contains(v.stdout, "Transfer-Encoding: chunked but the body is not in chunks") {
		t.Errorf("verify should warn about the two de-chunked records:\n%s", v.stdout)
	}
}

// TestWholeFileGzippedWARCIsIndexedAndReplayed: a WARC gzipped as one
// stream (not one member per record) was indexed as one capture at offset
// 0 and replayed as 502. Every record is indexed, each page replays, and
// the old-form metadata in it gives its page a title.
func TestWholeFileGzippedWARCIsIndexedAndReplayed(t *testing.T) {
	archive := filepath.Join(t.TempDir(), "archive")
	date := time.Date(2014, 8, 12, 9, 30, 0, 0, time.UTC)
	bodies := map[string]string{}
	var recs []*warc.Record
	for _, name := range []string{"one", "two", "three"} {
		url := "http://whole.example/" + name + ".html"
		bodies[url] = "<title>Page " + name + "</title>" + strings.Repeat(name, 50)
		recs = append(recs, otherToolRecord(url, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "+
			strconv.Itoa(len(bodies[url]))+"\r\n\r\n"+bodies[url], date.Add(time.Duration(len(recs))*time.Second))...)
	}
	meta := `{"title":"The second page, titled"}`
	recs = append(recs, &warc.Record{Type: warc.TypeMetadata, TargetURI: "http://whole.example/two.html", Date: date.Add(2 * time.Second),
		ContentType: "application/json", Block: strings.NewReader(meta), BlockSize: int64(len(meta))})
	writeOtherToolWARC(t, archive, "whole.warc.gz", true, recs...)

	r := vellum(t, nil, "index", "--archive", archive)
	if r.code != 0 || !strings.Contains(r.stdout, "indexed 3 captures and 1 pages from 1 WARC files") {
		t.Fatalf("index: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	ui, _ := startServe(t, archive)
	for url, want := range bodies {
		resp, err := http.Get(ui + "/web/2014id_/" + url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != want {
			t.Errorf("replay of %s: %d %.80q, want 200 %.80q", url, resp.StatusCode, body, want)
		}
	}
	if cal := getBody(t, ui+"/web/*/http://whole.example/two.html"); !strings.Contains(cal, "The second page, titled") {
		t.Errorf("calendar has no title:\n%.600s", cal)
	}
}

// samplesDir is where other tools' WARC files are (webrecorder/warcio's test
// data): $VELLUM_WARC_SAMPLES, else ../shared/warc-samples beside the
// repository; "" when absent (CI clones only the repository).
func samplesDir(t *testing.T) string {
	dir := os.Getenv("VELLUM_WARC_SAMPLES")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), "..", "shared", "warc-samples")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Logf("no %s: other tools' sample WARCs not replayed", dir)
		return ""
	}
	return dir
}

// TestOtherToolsSamplesReplayTheirEntities indexes the valid sample WARCs
// of other tools and replays each 200 response raw: the body must be the
// entity net/http reads from the record (for a chunked one, de-chunked).
func TestOtherToolsSamplesReplayTheirEntities(t *testing.T) {
	dir := samplesDir(t)
	if dir == "" {
		return
	}
	archive := filepath.Join(t.TempDir(), "archive")
	dst := filepath.Join(archive, "warcs", "2014", "01", "01")
	os.MkdirAll(dst, 0o755)
	want := map[string]string{} // memento path → entity
	for _, name := range []string{"example.warc.gz", "example-iana.org-chunked.warc", "example-resource.warc.gz", "post-test.warc.gz"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dst, name), data, 0o644)
		rd, err := warc.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		for {
			rec, err := rd.Next()
			if err != nil {
				break
			}
			if rec.Header.Get("WARC-Type") != warc.TypeResponse {
				continue
			}
			resp, err := http.ReadResponse(bufio.NewReader(rec.Block), nil)
			if err != nil || resp.StatusCode != 200 {
				continue
			}
			entity, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("%s: net/http reads no entity: %v", name, err)
			}
			e, _ := warc.EntryOf(rec, name)
			want["/web/"+warc.Timestamp14(e.Date)+"id_/"+e.TargetURI] = string(entity)
		}
	}
	if len(want) < 3 {
		t.Fatalf("only %d responses in the samples", len(want))
	}
	if r := vellum(t, nil, "index", "--archive", archive); r.code != 0 {
		t.Fatalf("index: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	ui, _ := startServe(t, archive)
	raw := &http.Client{Transport: &http.Transport{DisableCompression: true}} // gzip entities as archived
	for path, entity := range want {
		resp, err := raw.Get(ui + path)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(got) != entity {
			t.Errorf("%s: %d, %d bytes, want 200 and the %d bytes of its entity", path, resp.StatusCode, len(got), len(entity))
		}
	}
}
