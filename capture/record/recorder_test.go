package record

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vellumhq/vellum/warc"
)

const (
	testURL  = "http://news.example/story"
	testResp = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello"
)

// readRec is a record read back from a WARC file.
type readRec struct {
	Header warc.Header
	Block  []byte
}

// memIndex keeps what a Recorder told its index.
type memIndex struct {
	mu       sync.Mutex
	exchange [][]warc.Entry
	metadata [][]byte
	err      error
}

func (x *memIndex) AddExchange(entries []warc.Entry) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.exchange = append(x.exchange, entries)
	return x.err
}

func (x *memIndex) AddMetadata(e warc.Entry, block []byte) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.metadata = append(x.metadata, block)
	return x.err
}

// newTestRecorder records into a fresh archive; read closes its writer and
// returns every record written, warcinfo left out.
func newTestRecorder(t *testing.T, ix Indexer) (r *Recorder, read func() []readRec) {
	t.Helper()
	root := t.TempDir()
	fw, err := warc.NewFileWriter(warc.FileWriterConfig{Root: root, Prefix: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return NewRecorder(fw, ix), func() []readRec {
		t.Helper()
		if err := fw.Close(); err != nil {
			t.Fatal(err)
		}
		paths, _ := filepath.Glob(filepath.Join(root, "*.warc.gz")) // no Dir: the files are in Root
		if len(paths) == 0 {
			t.Fatalf("no WARC file in %s", root)
		}
		var out []readRec
		for _, p := range paths {
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			rd, err := warc.NewReader(f)
			if err != nil {
				t.Fatal(err)
			}
			for {
				rr, err := rd.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(rr.Block)
				if err != nil {
					t.Fatal(err)
				}
				if rr.Header.Get("WARC-Type") != "warcinfo" {
					out = append(out, readRec{Header: rr.Header, Block: b})
				}
			}
			f.Close()
		}
		return out
	}
}

func testExchange(resp string) *Exchange {
	d := warc.NewHTTPDigester()
	d.Write([]byte(resp))
	return &Exchange{
		TargetURI: testURL, Date: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC), IP: "192.0.2.7",
		Request:  []byte("GET /story HTTP/1.1\r\nHost: news.example\r\n\r\n"),
		Response: bytes.NewReader([]byte(resp)), RespSize: int64(len(resp)), Digest: d,
	}
}

func TestAnExchangeIsWrittenAsARequestAndAResponse(t *testing.T) {
	ix := &memIndex{}
	r, read := newTestRecorder(t, ix)
	ex := testExchange(testResp)
	out, err := r.WriteExchange(ex)
	if err != nil {
		t.Fatal(err)
	}
	recs := read()
	if len(recs) != 2 {
		t.Fatalf("%d records, want request and response", len(recs))
	}
	req, resp := recs[0], recs[1]
	if req.Header.Get("WARC-Type") != "request" || string(req.Block) != string(ex.Request) ||
		req.Header.Get("WARC-Concurrent-To") != out.ResponseID || req.Header.Get("WARC-Record-ID") != out.RequestID {
		t.Errorf("request record %v %q", req.Header.Fields(), req.Block)
	}
	if resp.Header.Get("WARC-Type") != "response" || string(resp.Block) != testResp ||
		resp.Header.Get("WARC-Record-ID") != out.ResponseID || resp.Header.Get("WARC-Target-URI") != testURL ||
		resp.Header.Get("WARC-IP-Address") != "192.0.2.7" || resp.Header.Get("WARC-Date") != "2026-03-04T05:06:07Z" ||
		resp.Header.Get("WARC-Block-Digest") != ex.Digest.BlockDigest() ||
		resp.Header.Get("WARC-Payload-Digest") != ex.Digest.PayloadDigest() {
		t.Errorf("response record %v %q", resp.Header.Fields(), resp.Block)
	}
	if out.Response.ID != out.ResponseID || out.Prior != nil || out.Revisit {
		t.Errorf("records %+v", out)
	}
	if len(ix.exchange) != 1 || len(ix.exchange[0]) != 2 {
		t.Errorf("index told of %v, want the exchange's two entries", ix.exchange)
	}
}

func TestAnIdenticalPayloadIsWrittenAsARevisit(t *testing.T) {
	digest := testExchange(testResp).Digest.PayloadDigest()
	for _, tc := range []struct {
		name            string
		prior           Prior
		refURI, refDate string
		refersTo        string
	}{
		{
			name:   "of a response",
			prior:  Prior{URL: testURL, Timestamp: "20250102030405", Type: warc.TypeResponse, RecordID: "<urn:uuid:orig>", Status: 200, Digest: digest},
			refURI: testURL, refDate: "2025-01-02T03:04:05Z", refersTo: "<urn:uuid:orig>",
		},
		{
			name: "of a revisit: the capture that holds the payload",
			prior: Prior{URL: testURL, Timestamp: "20250601000000", Type: warc.TypeRevisit, RecordID: "<urn:uuid:rev>", Status: 200, Digest: digest,
				RefersToURL: "http://news.example/story?v=1", RefersToTimestamp: "20240101000000"},
			refURI: "http://news.example/story?v=1", refDate: "2024-01-01T00:00:00Z",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, read := newTestRecorder(t, nil)
			r.Dedup(func(u string) (Prior, bool) { return tc.prior, u == testURL })
			out, err := r.WriteExchange(testExchange(testResp))
			if err != nil {
				t.Fatal(err)
			}
			if !out.Revisit || out.Prior == nil || out.Prior.Timestamp != tc.prior.Timestamp {
				t.Errorf("records %+v, want a revisit of the prior capture", out)
			}
			rev := read()[1]
			h := rev.Header
			head, _, _ := bytes.Cut([]byte(testResp), []byte("\r\n\r\n"))
			if h.Get("WARC-Type") != "revisit" || string(rev.Block) != string(head)+"\r\n\r\n" {
				t.Errorf("record %s with block %q, want a revisit holding the HTTP header only", h.Get("WARC-Type"), rev.Block)
			}
			if h.Get("WARC-Profile") != warc.ProfileIdenticalPayloadDigest || h.Get("WARC-Payload-Digest") != digest ||
				h.Get("WARC-Refers-To-Target-URI") != tc.refURI || h.Get("WARC-Refers-To-Date") != tc.refDate ||
				h.Get("WARC-Refers-To") != tc.refersTo {
				t.Errorf("revisit header %v", h.Fields())
			}
		})
	}
}

