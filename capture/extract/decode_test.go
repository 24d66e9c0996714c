package extract

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"strings"
	"testing"
)

func gzipped(t testing.TB, b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestDecodeEntityBounds(t *testing.T) {
	page := []byte(strings.Repeat("<p>Some text of an article, not very repetitive: 12345.</p>\n", 1000))
	var zl, raw bytes.Buffer
	zw := zlib.NewWriter(&zl)
	zw.Write(page)
	zw.Close()
	fw, _ := flate.NewWriter(&raw, flate.DefaultCompression)
	fw.Write(page)
	fw.Close()
	var big []byte // compresses like a page, some 5 times
	for i := 0; len(big) < MaxParseBytes+1<<20; i++ {
		big = fmt.Appendf(big, "<a href=\"/story/%d\">story %d</a>\n", i*7919%100003, i)
	}
	bomb := gzipped(t, bytes.Repeat([]byte("<p>"), 4<<20))
	gz := gzipped(t, page)
	tests := []struct {
		name, encoding string
		data           []byte
		want           []byte // nil: len(wantLen)
		wantLen        int
		cut            string // a word of the reason, "" when whole
		err            bool
	}{
		{name: "identity", data: page, want: page},
		{name: "gzip", encoding: "gzip", data: gz, want: page},
		{name: "x-gzip", encoding: " X-GZIP ", data: gz, want: page},
		{name: "zlib deflate", encoding: "deflate", data: zl.Bytes(), want: page},
		{name: "raw deflate", encoding: "deflate", data: raw.Bytes(), want: page},
		{name: "identity over the bound", data: big, wantLen: MaxParseBytes, cut: "first"},
		{name: "gzip over the bound", encoding: "gzip", data: gzipped(t, big), wantLen: MaxParseBytes, cut: "first"},
		{name: "bomb", encoding: "gzip", data: bomb, wantLen: -1, cut: "expands"},
		{name: "cut gzip", encoding: "gzip", data: gz[:len(gz)/2], wantLen: -1, cut: "decoded past"},
		{name: "not gzip", encoding: "gzip", data: page, err: true},
		{name: "brotli", encoding: "br", data: page, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cut, err := DecodeEntity(tt.encoding, tt.data)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want an error: %v", err, tt.err)
			}
			switch {
			case tt.err:
			case tt.want != nil && !bytes.Equal(got, tt.want):
				t.Errorf("got %d bytes, want %d", len(got), len(tt.want))
			case tt.wantLen > 0 && len(got) != tt.wantLen:
				t.Errorf("got %d bytes, want %d", len(got), tt.wantLen)
			case tt.wantLen < 0 && (len(got) == 0 || len(got) > 2*expansionFloor):
				t.Errorf("got %d bytes, want some and at most %d", len(got), 2*expansionFloor)
			}
			if (cut == "") != (tt.cut == "") || !strings.Contains(cut, tt.cut) {
				t.Errorf("cut = %q, want one saying %q", cut, tt.cut)
			}
		})
	}
}

// FuzzDecodeEntity feeds Content-Encoding decoding anything a server may send: it must never
// panic, never return more than the parse bounds allow, and return identity bodies unchanged.
func FuzzDecodeEntity(f *testing.F) {
	// The seed corpus in testdata/fuzz/FuzzDecodeEntity holds gzip, zlib and raw deflate
	// bodies, cut ones, a small bomb and unknown encodings.
	f.Fuzz(func(t *testing.T, encoding string, data []byte) {
		got, cut, err := DecodeEntity(encoding, data)
		if err != nil {
			if got != nil || cut != "" {
				t.Fatalf("an error with %d bytes and cut %q", len(got), cut)
			}
			return
		}
		if len(got) > MaxParseBytes {
			t.Fatalf("%d bytes decoded, over %d", len(got), MaxParseBytes)
		}
		if limit := max(expansionFloor, maxExpansion*len(data)) + readChunk; len(got) > limit {
			t.Fatalf("%d bytes decoded from %d, over %d", len(got), len(data), limit)
		}
		switch strings.ToLower(strings.TrimSpace(encoding)) {
		case "", "identity", "none":
			if !bytes.HasPrefix(data, got) || (cut == "") != (len(got) == len(data)) {
				t.Fatalf("identity body changed: %d bytes of %d, cut %q", len(got), len(data), cut)
			}
		}
	})
}
