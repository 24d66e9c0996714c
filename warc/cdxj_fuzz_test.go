package warc

import (
	"encoding/json"
	"errors"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzParseCDXJ parses arbitrary lines (other tools' and other nodes'
// indexes): no panic, a refusal wraps ErrBadCDXJ, and a line that parses
// re-encodes and parses again to the same value.
func FuzzParseCDXJ(f *testing.F) {
	for _, s := range []string{
		`org,example)/ 20240101000000 {"url":"http://example.org/","mime":"text/html","status":"200","length":"10","offset":"0","filename":"a.warc.gz"}`,
		`org,example)/a 20240101000000 {"status":200,"x":null,"y":true,"z":{"a":[1]}}` + "\r\n",
		`k 1 {"a":"\u00e9\ud800","a":"dup"}`,
		`k 1 {`, `k  {}`, ` 1 {}`, `k 1 []`, "k\n1 {}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, err := ParseCDXJ(line)
		if err != nil {
			if !errors.Is(err, ErrBadCDXJ) {
				t.Fatalf("error does not wrap ErrBadCDXJ: %v", err)
			}
			return
		}
		obj, err := json.Marshal(c.Fields)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseCDXJ(c.URLKey + " " + c.Timestamp + " " + string(obj))
		if err != nil {
			t.Fatalf("re-encoded line does not parse: %v", err)
		}
		if again.URLKey != c.URLKey || again.Timestamp != c.Timestamp || !maps.Equal(again.Fields, c.Fields) {
			t.Fatalf("round trip changed the line:\n%+v\n%+v", c, again)
		}
	})
}

// FuzzCDXJEntry writes an entry's CDXJ line and parses it back: every
// field comes back as written (strings as valid UTF-8), under the SURT of
// its URL and the 14-digit timestamp of its date.
func FuzzCDXJEntry(f *testing.F) {
	f.Add("http://example.org/a?b=c", "text/html", "sha1:ABC", "a/b.warc.gz", 200, int64(10), int64(0), int64(1700000000))
	f.Add("https://ex\u00e9mple.org/\"\\\x01", "", "", "\xff.warc", 0, int64(-1), int64(1<<40), int64(-62135596800))
	f.Fuzz(func(t *testing.T, uri, mime, digest, file string, status int, length, offset, unix int64) {
		e := Entry{TargetURI: uri, MIME: mime, PayloadDigest: digest, Filename: file, Status: status,
			Length: length, Offset: offset, Date: time.Unix(unix%(1<<40), 0).UTC()}
		line, err := e.CDXJ()
		if err != nil {
			return // a URL without a SURT key
		}
		if strings.ContainsAny(line, "\r\n") {
			t.Fatalf("line break in the line %q", line)
		}
		c, err := ParseCDXJ(line)
		if err != nil {
			t.Fatalf("own line does not parse: %v\n%s", err, line)
		}
		key, _ := SURT(uri)
		valid := func(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
		want := map[string]string{"url": valid(uri), "mime": valid(mime), "length": strconv.FormatInt(length, 10),
			"offset": strconv.FormatInt(offset, 10), "filename": valid(file)}
		if status != 0 {
			want["status"] = strconv.Itoa(status)
		}
		if digest != "" {
			want["digest"] = valid(digest)
		}
		if c.URLKey != key || c.Timestamp != Timestamp14(e.Date) || !maps.Equal(c.Fields, want) {
			t.Fatalf("parsed back\n%+v\nwant key %q, timestamp %q, fields %v", c, key, Timestamp14(e.Date), want)
		}
	})
}
