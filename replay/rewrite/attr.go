package rewrite

import (
	"bytes"
	"html"
	"strings"
	"unicode/utf8"
)

// attrKey names the attributes that rewriting looks at.
type attrKey uint8

const (
	akOther attrKey = iota
	akSrc
	akHref
	akSrcset
	akStyle
	akDataSrc
	akDataLazySrc
	akDataSrcset
	akBackground
	akPoster
	akAction
	akFormaction
	akContent
	akData
	akIntegrity
	akCrossorigin
	akRel
	akAs
	akType
	akName
	akProperty
	akHTTPEquiv
	akCharset
	akXlinkHref
	akSrcdoc
	akImagesrcset
	numAttrKeys
)

// attrKeys finds attribute names.
var attrKeys = newNameTable[attrKey]([]string{
	akSrc: "src", akHref: "href", akSrcset: "srcset", akStyle: "style", akDataSrc: "data-src",
	akDataLazySrc: "data-lazy-src", akDataSrcset: "data-srcset", akBackground: "background",
	akPoster: "poster", akAction: "action", akFormaction: "formaction", akContent: "content",
	akData: "data", akIntegrity: "integrity", akCrossorigin: "crossorigin", akRel: "rel", akAs: "as",
	akType: "type", akName: "name", akProperty: "property", akHTTPEquiv: "http-equiv",
	akCharset: "charset", akXlinkHref: "xlink:href", akSrcdoc: "srcdoc", akImagesrcset: "imagesrcset",
})

// nameTable finds a name among a few dozen, in any ASCII case, comparing only the names of the
// same length that start with the same letter: cheaper than hashing for the short names of HTML.
type nameTable[K ~uint8] [16][]nameEntry[K]

type nameEntry[K ~uint8] struct {
	name string
	key  K
}

// newNameTable returns the table of the lower-case names, each standing for its index.
func newNameTable[K ~uint8](names []string) *nameTable[K] {
	var t nameTable[K]
	for k, name := range names {
		if name != "" {
			t[len(name)] = append(t[len(name)], nameEntry[K]{name, K(k)})
		}
	}
	return &t
}

// lookup returns the key of name, or 0.
func (t *nameTable[K]) lookup(name []byte) K {
	if len(name) == 0 || len(name) >= len(t) {
		return 0
	}
	for _, e := range t[len(name)] {
		if name[0]|0x20 == e.name[0] && equalFoldASCII(name, e.name) {
			return e.key
		}
	}
	return 0
}

// decodeAttr returns the value of an attribute from its raw bytes, as x/net/html's Tokenizer
// decodes it (character references with the attribute rules, CR and CRLF as LF, NUL as U+FFFD),
// and whether raw needed no decoding: then the value is raw itself, else it is appended to dst.
func decodeAttr(dst, raw []byte) ([]byte, bool) {
	i := len(raw)
	for _, c := range [...]byte{'&', '\r', 0} {
		if j := bytes.IndexByte(raw[:i], c); j >= 0 {
			i = j
		}
	}
	if i == len(raw) {
		return raw, true
	}
	out := append(dst, raw[:i]...)
	for i < len(raw) {
		switch c := raw[i]; c {
		case '&':
			r1, r2, n := decodeCharRef(raw[i:])
			if n == 0 {
				out = append(out, '&')
				i++
				continue
			}
			out = utf8.AppendRune(out, r1)
			if r2 != 0 {
				out = utf8.AppendRune(out, r2)
			}
			i += n
		case '\r':
			out = append(out, '\n')
			if i++; i < len(raw) && raw[i] == '\n' {
				i++
			}
		case 0:
			out = utf8.AppendRune(out, utf8.RuneError)
			i++
		default:
			out = append(out, c)
			i++
		}
	}
	return out, false
}

