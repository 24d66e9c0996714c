package warc

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http/httputil"
	"testing"
)

func sha256Hex(p []byte) string {
	s := sha256.Sum256(p)
	return "sha256:" + hex.EncodeToString(s[:])
}

func TestHTTPDigesterChunkedPayload(t *testing.T) {
	block, _ := chunkedGzipResponse(t)
	// De-chunk independently, with the standard library.
	i := bytes.Index(block, []byte("\r\n\r\n")) + 4
	entity, err := io.ReadAll(httputil.NewChunkedReader(bytes.NewReader(block[i:])))
	if err != nil {
		t.Fatal(err)
	}
	want := sha256Hex(entity)
	for _, step := range []int{1, 2, 3, 7, 100, 4096, len(block)} {
		d := NewHTTPDigester()
		for p := block; len(p) > 0; p = p[min(step, len(p)):] {
			if n, err := d.Write(p[:min(step, len(p))]); err != nil || n != min(step, len(p)) {
				t.Fatalf("Write = %d, %v", n, err)
			}
		}
		if got := d.PayloadDigest(); got != want {
			t.Errorf("step %d: payload digest %s, want %s", step, got, want)
		}
		if got := d.BlockDigest(); got != sha256Hex(block) {
			t.Errorf("step %d: block digest %s", step, got)
		}
		if d.Status() != 200 || d.MIME() != "text/html" {
			t.Errorf("step %d: status %d mime %q", step, d.Status(), d.MIME())
		}
	}
}

func TestHTTPDigesterCases(t *testing.T) {
	tests := []struct {
		name, block, payload string
		status               int
		mime                 string
	}{
		{"plain", "HTTP/1.1 404 Not Found\r\nContent-Type: Text/HTML; charset=x\r\n\r\nbody", "body", 404, "text/html"},
		{"bare LF", "HTTP/1.0 200 OK\nContent-Type: image/png\n\nPNG", "PNG", 200, "image/png"},
		{"no header end", "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n", "", 0, ""},
		{"empty", "", "", 0, ""},
		{"request", "POST /x HTTP/1.1\r\nHost: a\r\n\r\nq=1", "q=1", 0, ""},
		{"chunk extension and trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nX-T: 1\r\n\r\nignored", "abc", 200, ""},
		{"chunked then identity", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n", "ab", 200, ""},
		{"not chunked last", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n2\r\nab\r\n", "2\r\nab\r\n", 200, ""},
		{"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab", "zz\r\nab", 200, ""},
		{"bad after chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY", "abXY", 200, ""},
		{"bad status", "HTTP/1.1 2000 OK\r\n\r\nx", "x", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewHTTPDigester()
			d.Write([]byte(tt.block))
			if got := d.PayloadDigest(); got != sha256Hex([]byte(tt.payload)) {
				t.Errorf("payload digest covers the wrong bytes (want %q)", tt.payload)
			}
			if d.Status() != tt.status || d.MIME() != tt.mime {
				t.Errorf("status %d mime %q, want %d %q", d.Status(), d.MIME(), tt.status, tt.mime)
			}
		})
	}
}

func TestParseDigest(t *testing.T) {
	data := []byte("hello")
	s1 := sha1.Sum(data)
	s256 := sha256.Sum256(data)
	tests := []struct {
		value string
		ok    bool
	}{
		{"sha1:" + base32.StdEncoding.EncodeToString(s1[:]), true},
		{"SHA1:" + hex.EncodeToString(s1[:]), true},
		{"sha1:" + base64.StdEncoding.EncodeToString(s1[:]), true},
		{"sha1:" + base64.RawURLEncoding.EncodeToString(s1[:]), true},
		{"sha-256:" + hex.EncodeToString(s256[:]), true},
		{"sha256:" + base32.StdEncoding.EncodeToString(s256[:]), true},
		{"sha256:" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(s256[:]), true},
		{"sha1:" + hex.EncodeToString(s256[:]), false},
		{"sha1:1112H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ", false},
		{"crc32:abcd", false},
		{"nocolon", false},
	}
	for _, tt := range tests {
		d, err := parseDigest(tt.value)
		if (err == nil) != tt.ok {
			t.Errorf("parseDigest(%q): %v", tt.value, err)
			continue
		}
		if err != nil {
			continue
		}
		h := newHash(d.alg)
		h.Write(data)
		if !d.matches(h.Sum(nil)) {
			t.Errorf("parseDigest(%q) does not match the data", tt.value)
		}
	}
}
