package warc

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ownFile writes everyType's records (after a warcinfo) and returns the bytes
// and the entries.
func ownFile(t *testing.T, gzipped bool) ([]byte, []Entry) {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, gzipped, WithClock(fixedClock()))
	if err != nil {
		t.Fatal(err)
	}
	info, err := w.WriteWarcinfo("own.warc", warcinfoFields())
	if err != nil {
		t.Fatal(err)
	}
	es, err := w.Write(everyType(t)...)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), append([]Entry{info}, es...)
}

func TestVerifyDamage(t *testing.T) {
	type damage func(p []byte, es []Entry) []byte
	// mid returns the offset of the middle of record i's block region.
	mid := func(es []Entry, i int) int64 { return es[i].Offset + es[i].Length*3/4 }
	tests := []struct {
		name    string
		gzipped bool
		damage  damage
		want    string // in some problem's message
		records int    // records still read
	}{
		{"intact plain", false, func(p []byte, _ []Entry) []byte { return p }, "", 9},
		{"intact gzip", true, func(p []byte, _ []Entry) []byte { return p }, "", 9},
		{"truncated plain", false, func(p []byte, _ []Entry) []byte { return p[:len(p)-10] }, "truncated", 9},
		{"truncated gzip", true, func(p []byte, _ []Entry) []byte { return p[:len(p)-10] }, "truncated", 9},
		{"truncated inside a header", false, func(p []byte, es []Entry) []byte { return p[:es[8].Offset+20] }, "truncated", 8},
		{"byte flipped in a block, plain", false, func(p []byte, es []Entry) []byte { return flip(p, mid(es, 6)) }, "WARC-Block-Digest mismatch", 9},
		{"byte flipped in a member", true, func(p []byte, es []Entry) []byte { return flip(p, mid(es, 2)) }, "gzip", 8},
		{"garbage appended, plain", false, func(p []byte, _ []Entry) []byte { return cat(p, []byte("garbage\n")) }, "want a WARC/ version line", 9},
		{"garbage appended, gzip", true, func(p []byte, _ []Entry) []byte { return cat(p, []byte("garbage\n")) }, "gzip", 9},
		{"garbage between members", true, func(p []byte, es []Entry) []byte {
			return cat(cat(p[:es[3].Offset], []byte("\x1f\x8bjunk junk junk")), p[es[3].Offset:])
		}, "gzip", 9},
		{"missing WARC-Date", false, func(p []byte, es []Entry) []byte {
			return replaceAt(p, es[3].Offset, "WARC-Date:", "X-Warc-Dt:")
		}, "missing mandatory field WARC-Date", 9},
		{"payload changed", false, func(p []byte, es []Entry) []byte {
			return replaceAt(p, es[3].Offset, "Content-Length: 17\r\n\r\n{\"title\":\"Story\"}", "Content-Length: 17\r\n\r\n{\"title\":\"Stork\"}")
		}, "WARC-Block-Digest mismatch", 9},
		{"no CRLFCRLF after a record", false, func(p []byte, es []Entry) []byte {
			end := es[2].Offset + es[2].Length
			return cat(cat(p[:end-4], []byte("\r\nX\n")), p[end:])
		}, "not followed by CRLFCRLF", 9},
		{"Content-Length too large", false, func(p []byte, es []Entry) []byte {
			return replaceAt(p, es[8].Offset, "Content-Length: ", "Content-Length: 9")
		}, "truncated", 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, es := ownFile(t, tt.gzipped)
			path := filepath.Join(t.TempDir(), "own.warc")
			if err := os.WriteFile(path, tt.damage(data, es), 0o644); err != nil {
				t.Fatal(err)
			}
			var msgs []string
			st, err := VerifyFile(path, func(p Problem) { msgs = append(msgs, p.Msg) })
			if err != nil {
				t.Fatal(err)
			}
			joined := strings.Join(msgs, "\n")
			if tt.want == "" && len(msgs) > 0 || tt.want != "" && !strings.Contains(joined, tt.want) {
				t.Errorf("problems:\n%s\nwant one with %q", joined, tt.want)
			}
			if st.Records < tt.records || st.Problems != len(msgs) {
				t.Errorf("stats %+v, want at least %d records (problems: %s)", st, tt.records, joined)
			}
		})
	}
}

func replaceAt(p []byte, off int64, old, new string) []byte {
	i := bytes.Index(p[off:], []byte(old))
	if i < 0 {
		panic("replaceAt: " + old + " not found")
	}
	i += int(off)
	return cat(cat(p[:i], []byte(new)), p[i+len(old):])
}

func TestVerifyFileMissing(t *testing.T) {
	if _, err := VerifyFile(filepath.Join(t.TempDir(), "nope.warc"), nil); err == nil {
		t.Error("no error for a missing file")
	}
}
