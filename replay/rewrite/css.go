package rewrite

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// CSS copies a stylesheet from r to w with the targets of url(...) (quoted or not) and of
// @import "x" / @import url(x) rewritten: @import targets get cs_, other url() targets im_ (fonts
// and images alike), as do the strings of image-set(). @namespace URLs, comments, strings and
// everything else pass through byte for byte.
//
// The stylesheet streams: memory stays bounded by a 32 KiB read buffer and the longest token
// (a token longer than 64 KiB, in practice a data: URL, passes through unrewritten).
func CSS(w io.Writer, r io.Reader, u *URLRewriter) error {
	b := cssBuffers.Get().(*cssBuffer)
	defer cssBuffers.Put(b)
	b.rs.init(u)
	defer func() { b.rs = resolver{} }() // no references kept in the pool
	b.c.rs = &b.rs
	b.c.reset()
	for {
		n, err := r.Read(b.in)
		if n > 0 {
			b.out = b.c.write(b.out[:0], b.in[:n])
			if werr := writeAll(w, b.out); werr != nil {
				return fmt.Errorf("replay: rewrite css: %w", werr)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("replay: rewrite css: %w", err)
		}
	}
	if err := writeAll(w, b.c.finish(b.out[:0])); err != nil {
		return fmt.Errorf("replay: rewrite css: %w", err)
	}
	return nil
}

// cssBuffer holds the state and buffers of one CSS call; they are pooled.
type cssBuffer struct {
	rs      resolver
	c       cssRewriter
	in, out []byte
}

var cssBuffers = sync.Pool{New: func() any {
	return &cssBuffer{in: make([]byte, 32<<10), out: make([]byte, 0, 40<<10)}
}}

func writeAll(w io.Writer, b []byte) error {
	if len(b) == 0 {
		return nil
	}
	_, err := w.Write(b)
	return err
}

// cssMaxToken bounds the input a cssRewriter holds back while waiting for the end of a token.
const cssMaxToken = 64 << 10

type cssAtRule uint8

const (
	atNone cssAtRule = iota
	atImport
	atNamespace
	atOther
)

type cssFunc uint8

const (
	fnOther cssFunc = iota
	fnURL
	fnImageSet
)

type cssSkip uint8

const (
	skipNone cssSkip = iota
	skipComment
	skipString
	skipURL
)

// cssRewriter rewrites CSS fed to it in pieces. It is a reduced CSS Syntax Level 3 tokenizer: it
// knows comments, strings, escapes, identifiers, functions, url tokens, at-keywords and blocks,
// which is all that finding URLs needs. A token cut by the end of a piece is held back in pend
// until the next piece completes it.
type cssRewriter struct {
	rs           *resolver
	pend         []byte
	at           cssAtRule // the at-rule whose prelude is being read
	importWanted bool      // @import takes the first string or url as its URL
	funcs        [16]cssFunc
	nfuncs       int // open functions and parentheses; only the innermost 16 are kept
	skip         cssSkip
	skipQuote    byte
	skipEsc      bool // the last byte skipped was an unpaired backslash
	skipStar     bool // the last byte of a skipped comment was "*"
	rescanAt     int  // the length of pend at which to try it again
}

// reset readies c for a new stylesheet.
func (c *cssRewriter) reset() {
	*c = cssRewriter{rs: c.rs, pend: c.pend[:0]}
}

// write appends the rewriting of the next piece p of the stylesheet to dst.
func (c *cssRewriter) write(dst, p []byte) []byte {
	var n int
	if len(c.pend) > 0 {
		c.pend = append(c.pend, p...)
		if len(c.pend) < c.rescanAt && len(c.pend) <= cssMaxToken {
			return dst // rescanning a long token only as it doubles keeps small writes linear
		}
		dst, n = c.scan(dst, c.pend, false)
		c.pend = c.pend[:copy(c.pend, c.pend[n:])]
	} else {
		dst, n = c.scan(dst, p, false)
		c.pend = append(c.pend[:0], p[n:]...)
	}
	c.rescanAt = 2 * len(c.pend)
	if len(c.pend) > cssMaxToken {
		dst = c.overflow(dst)
	}
	return dst
}

// finish appends what is held back, the stylesheet having ended.
func (c *cssRewriter) finish(dst []byte) []byte {
	dst, _ = c.scan(dst, c.pend, true)
	c.pend = c.pend[:0]
	return dst
}

// rewriteAll appends the rewriting of the whole stylesheet s (a style attribute) to dst and
// reports whether any URL changed.
func (c *cssRewriter) rewriteAll(dst, s []byte) ([]byte, bool) {
	c.reset()
	n := len(dst)
	dst, _ = c.scan(dst, s, true)
	return dst, !bytes.Equal(dst[n:], s)
}

// overflow passes through pend, an incomplete token too long to hold, and skips the rest of it
// as it arrives.
func (c *cssRewriter) overflow(dst []byte) []byte {
	p := c.pend
	switch {
	case len(p) > 1 && p[0] == '/' && p[1] == '*':
		c.skip, c.skipStar = skipComment, p[len(p)-1] == '*'
	case p[0] == '"' || p[0] == '\'':
		c.skip, c.skipQuote, c.skipEsc = skipString, p[0], oddBackslashes(p[1:])
	case len(p) > 4 && equalFoldASCII(p[:4], "url("):
		c.skip, c.skipEsc = skipURL, oddBackslashes(p[4:])
	}
	dst = append(dst, p...)
	c.pend = c.pend[:0]
	return dst
}

// oddBackslashes reports whether b ends inside an escape.
func oddBackslashes(b []byte) bool {
	esc := false
	for _, ch := range b {
		esc = !esc && ch == '\\'
	}
	return esc
}

// skipToken returns the end of the skipped token in s, or len(s) when it goes on.
func (c *cssRewriter) skipToken(s []byte) int {
	if c.skip == skipComment {
		if c.skipStar && len(s) > 0 && s[0] == '/' {
			c.skip = skipNone
			return 1
		}
		if i := bytes.Index(s, []byte("*/")); i >= 0 {
			c.skip = skipNone
			return i + 2
		}
		c.skipStar = len(s) > 0 && s[len(s)-1] == '*'
		return len(s)
	}
	for k, ch := range s {
		switch {
		case c.skipEsc:
			c.skipEsc = false
		case ch == '\\':
			c.skipEsc = true
		case c.skip == skipString && ch == c.skipQuote, c.skip == skipURL && ch == ')':
			c.skip = skipNone
			return k + 1
		case c.skip == skipString && (ch == '\n' || ch == '\r' || ch == '\f'):
			c.skip = skipNone
			return k
		}
	}
	return len(s)
}

func (c *cssRewriter) push(f cssFunc) {
	if c.nfuncs < len(c.funcs) {
		c.funcs[c.nfuncs] = f
	}
	c.nfuncs++
}

func (c *cssRewriter) pop() {
	if c.nfuncs > 0 {
		c.nfuncs--
	}
}

// top returns the innermost open function, or fnOther when there is none or it was not kept.
func (c *cssRewriter) top() cssFunc {
	if c.nfuncs == 0 || c.nfuncs > len(c.funcs) {
		return fnOther
	}
	return c.funcs[c.nfuncs-1]
}

// stringTarget returns the modifier for a string token in the current context, or false when the
// string is not a URL to rewrite.
func (c *cssRewriter) stringTarget() (string, bool) {
	switch top := c.top(); {
	case c.at == atNamespace:
	case c.at == atImport && c.importWanted && (c.nfuncs == 0 || c.nfuncs == 1 && top == fnURL):
		c.importWanted = false
		return "cs_", true
	case top == fnURL || top == fnImageSet:
		return "im_", true
	}
	return "", false
}

// urlTarget returns the modifier for an unquoted url() token, or false for @namespace.
func (c *cssRewriter) urlTarget() (string, bool) {
	switch {
	case c.at == atNamespace:
		return "", false
	case c.at == atImport && c.importWanted && c.nfuncs == 0:
		c.importWanted = false
		return "cs_", true
	}
	return "im_", true
}

// rewriteValue appends s[last:vs] and the rewriting of the URL s[vs:ve] (a string's content when
// quote is set, else an unquoted url's) to dst, and returns ve as the new last; when the URL
// stays as it is, dst and last come back unchanged.
func (c *cssRewriter) rewriteValue(dst, s []byte, last, vs, ve int, mod string, quote byte) ([]byte, int) {
	raw := s[vs:ve]
	escaped := bytes.IndexByte(raw, '\\') >= 0
	val := raw
	if escaped {
		val = decodeCSSEscapes(raw)
	}
	mark := len(dst)
	dst = append(dst, s[last:vs]...)
	v := len(dst)
	dst, ok := c.rs.appendURL(dst, val, mod)
	if !ok {
		return dst[:mark], last
	}
	reencode := escaped && isASCII(raw) // non-ASCII from escapes goes back into escapes
	if needsCSSEscape(dst[v:], quote, reencode) {
		nv := append([]byte(nil), dst[v:]...)
		dst = appendCSSEscaped(dst[:v], nv, quote, reencode)
	}
	return dst, ve
}

func isASCII(b []byte) bool {
	for _, ch := range b {
		if ch >= 0x80 {
			return false
		}
	}
	return true
}
