package extract

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// CSS returns the absolute http(s) URLs a stylesheet references, in order and without
// duplicates: url(...) quoted or not, @import "x" and @import url(x), and the strings of
// image-set(), with CSS escapes decoded and comments skipped, resolved against base. Fonts are
// included; data: URLs and the URL of @namespace (never fetched) are not.
func CSS(css []byte, base *url.URL) []string {
	var out []string
	seen := make(map[string]struct{})
	cssURLs(string(css), func(raw string) {
		if abs, ok := absLinkURL(base, raw); ok {
			if _, dup := seen[abs]; !dup {
				seen[abs] = struct{}{}
				out = append(out, abs)
			}
		}
	})
	return out
}

// cssURLs calls fn with every URL referenced by the CSS text s, unresolved, in order. It is a
// reduced CSS Syntax Level 3 tokenizer: it knows comments, strings, escapes, identifiers,
// functions, url tokens, at-keywords and blocks, which is all URL discovery needs.
func cssURLs(s string, fn func(string)) {
	c := cssScanner{s: s}
	var funcs []string    // open functions and parentheses, innermost last ("" for a bare "(")
	var atRule string     // the at-rule whose prelude is being read, "" otherwise
	importWanted := false // @import takes the first string or url as its URL
	emit := func(u string, fromString bool) {
		switch {
		case u == "":
			importWanted = false
		case atRule == "namespace":
		case atRule == "import" && importWanted && (len(funcs) == 0 || len(funcs) == 1 && funcs[0] == "url"):
			importWanted = false
			fn(u)
		case !fromString:
			fn(u)
		case len(funcs) > 0:
			switch funcs[len(funcs)-1] {
			case "url", "src", "image-set", "-webkit-image-set":
				fn(u)
			}
		}
	}
	for c.i < len(s) {
		ch := s[c.i]
		switch {
		case ch == '/' && strings.HasPrefix(s[c.i:], "/*"):
			if end := strings.Index(s[c.i+2:], "*/"); end >= 0 {
				c.i += end + 4
			} else {
				c.i = len(s)
			}
		case ch == '"' || ch == '\'':
			emit(c.str(ch), true)
		case ch == '@' && c.startsIdent(c.i+1):
			c.i++
			atRule = strings.ToLower(c.ident())
			importWanted = atRule == "import"
		case c.startsIdent(c.i):
			name := c.ident()
			if c.i >= len(s) || s[c.i] != '(' {
				continue
			}
			c.i++
			name = strings.ToLower(name)
			if name == "url" {
				if u, ok := c.urlToken(); ok {
					emit(u, false)
					continue
				}
			}
			funcs = append(funcs, name)
		case ch == '(':
			funcs = append(funcs, "")
			c.i++
		case ch == ')':
			if len(funcs) > 0 {
				funcs = funcs[:len(funcs)-1]
			}
			c.i++
		case ch == ';' || ch == '{' || ch == '}':
			atRule, importWanted, funcs = "", false, funcs[:0]
			c.i++
		case ch >= '0' && ch <= '9':
			// A number and its unit, so that "12url(" is a dimension, not a url token.
			for c.i < len(s) && (s[c.i] >= '0' && s[c.i] <= '9' || s[c.i] == '.') {
				c.i++
			}
			if c.startsIdent(c.i) {
				c.ident()
			}
		default:
			c.i++
		}
	}
}

// cssScanner holds the input and position of cssURLs.
type cssScanner struct {
	s string
	i int
}

func (c *cssScanner) runeLen() int {
	if c.i >= len(c.s) {
		return 0
	}
	_, n := utf8.DecodeRuneInString(c.s[c.i:])
	return n
}

// validEscape reports whether a backslash at i starts a valid escape (not followed by a newline).
func (c *cssScanner) validEscape(i int) bool {
	return i+1 < len(c.s) && c.s[i] == '\\' && c.s[i+1] != '\n' && c.s[i+1] != '\r' && c.s[i+1] != '\f'
}

func cssNameStart(ch byte) bool {
	return ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch == '_' || ch >= 0x80
}

func cssNameChar(ch byte) bool {
	return cssNameStart(ch) || ch >= '0' && ch <= '9' || ch == '-'
}

// startsIdent reports whether an identifier starts at i.
func (c *cssScanner) startsIdent(i int) bool {
	if i >= len(c.s) {
		return false
	}
	if c.s[i] == '-' {
		i++
		if i < len(c.s) && (c.s[i] == '-' || cssNameStart(c.s[i])) {
			return true
		}
	}
	return i < len(c.s) && cssNameStart(c.s[i]) || c.validEscape(i)
}

// ident consumes a name and returns it with escapes decoded.
func (c *cssScanner) ident() string {
	start := c.i
	var b *strings.Builder
	for c.i < len(c.s) {
		switch ch := c.s[c.i]; {
		case cssNameChar(ch):
			c.i++
			if b != nil {
				b.WriteByte(ch)
			}
		case c.validEscape(c.i):
			if b == nil {
				b = &strings.Builder{}
				b.WriteString(c.s[start:c.i])
			}
			c.escape(b)
		default:
			return c.done(start, b)
		}
	}
	return c.done(start, b)
}

