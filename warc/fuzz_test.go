package warc

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReader feeds arbitrary bytes to the reader and the verifier: they must
// neither panic nor hang, and the reader must end.
func FuzzReader(f *testing.F) {
	rec := bytesRecord(TypeResponse, "http://example.com/", "application/http; msgtype=response",
		[]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"))
	for _, gz := range []bool{false, true} {
		var buf bytes.Buffer
		w, _ := NewWriter(&buf, gz)
		_, _ = w.WriteWarcinfo("f.warc", warcinfoFields())
		_, _ = w.Write(rec, bytesRecord(TypeResource, "urn:x", "text/plain", []byte("x")))
		f.Add(buf.Bytes())
		f.Add(buf.Bytes()[:buf.Len()/2])
		f.Add(append(buf.Bytes()[:buf.Len()-3], "garbage"...))
	}
	f.Add([]byte("WARC/1.0\r\nContent-Length: 5\r\n\r\nabc"))
	f.Add([]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"))
	f.Add([]byte("\r\n\r\nWARC/1.1\r\nWARC-Type: x\r\n continued\r\nContent-Length: 0\r\n\r\n\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; ; i++ {
			if i > 1032*len(data)+16 { // deflate expands at most ~1032:1
				t.Fatalf("no end after %d calls to Next on %d bytes", i, len(data))
			}
			rec, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				continue
			}
			_, _ = io.Copy(io.Discard, rec.Block)
			_, _ = EntryOf(rec, "f")
		}
		// Reading from memory, the one error verify may return is that the
		// bytes are no WARC at all; anything else is a finding.
		if _, err := verifyReader(bytes.NewReader(data), nil); err != nil && !errors.Is(err, ErrNotWARC) {
			t.Fatal(err)
		}
	})
}

// FuzzSURT checks that SURT never panics and is stable on its own output's URL.
func FuzzSURT(f *testing.F) {
	for _, u := range []string{"http://www.example.com/a/b/?q=1#f", "dns:example.com", "https://[::1]:8443/x", "%%%", "http://a/%2525"} {
		f.Add(u)
	}
	f.Fuzz(func(t *testing.T, u string) {
		_, _ = SURT(u)
	})
}
