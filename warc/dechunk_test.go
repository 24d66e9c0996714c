package warc

import (
	"io"
	"strings"
	"testing"
)

func TestDechunkReaderFallsBackToTheStoredBody(t *testing.T) {
	big := strings.Repeat("x", chunkCheckWindow+100)
	tests := []struct{ name, body, want string }{
		{"chunks", "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", "abcde"},
		{"bare LF, extension, trailer, junk after", "3;x=1\nabc\n0\nX-T: 1\n\njunk", "abc"},
		{"empty", "", ""},
		{"stored de-chunked HTML", "<html><p>hi</p></html>", "<html><p>hi</p></html>"},
		{"stored text whose first line reads as a size line", "Add 5 eggs\nthen stir.\n", "Add 5 eggs\nthen stir.\n"},
		{"framing broken after a whole chunk passes the rest", "2\r\nab\r\nzz", "abzz"},
		{"first chunk beyond the window is trusted", strings.ToUpper(itoaHex(len(big))) + "\r\n" + big + "\r\n0\r\n\r\n", big},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := io.ReadAll(NewDechunkReader(iotestHalf(strings.NewReader(tt.body))))
			if err != nil || string(got) != tt.want {
				t.Errorf("got %.60q (%v), want %.60q", got, err, tt.want)
			}
		})
	}
}

func itoaHex(n int) string {
	const digits = "0123456789abcdef"
	s := ""
	for ; n > 0; n /= 16 {
		s = string(digits[n%16]) + s
	}
	return s
}

// iotestHalf reads at most 7 bytes a call, so framing spans reads.
func iotestHalf(r io.Reader) io.Reader {
	return readerFunc(func(p []byte) (int, error) { return r.Read(p[:min(len(p), 7)]) })
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