func (c *cssScanner) done(start int, b *strings.Builder) string {
	if b == nil {
		return c.s[start:c.i]
	}
	return b.String()
}

// str consumes a string token opened by quote and returns its value with escapes decoded. An
// unescaped newline ends it (a bad string in CSS terms; its text so far is returned).
func (c *cssScanner) str(quote byte) string {
	c.i++
	start := c.i
	var b *strings.Builder
	for c.i < len(c.s) {
		switch ch := c.s[c.i]; {
		case ch == quote:
			v := c.done(start, b)
			c.i++
			return v
		case ch == '\n' || ch == '\r' || ch == '\f':
			return c.done(start, b)
		case ch == '\\':
			if b == nil {
				b = &strings.Builder{}
				b.WriteString(c.s[start:c.i])
			}
			if c.i+1 >= len(c.s) {
				c.i++
			} else if n := c.s[c.i+1]; n == '\n' || n == '\f' {
				c.i += 2 // escaped newline: a line continuation
			} else if n == '\r' {
				c.i += 2
				if c.i < len(c.s) && c.s[c.i] == '\n' {
					c.i++
				}
			} else {
				c.escape(b)
			}
		default:
			c.i++
			if b != nil {
				b.WriteByte(ch)
			}
		}
	}
	return c.done(start, b)
}

// urlToken consumes what follows "url(". With a quoted argument it consumes only the whitespace
// before it and returns false: the caller then reads url( as a function holding a string. Otherwise
// it consumes the url token and returns its value; ok is false for a bad url (whitespace inside, a
// quote or a parenthesis), whose remnants are consumed.
func (c *cssScanner) urlToken() (u string, ok bool) {
	for c.i < len(c.s) && isHTMLWhitespace(c.s[c.i]) {
		c.i++
	}
	if c.i < len(c.s) && (c.s[c.i] == '"' || c.s[c.i] == '\'') {
		return "", false
	}
	start := c.i
	var b *strings.Builder
	for c.i < len(c.s) {
		switch ch := c.s[c.i]; {
		case ch == ')':
			u = c.done(start, b)
			c.i++
			return u, true
		case isHTMLWhitespace(ch):
			u = c.done(start, b)
			for c.i < len(c.s) && isHTMLWhitespace(c.s[c.i]) {
				c.i++
			}
			if c.i >= len(c.s) {
				return u, true
			}
			if c.s[c.i] == ')' {
				c.i++
				return u, true
			}
			c.badURL()
			return "", true
		case ch == '"' || ch == '\'' || ch == '(' || ch < 0x20 || ch == 0x7f:
			c.badURL()
			return "", true
		case ch == '\\':
			if !c.validEscape(c.i) {
				c.badURL()
				return "", true
			}
			if b == nil {
				b = &strings.Builder{}
				b.WriteString(c.s[start:c.i])
			}
			c.escape(b)
		default:
			c.i++
			if b != nil {
				b.WriteByte(ch)
			}
		}
	}
	return c.done(start, b), true
}

// badURL consumes the remnants of a bad url token, up to and including its ")".
func (c *cssScanner) badURL() {
	for c.i < len(c.s) {
		switch {
		case c.s[c.i] == ')':
			c.i++
			return
		case c.validEscape(c.i):
			c.i += 2
		default:
			c.i++
		}
	}
}

// escape consumes a valid escape at c.i and writes the code point it stands for to b.
func (c *cssScanner) escape(b *strings.Builder) {
	c.i++ // the backslash
	if c.i >= len(c.s) {
		b.WriteRune(utf8.RuneError)
		return
	}
	start := c.i
	var r rune
	for c.i < len(c.s) && c.i-start < 6 && cssHexDigit(c.s[c.i]) {
		r = r<<4 | rune(cssHexValue(c.s[c.i]))
		c.i++
	}
	if c.i == start {
		n := c.runeLen()
		b.WriteString(c.s[c.i : c.i+n])
		c.i += n
		return
	}
	if c.i < len(c.s) && isHTMLWhitespace(c.s[c.i]) {
		if c.s[c.i] == '\r' && c.i+1 < len(c.s) && c.s[c.i+1] == '\n' {
			c.i++
		}
		c.i++
	}
	if r == 0 || r > utf8.MaxRune || r >= 0xD800 && r <= 0xDFFF {
		r = utf8.RuneError
	}
	b.WriteRune(r)
}

func cssHexDigit(ch byte) bool {
	return ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f' || ch >= 'A' && ch <= 'F'
}

func cssHexValue(ch byte) byte {
	switch {
	case ch >= 'a':
		return ch - 'a' + 10
	case ch >= 'A':
		return ch - 'A' + 10
	}
	return ch - '0'
}