func TestAChangedOrCutResponseIsWrittenWhole(t *testing.T) {
	digest := testExchange(testResp).Digest.PayloadDigest()
	same := Prior{URL: testURL, Timestamp: "20250102030405", Type: warc.TypeResponse, Status: 200, Digest: digest}
	for _, tc := range []struct {
		name      string
		prior     Prior
		truncated string
		wantPrior bool
	}{
		{name: "other payload", prior: Prior{URL: testURL, Timestamp: "20250102030405", Type: warc.TypeResponse, Status: 200, Digest: "sha256:other"}, wantPrior: true},
		{name: "other status", prior: Prior{URL: testURL, Timestamp: "20250102030405", Type: warc.TypeResponse, Status: 404, Digest: digest}, wantPrior: true},
		{name: "cut off", prior: same, truncated: "length"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, read := newTestRecorder(t, nil)
			r.Dedup(func(string) (Prior, bool) { return tc.prior, true })
			ex := testExchange(testResp)
			ex.Truncated = tc.truncated
			out, err := r.WriteExchange(ex)
			if err != nil {
				t.Fatal(err)
			}
			if out.Revisit || (out.Prior != nil) != tc.wantPrior {
				t.Errorf("records %+v", out)
			}
			resp := read()[1]
			if resp.Header.Get("WARC-Type") != "response" || string(resp.Block) != testResp || resp.Header.Get("WARC-Truncated") != tc.truncated {
				t.Errorf("record %v %q", resp.Header.Fields(), resp.Block)
			}
		})
	}
}

func TestAMetadataRecordIsAPageInfoOfItsPage(t *testing.T) {
	ix := &memIndex{}
	r, read := newTestRecorder(t, ix)
	block := []byte(`{"title":"Story"}`)
	e, err := r.WriteMetadata(testURL, time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC), "<urn:uuid:resp>", block)
	if err != nil {
		t.Fatal(err)
	}
	recs := read()
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	h := recs[0].Header
	if h.Get("WARC-Type") != "metadata" || h.Get("WARC-Target-URI") != warc.PageInfoURI(testURL) ||
		h.Get("WARC-Concurrent-To") != "<urn:uuid:resp>" || h.Get("Content-Type") != "application/json" ||
		string(recs[0].Block) != string(block) || e.ID != h.Get("WARC-Record-ID") {
		t.Errorf("metadata record %v %q", h.Fields(), recs[0].Block)
	}
	if len(ix.metadata) != 1 || string(ix.metadata[0]) != string(block) {
		t.Errorf("index told of %q", ix.metadata)
	}
}

func TestAFailedIndexWriteIsReportedToOnFailure(t *testing.T) {
	full := errors.New("disk full")
	r, _ := newTestRecorder(t, &memIndex{err: full})
	var got []error
	r.OnFailure(func(err error) { got = append(got, err) })
	if _, err := r.WriteExchange(testExchange(testResp)); !errors.Is(err, full) {
		t.Errorf("WriteExchange: %v, want %v", err, full)
	}
	if _, err := r.WriteMetadata(testURL, time.Now(), "", []byte("{}")); !errors.Is(err, full) {
		t.Errorf("WriteMetadata: %v, want %v", err, full)
	}
	if len(got) != 2 || !errors.Is(got[0], full) {
		t.Errorf("OnFailure got %v, want each failure", got)
	}
}

func TestAScreenshotIsAResourceConcurrentToItsPage(t *testing.T) {
	ix := &memIndex{}
	r, read := newTestRecorder(t, ix)
	png := []byte("\x89PNG\r\n\x1a\nnot really")
	e, err := r.WriteResource("urn:view:"+testURL, time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC), "<urn:uuid:resp>", "image/png", png)
	if err != nil {
		t.Fatal(err)
	}
	recs := read()
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	h := recs[0].Header
	if h.Get("WARC-Type") != "resource" || h.Get("WARC-Target-URI") != "urn:view:"+testURL ||
		h.Get("WARC-Concurrent-To") != "<urn:uuid:resp>" || h.Get("Content-Type") != "image/png" ||
		string(recs[0].Block) != string(png) || e.ID != h.Get("WARC-Record-ID") {
		t.Errorf("resource record %v %q", h.Fields(), recs[0].Block)
	}
	if len(ix.exchange) != 1 || len(ix.exchange[0]) != 1 || ix.exchange[0][0].TargetURI != "urn:view:"+testURL {
		t.Errorf("index told of %v", ix.exchange)
	}
}