// windows1252 replaces the numeric references &#x80; to &#x9F;, as HTML does.
var windows1252 = [32]rune{
	'\u20AC', '\u0081', '\u201A', '\u0192', '\u201E', '\u2026', '\u2020', '\u2021',
	'\u02C6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008D', '\u017D', '\u008F',
	'\u0090', '\u2018', '\u2019', '\u201C', '\u201D', '\u2022', '\u2013', '\u2014',
	'\u02DC', '\u2122', '\u0161', '\u203A', '\u0153', '\u009D', '\u017E', '\u0178',
}

// decodeCharRef decodes the character reference at the start of s (s[0] is '&') with the rules
// for attribute values, returning its one or two runes and its length, or n == 0 when s does not
// start with one.
func decodeCharRef(s []byte) (r1, r2 rune, n int) {
	if len(s) < 2 {
		return 0, 0, 0
	}
	if s[1] == '#' {
		i, hex := 2, false
		if i < len(s) && (s[i] == 'x' || s[i] == 'X') {
			i, hex = i+1, true
		}
		start := i
		var x rune
		for ; i < len(s); i++ {
			var d rune
			switch c := s[i]; {
			case '0' <= c && c <= '9':
				d = rune(c - '0')
			case hex && 'a' <= c|0x20 && c|0x20 <= 'f':
				d = rune(c|0x20-'a') + 10
			default:
				goto done
			}
			if x <= 0x10FFFF {
				if hex {
					x = x*16 + d
				} else {
					x = x*10 + d
				}
			}
		}
	done:
		if i == start {
			return 0, 0, 0
		}
		if i < len(s) && s[i] == ';' {
			i++
		}
		switch {
		case 0x80 <= x && x <= 0x9F:
			x = windows1252[x-0x80]
		case x == 0 || 0xD800 <= x && x <= 0xDFFF || x > 0x10FFFF:
			x = utf8.RuneError
		}
		return x, 0, i
	}
	i := 1
	for i < len(s) && (isASCIILetter(s[i]) || '0' <= s[i] && s[i] <= '9') {
		i++
	}
	semi := i < len(s) && s[i] == ';'
	switch {
	case i == 1:
		return 0, 0, 0
	case semi:
		i++
	case i < len(s) && s[i] == '=':
		return 0, 0, 0 // "&copy=" in an attribute is not a reference
	}
	switch string(s[:i]) {
	case "&amp;", "&amp":
		return '&', 0, i
	case "&quot;", "&quot":
		return '"', 0, i
	case "&lt;", "&lt":
		return '<', 0, i
	case "&gt;", "&gt":
		return '>', 0, i
	}
	// html.UnescapeString knows every entity but reads a reference outside attributes, where a
	// known prefix of an unknown name also counts ("&copyx" is "©x"): take only whole names.
	ref := string(s[:i])
	dec := html.UnescapeString(ref)
	if dec == ref {
		return 0, 0, 0
	}
	switch utf8.RuneCountInString(dec) {
	case 1:
		r, _ := utf8.DecodeRuneInString(dec)
		return r, 0, i
	case 2:
		if semi && !strings.HasSuffix(dec, ";") { // two-rune entities all end in ";"
			r, w := utf8.DecodeRuneInString(dec)
			r2, _ := utf8.DecodeRuneInString(dec[w:])
			return r, r2, i
		}
	}
	return 0, 0, 0
}

