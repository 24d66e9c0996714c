package capture

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
)

// ParseHTML decodes an HTML body to UTF-8 and parses it into a DOM.
//
// The encoding is chosen as a browser does (a byte order mark, then the charset parameter of
// contentType, then a <meta charset> or <meta http-equiv=Content-Type> in the first 1024 bytes),
// so latin-1 and windows-1252 pages come out right; a body without a declaration, or whose
// <meta> says latin-1 or windows-1252, is read as UTF-8 when it is valid UTF-8. body must already
// be free of any Content-Encoding. The parser runs with scripting enabled, like a browser:
// <noscript> content is a text node.
func ParseHTML(body []byte, contentType string) (*html.Node, error) {
	text, err := htmlToUTF8(body, contentType)
	if err != nil {
		return nil, err
	}
	doc, err := html.Parse(bytes.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("capture: parse html: %w", err)
	}
	return doc, nil
}

// htmlToUTF8 returns body converted to UTF-8, without a byte order mark.
func htmlToUTF8(body []byte, contentType string) ([]byte, error) {
	enc, name, certain := charset.DetermineEncoding(body, contentType)
	// DetermineEncoding looks at 1024 bytes only and falls back to windows-1252 when those are
	// ASCII, which garbles undeclared UTF-8 pages whose first non-ASCII text comes later (most of
	// them). A legacy-encoded text is practically never valid UTF-8, so the whole body decides;
	// the same holds for a page whose <meta> claims latin-1 but whose bytes are UTF-8. A charset
	// from the header or a BOM (certain) is always obeyed.
	if name == "windows-1252" && !certain && utf8.Valid(body) {
		name = "utf-8"
	}
	var out []byte
	if name == "utf-8" || enc == encoding.Nop {
		out = body
	} else {
		var err error
		out, err = enc.NewDecoder().Bytes(body)
		if err != nil {
			return nil, fmt.Errorf("capture: decode %s html: %w", name, err)
		}
	}
	return bytes.TrimPrefix(out, []byte("\uFEFF")), nil
}
