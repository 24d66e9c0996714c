package warctest

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// samplesDir holds WARC files of other tools (webrecorder/warcio's test
// data): $VELLUM_WARC_SAMPLES, else ../shared/warc-samples beside the
// repository; CI clones only the repository, so it may be absent.
func samplesDir() string {
	if dir := os.Getenv("VELLUM_WARC_SAMPLES"); dir != "" {
		return dir
	}
	return "../../../shared/warc-samples"
}

// TestSamples pins what gowarc v3 says of other tools' files, which is what
// docs/decisions.md records: the damaged ones are found damaged, wget's
// `<...>` target URIs are refused, and a whole-file-gzipped file read
// directly is caught as short (gowarc itself reads one record of it and
// reports nothing), while VerifyGunzipped reads all of it.
func TestSamples(t *testing.T) {
	dir := samplesDir()
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		t.Logf("%s is absent: sample files not checked", dir)
		return
	}
	tests := []struct {
		file    string
		gunzip  bool // whole-file gzipped: read with the workaround
		records int
		valid   bool
		want    string // in a problem
	}{
		{"example.warc", false, 6, true, ""},
		{"example.warc.gz", false, 6, true, ""},
		{"example-iana.org-chunked.warc", false, 3, true, ""},
		{"example-space-in-target-uri.warc.gz", false, 2, true, ""},
		{"example-resource.warc.gz", false, 3, true, ""},
		{"post-test.warc.gz", false, 6, true, ""},
		{"example-wget-bad-target-uri.warc.gz", false, 6, false, "WARC-Target-URI"},
		{"example-digest.warc", false, 4, false, "payload: illegal base32"},
		{"example-wrong-chunks.warc.gz", false, 1, false, "content length mismatch"},
		{"example-trunc.warc", false, 4, false, "payload: wrong digest"},
		{"example-bad-non-chunked.warc.gz", false, 1, false, "the decompressed file holds 6"},
		{"example-bad-non-chunked.warc.gz", true, 6, false, "block: wrong digest"},
		{"example-bad.warc.gz.bad", false, 1, false, "the decompressed file holds 6"},
		{"example-bad.warc.gz.bad", true, 6, false, "missing line separator at end of http headers"},
	}
	for _, tt := range tests {
		verify := Verify
		if tt.gunzip {
			verify = VerifyGunzipped
		}
		res, err := verify(filepath.Join(dir, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		if res.Records != tt.records || res.Valid() != tt.valid || !strings.Contains(res.String(), tt.want) {
			t.Errorf("%s (gunzipped %v): %v\nwant records=%d valid=%v, a problem with %q",
				tt.file, tt.gunzip, res, tt.records, tt.valid, tt.want)
		}
	}
}

// A response sent chunked keeps its payload digest unchecked (gowarc would
// digest the framing); one sent whole has it checked.
func TestPayloadDigestOfChunkedResponse(t *testing.T) {
	body := "<p>hello</p>"
	chunked := "c\r\n" + body + "\r\n0\r\n\r\n"
	bad := "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	for _, tt := range []struct {
		name, te, body string
		valid          bool
	}{
		{"chunked", "Transfer-Encoding: chunked\r\n", chunked, true},
		{"whole", "Content-Length: 12\r\n", body, false},
	} {
		http := "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + tt.te + "\r\n" + tt.body
		rec := "WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>\r\n" +
			"WARC-Date: 2024-03-01T12:00:00Z\r\nWARC-Target-URI: http://example.com/\r\n" +
			"Content-Type: application/http; msgtype=response\r\nWARC-Payload-Digest: " + bad + "\r\n" +
			"Content-Length: " + strconv.Itoa(len(http)) + "\r\n\r\n" + http + "\r\n\r\n"
		path := filepath.Join(t.TempDir(), tt.name+".warc")
		if err := os.WriteFile(path, []byte(rec), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := Verify(path)
		if err != nil {
			t.Fatal(err)
		}
		if res.Records != 1 || res.Valid() != tt.valid {
			t.Errorf("%s: %v, want valid=%v", tt.name, res, tt.valid)
		}
	}
}

// A gzipped WARC cut inside a member (a copy cut short) is invalid, though
// gowarc reads the members before the cut without a word.
func TestAFileCutInsideAMemberIsInvalid(t *testing.T) {
	dir := samplesDir()
	data, err := os.ReadFile(filepath.Join(dir, "example.warc.gz"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Logf("%s is absent: not checked", dir)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "cut.warc.gz")
	// Cut three bytes into the second member's header: gowarc alone reads the
	// first member's record and reports nothing.
	second := bytes.Index(data[1:], []byte{0x1f, 0x8b}) + 1
	if second < 1 {
		t.Fatal("example.warc.gz has one gzip member")
	}
	if err := os.WriteFile(p, data[:second+3], 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Verify(p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Valid() {
		t.Errorf("a file cut inside its last gzip member is valid: %s", res)
	}
}
