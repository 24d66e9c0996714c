package warc

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// wgetStyle is a WARC/1.0 record as wget writes it: angle brackets around the
// target URI, sha1 base32 digests, bare field order of its own.
const wgetStyle = "WARC/1.0\r\n" +
	"WARC-Type: resource\r\n" +
	"WARC-Record-ID: <urn:uuid:543BCA4F-A305-4383-B511-0BCF23F7AD8D>\r\n" +
	"WARC-Target-URI: <metadata://gnu.org/software/wget/warc/wget_arguments.txt>\r\n" +
	"WARC-Date: 2018-02-09T15:12:11Z\r\n" +
	"WARC-Block-Digest: sha1:6VZNHFX25EQGMKDRJ6ZM4AHXF2KPEJMP\r\n" +
	"Content-Type: text/plain\r\n" +
	"Content-Length: 6\r\n" +
	"\r\n" +
	"hello\n" +
	"\r\n\r\n"

func TestReaderForeignStyles(t *testing.T) {
	plain, es := ownFile(t, false)
	oneMember := gzipBytes(t, plain) // every record in a single gzip member
	tests := []struct {
		name    string
		data    []byte
		records int
	}{
		{"wget style", []byte(wgetStyle), 1},
		{"bare LF line ends", []byte(strings.ReplaceAll(strings.ReplaceAll(wgetStyle, "\r\n\r\nhello\n", "\n\nhello\n"), "\r\n", "\n")), 1},
		{"all records in one gzip member", oneMember, len(es)},
		{"blank lines between records", cat(cat(plain, []byte("\r\n\r\n\n")), plain), 2 * len(es)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd, err := NewReader(bytes.NewReader(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for {
				rec, err := rd.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				e, err := EntryOf(rec, "x")
				if err != nil {
					t.Fatal(err)
				}
				if strings.ContainsAny(e.TargetURI, "<>") || e.Date.IsZero() {
					t.Errorf("entry %+v", e)
				}
				n++
			}
			if n != tt.records {
				t.Errorf("read %d records, want %d", n, tt.records)
			}
		})
	}
	var msgs []string
	st, _ := verifyReader(bytes.NewReader(oneMember), func(p Problem) { msgs = append(msgs, p.Msg) })
	if st.Records != len(es) || st.Problems != len(es) || !strings.Contains(msgs[0], "exactly one gzip member") {
		t.Errorf("one-member file: %+v %v", st, msgs)
	}
	if st, _ := verifyReader(strings.NewReader(wgetStyle), nil); st.Problems != 0 {
		t.Errorf("wget-style record: %d problems", st.Problems)
	}
}

func TestReaderErrors(t *testing.T) {
	plain, es := ownFile(t, false)
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"cut in a header", plain[:es[1].Offset+30], ErrTruncated},
		{"no Content-Length", []byte("WARC/1.1\r\nWARC-Type: resource\r\n\r\n"), ErrMalformed},
		{"bad Content-Length", []byte("WARC/1.1\r\nContent-Length: -3\r\n\r\n"), ErrMalformed},
		{"not a WARC", []byte("<html>hello</html>\n"), ErrMalformed},
		{"header too long", append([]byte("WARC/1.1\r\nX: "), bytes.Repeat([]byte("a"), 1<<20)...), ErrMalformed},
		{"not gzip after the first member", cat(gzipBytes(t, plain), []byte("PK\x03\x04 zip file")), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd, _ := NewReader(bytes.NewReader(tt.data))
			var got error
			for i := 0; i < 100; i++ {
				_, err := rd.Next()
				if err == io.EOF {
					break
				}
				if err != nil && got == nil {
					got = err
				}
			}
			if !errors.Is(got, tt.want) {
				t.Errorf("error %v, want %v", got, tt.want)
			}
		})
	}
}
