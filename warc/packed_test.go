package warc

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
)

// TestPackedPayloadsAreStored: a response whose payload is compressed already
// (a Content-Encoding, a JPEG) is written as a gzip member of stored blocks;
// text is deflated as before. Either way the record reads back byte for byte.
func TestPackedPayloadsAreStored(t *testing.T) {
	text := strings.Repeat("<p>the same words again and again</p>\n", 200)
	cases := []struct {
		name, typ, ct, block string
		stored               bool
	}{
		{"html", TypeResponse, "application/http; msgtype=response",
			"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + text, false},
		{"gzipped html", TypeResponse, "application/http; msgtype=response",
			"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n\r\n" + text, true},
		{"identity", TypeResponse, "application/http; msgtype=response",
			"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: identity\r\n\r\n" + text, false},
		{"jpeg", TypeResponse, "application/http; msgtype=response",
			"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n\r\n" + text, true},
		{"svg", TypeResponse, "application/http; msgtype=response",
			"HTTP/1.1 200 OK\r\nContent-Type: image/svg+xml\r\n\r\n" + text, false},
		{"png resource", TypeResource, "image/png", text, true},
		{"text resource", TypeResource, "text/plain", text, false},
		{"request", TypeRequest, "application/http; msgtype=request",
			"GET / HTTP/1.1\r\nAccept-Encoding: gzip\r\n\r\n", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, true)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(&Record{Type: tc.typ, TargetURI: "http://example.com/", ContentType: tc.ct,
				Block: strings.NewReader(tc.block), BlockSize: int64(len(tc.block))}); err != nil {
				t.Fatal(err)
			}
			member := buf.Bytes()
			// A gzip header without optional fields is 10 bytes; bits 1-2 of the
			// first deflate block's header are its type, 0 for stored.
			if len(member) < 11 || member[3] != 0 {
				t.Fatalf("unexpected gzip header % x", member[:min(len(member), 11)])
			}
			if stored := (member[10]>>1)&3 == 0; stored != tc.stored {
				t.Errorf("stored = %v, want %v (%d bytes for a %d-byte block)", stored, tc.stored, len(member), len(tc.block))
			}
			zr, err := gzip.NewReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(raw, []byte(tc.block)) {
				t.Error("the block does not read back")
			}
		})
	}
}
