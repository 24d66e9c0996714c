package extract

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/transform"
)

// ParseHTML decodes an HTML body to UTF-8 (as utf8HTML does) and parses it into a DOM. body must
// already be free of any Content-Encoding. The parser runs with scripting enabled, like a
// browser: <noscript> content is a text node. It fails on a page nested deeper than 512 elements.
func ParseHTML(body []byte, contentType string) (*html.Node, error) {
	doc, err := html.Parse(utf8HTML(bytes.NewReader(body), contentType))
	if err != nil {
		return nil, fmt.Errorf("capture: parse html: %w", err)
	}
	return doc, nil
}

// utf8HTML returns the HTML read from r converted to UTF-8, without a byte order mark, as a
// stream: nothing is held but a few buffers.
//
// The encoding is chosen as a browser does (a byte order mark, then the charset parameter of
// contentType, then a <meta charset> or <meta http-equiv=Content-Type> in the first 1024 bytes),
// so latin-1 and windows-1252 pages come out right. A page without a declaration, or whose <meta>
// says latin-1 or windows-1252, is read as UTF-8 as long as it is valid UTF-8, and as
// windows-1252 from its first byte that is not.
func utf8HTML(r io.Reader, contentType string) io.Reader {
	br := bufio.NewReaderSize(r, 4096)
	head, _ := br.Peek(1024)
	enc, name, certain := charset.DetermineEncoding(head, contentType)
	switch {
	// DetermineEncoding looks at 1024 bytes only and falls back to windows-1252 when those are
	// ASCII, which garbles undeclared UTF-8 pages whose first non-ASCII text comes later (most
	// of them). A legacy-encoded text is practically never valid UTF-8, so the bytes decide; the
	// same holds for a page whose <meta> claims latin-1 but whose bytes are UTF-8. A charset
	// from the header or a BOM (certain) is always obeyed.
	case name == "windows-1252" && !certain:
		return transform.NewReader(br, &utf8OrLegacy{legacy: enc.NewDecoder()})
	case name == "utf-8" || enc == encoding.Nop:
		// Every leading byte order mark goes (a page saved twice by an editor
		// that adds one has two); within the bytes already peeked.
		for bytes.HasPrefix(head, []byte("\uFEFF")) {
			br.Discard(3)
			head = head[3:]
		}
		return br
	}
	// A UTF-16 decoder turns the byte order mark into U+FEFF, which is no text of the page.
	out := bufio.NewReaderSize(transform.NewReader(br, enc.NewDecoder()), 4096)
	for range 1024 / 3 {
		if bom, _ := out.Peek(3); !bytes.Equal(bom, []byte("\uFEFF")) {
			break
		}
		out.Discard(3)
	}
	return out
}

// utf8OrLegacy is a transformer that passes valid UTF-8 through until the first byte that is not
// part of it, and decodes everything from there with legacy.
type utf8OrLegacy struct {
	legacy   transform.Transformer
	switched bool
}

func (t *utf8OrLegacy) Reset() {
	t.switched = false
	t.legacy.Reset()
}

func (t *utf8OrLegacy) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	if t.switched {
		return t.legacy.Transform(dst, src, atEOF)
	}
	n := validUTF8Prefix(src)
	incomplete := n < len(src) && !atEOF && !utf8.FullRune(src[n:]) // the rest of a rune is to come
	if n > len(dst) {
		n = len(dst)
		for n > 0 && !utf8.RuneStart(src[n]) {
			n--
		}
		copy(dst, src[:n])
		return n, n, transform.ErrShortDst
	}
	copy(dst, src[:n])
	switch {
	case n == len(src):
		return n, n, nil
	case incomplete:
		return n, n, transform.ErrShortSrc
	}
	t.switched = true
	d, s, err := t.legacy.Transform(dst[n:], src[n:], atEOF)
	return n + d, n + s, err
}

// validUTF8Prefix is the length of the longest prefix of b that is valid UTF-8.
func validUTF8Prefix(b []byte) int {
	if utf8.Valid(b) {
		return len(b)
	}
	n := 0
	for n < len(b) {
		if b[n] < utf8.RuneSelf {
			n++
			continue
		}
		r, size := utf8.DecodeRune(b[n:])
		if r == utf8.RuneError && size <= 1 {
			return n
		}
		n += size
	}
	return n
}