// appendAttrEscaped appends v escaped for an attribute value quoted by quote (0: unquoted, and v
// must then be unquotedSafe): "&" and the quote become references, and so does every non-ASCII
// character when ncr is set.
func appendAttrEscaped(dst, v []byte, quote byte, ncr bool) []byte {
	const hex = "0123456789ABCDEF"
	plain := 0
	for plain < len(v) && !attrEscapes[v[plain]] {
		plain++
	}
	dst = append(dst, v[:plain]...)
	for i := plain; i < len(v); i++ {
		switch c := v[i]; {
		case c == '&':
			dst = append(dst, "&amp;"...)
		case c == quote && c == '"':
			dst = append(dst, "&quot;"...)
		case c == quote && c == '\'':
			dst = append(dst, "&#39;"...)
		case ncr && c >= 0x80:
			r, n := utf8.DecodeRune(v[i:])
			i += n - 1
			dst = append(dst, "&#x"...)
			started := false
			for shift := 20; shift >= 0; shift -= 4 {
				if d := (r >> shift) & 0xF; d != 0 || started || shift == 0 {
					dst, started = append(dst, hex[d]), true
				}
			}
			dst = append(dst, ';')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// attrEscapes marks the bytes that appendAttrEscaped may have to escape.
var attrEscapes = func() (t [256]bool) {
	t['&'], t['"'], t['\''] = true, true, true
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	return t
}()

// unquotedSafe reports whether v can be an unquoted attribute value as it is.
func unquotedSafe(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	for _, c := range v {
		switch c {
		case ' ', '\t', '\n', '\f', '\r', '"', '\'', '=', '<', '>', '`', '&':
			return false
		}
	}
	return true
}

// linkMod returns the modifier for the href of a link element with the given rel and as values.
func linkMod(rel, as []byte) string {
	var stylesheet, icon, module, preload bool
	for len(rel) > 0 {
		var tok []byte
		tok, rel = nextToken(rel)
		switch {
		case equalFoldASCII(tok, "stylesheet"):
			stylesheet = true
		case equalFoldASCII(tok, "icon"), equalFoldASCII(tok, "apple-touch-icon"),
			equalFoldASCII(tok, "apple-touch-icon-precomposed"), equalFoldASCII(tok, "mask-icon"),
			equalFoldASCII(tok, "image_src"):
			icon = true
		case equalFoldASCII(tok, "modulepreload"):
			module = true
		case equalFoldASCII(tok, "preload"), equalFoldASCII(tok, "prefetch"):
			preload = true
		}
	}
	switch {
	case stylesheet:
		return "cs_"
	case icon:
		return "im_"
	case module:
		return "js_"
	case !preload:
		return "" // canonical, alternate, next and other links to pages
	}
	switch as = bytes.TrimSpace(as); {
	case equalFoldASCII(as, "image"), equalFoldASCII(as, "font"):
		return "im_"
	case equalFoldASCII(as, "style"):
		return "cs_"
	case equalFoldASCII(as, "script"), equalFoldASCII(as, "worker"):
		return "js_"
	}
	return "mp_"
}

// nextToken returns the first whitespace-separated token of b and what follows it.
func nextToken(b []byte) (tok, rest []byte) {
	i := 0
	for i < len(b) && isHTMLSpace(b[i]) {
		i++
	}
	j := i
	for j < len(b) && !isHTMLSpace(b[j]) {
		j++
	}
	return b[i:j], b[j:]
}

// isOGImage reports whether a meta property or name says that its content is an image URL.
func isOGImage(v []byte) bool {
	v = bytes.TrimSpace(v)
	for _, name := range [...]string{"og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"} {
		if equalFoldASCII(v, name) {
			return true
		}
	}
	return false
}

// refreshURL returns the bounds of the URL in the content of a meta refresh ("5; url='x'"), as
// the HTML standard's declarative refresh steps find it; ok is false when there is none.
func refreshURL(v []byte) (start, end int, ok bool) {
	i := 0
	skipSpace := func() {
		for i < len(v) && isHTMLSpace(v[i]) {
			i++
		}
	}
	skipSpace()
	t := i
	for i < len(v) && ('0' <= v[i] && v[i] <= '9' || v[i] == '.') {
		i++
	}
	if i == t {
		return 0, 0, false
	}
	skipSpace()
	if i < len(v) && (v[i] == ';' || v[i] == ',') {
		i++
	}
	skipSpace()
	if j := i + 3; j <= len(v) && equalFoldASCII(v[i:j], "url") {
		for j < len(v) && isHTMLSpace(v[j]) {
			j++
		}
		if j < len(v) && v[j] == '=' {
			i = j + 1
			skipSpace()
		}
	}
	if i >= len(v) {
		return 0, 0, false
	}
	end = len(v)
	if q := v[i]; q == '"' || q == '\'' {
		i++
		if k := bytes.IndexByte(v[i:], q); k >= 0 {
			end = i + k
		}
	}
	return i, end, i < end
}
