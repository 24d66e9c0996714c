package extract

import (
	"bytes"
	"io"
	"testing"
	"unicode/utf8"
)

// FuzzHTMLToUTF8 decodes bodies under hostile charset declarations: no
// panic, no byte order mark left, a valid UTF-8 body without a charset
// declared anywhere comes out as it went in, and the HTML parser takes
// whatever comes out.
func FuzzHTMLToUTF8(f *testing.F) {
	for _, s := range [][2]string{
		{"<meta charset=iso-8859-1>caf\xe9", ""}, {"\xef\xbb\xbf<p>bom", ""}, {"\xff\xfe<\x00p\x00>\x00", ""},
		{"<p>\xe4\xb8\xad</p>", "text/html; charset=gbk"}, {"<p>x</p>", "text/html; charset=utf-16"},
		{"<meta http-equiv=Content-Type content='text/html; charset=shift_jis'>\x82\xa0", ""},
		{"<p>caf\xc3\xa9</p>", ""}, {"<p>\xc3</p>", "text/html; charset=utf-8"}, {"<meta charset=hz-gb-2312>~{", ""},
		{"<p>x", "text/html; charset=\"x-user-defined\""},
	} {
		f.Add([]byte(s[0]), s[1])
	}
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		out, err := io.ReadAll(utf8HTML(bytes.NewReader(body), contentType))
		if err != nil {
			return
		}
		if bytes.HasPrefix(out, []byte("\uFEFF")) {
			t.Fatalf("byte order mark left: %q", out[:8])
		}
		if contentType == "" && utf8.Valid(body) && !bytes.HasPrefix(body, []byte("\uFEFF")) &&
			!bytes.Contains(bytes.ToLower(body), []byte("charset")) && !bytes.Equal(out, body) {
			t.Fatalf("undeclared UTF-8 changed:\n%q\n%q", body, out)
		}
		if _, err := ParseHTML(body, contentType); err != nil {
			t.Fatalf("decoded but does not parse: %v", err)
		}
	})
}
