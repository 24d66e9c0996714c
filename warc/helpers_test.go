package warc

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vellumhq/vellum/internal/warctest"
)

// fixedClock returns a clock that ticks one second per call from 2024-03-01.
func fixedClock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

// dated is the Dir of Vellum's archive layout (internal/layout.Day), which
// the tests' file names assume.
func dated(t time.Time) string { return "warcs/" + t.UTC().Format("2006/01/02") }

// sequentialIDs returns deterministic record IDs.
func sequentialIDs() func() string {
	n := 0
	return func() string {
		n++
		return fmt.Sprintf("<urn:uuid:00000000-0000-4000-8000-%012d>", n)
	}
}

func bytesRecord(typ, uri, ctype string, block []byte) *Record {
	return &Record{Type: typ, TargetURI: uri, ContentType: ctype, Block: bytes.NewReader(block), BlockSize: int64(len(block))}
}

// chunk encodes body with chunked transfer-coding, in pieces of size n.
func chunk(body []byte, n int) []byte {
	var b bytes.Buffer
	for len(body) > 0 {
		k := min(n, len(body))
		fmt.Fprintf(&b, "%x\r\n", k)
		b.Write(body[:k])
		b.WriteString("\r\n")
		body = body[k:]
	}
	b.WriteString("0\r\n\r\n")
	return b.Bytes()
}

func gzipBytes(t testing.TB, p []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(p); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// htmlBody is a compressible page of about n bytes.
func htmlBody(n int) []byte {
	var b bytes.Buffer
	b.WriteString("<!doctype html><html><head><title>Borderland news</title></head><body>\n")
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "<p class=\"para\">Paragraph %d of the story: the council met on Tuesday to discuss the bridge.</p>\n", i)
	}
	b.WriteString("</body></html>\n")
	return b.Bytes()
}

// chunkedGzipResponse is an HTTP response with gzip content-coding sent chunked;
// it returns the block and the de-chunked (still gzipped) entity.
func chunkedGzipResponse(t testing.TB) (block, entity []byte) {
	entity = gzipBytes(t, htmlBody(20000))
	block = append([]byte("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=UTF-8\r\n"+
		"Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"), chunk(entity, 1000)...)
	return block, entity
}

func httpResponse(status int, ctype string, body []byte) []byte {
	return append([]byte(fmt.Sprintf("HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		status, ctype, len(body))), body...)
}

func httpRequest(uri string) []byte {
	host := strings.TrimPrefix(strings.TrimPrefix(uri, "https://"), "http://")
	host, path, _ := strings.Cut(host, "/")
	return []byte("GET /" + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: vellum-test\r\nAccept-Encoding: gzip\r\n\r\n")
}

// everyType returns records of every type, including a chunked gzip response,
// an empty block and a revisit.
func everyType(t testing.TB) []*Record {
	chunked, _ := chunkedGzipResponse(t)
	const u = "https://www.example.com/2024/03/story.html?b=2&a=1"
	req := bytesRecord(TypeRequest, u, "application/http; msgtype=request", httpRequest(u))
	resp := bytesRecord(TypeResponse, u, "application/http; msgtype=response", chunked)
	resp.Header.Add("WARC-IP-Address", "127.0.0.1")
	meta := bytesRecord(TypeMetadata, u, "application/json", []byte(`{"title":"Story"}`))
	res := bytesRecord(TypeResource, "https://example.com/notes.txt", "text/plain", []byte("some notes\n"))
	empty := bytesRecord(TypeResource, "https://example.com/empty", "", nil)
	img := bytesRecord(TypeResponse, "https://cdn.example.net/lead.jpg", "application/http; msgtype=response",
		httpResponse(200, "image/jpeg", bytes.Repeat([]byte{0xff, 0xd8, 0x42}, 3000)))
	rv := bytesRecord(TypeRevisit, u, "application/http; msgtype=response",
		[]byte("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"))
	rv.Header.Add("WARC-Profile", ProfileIdenticalPayloadDigest)
	rv.Header.Add("WARC-Refers-To-Target-URI", u)
	rv.Header.Add("WARC-Refers-To-Date", "2024-02-01T10:00:00Z")
	rv.Header.Add("WARC-Payload-Digest", "sha256:0000000000000000000000000000000000000000000000000000000000000000")
	redirect := bytesRecord(TypeResponse, "http://example.com/old", "application/http; msgtype=response",
		[]byte("HTTP/1.1 301 Moved Permanently\r\nLocation: https://example.com/new\r\nContent-Length: 0\r\n\r\n"))
	return []*Record{req, resp, meta, res, empty, img, rv, redirect}
}

// onlyFile returns the single file matching pattern under root.
func findFiles(t testing.TB, root, suffix string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, suffix) {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// readAll reads every record of a file, returning entries and blocks.
func readAll(t testing.TB, path, filename string) ([]Entry, [][]byte) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var entries []Entry
	var blocks [][]byte
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return entries, blocks
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		b, err := io.ReadAll(rec.Block)
		if err != nil {
			t.Fatal(err)
		}
		e, err := EntryOf(rec, filename)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
		blocks = append(blocks, b)
	}
}

// mustVerify checks a file our writer made with our reader and with an
// independent one, nlnwa/gowarc v3 (see TestIndependentReader for what it
// checks); both must find it whole and agree on its records.
func mustVerify(t testing.TB, path string) VerifyStats {
	t.Helper()
	st, err := VerifyFile(path, func(p Problem) { t.Errorf("%s: problem at %d: %s", path, p.Offset, p.Msg) })
	if err != nil {
		t.Fatal(err)
	}
	res, err := warctest.Verify(path)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Valid() || res.Records != st.Records {
		t.Errorf("%s: gowarc: %v\nwant valid, %d records", path, res, st.Records)
	}
	return st
}
