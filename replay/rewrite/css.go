package rewrite

import (
	"bytes"
	"fmt"
	"io"
	"sync"

	"github.com/vellumhq/vellum/internal/cssurl"
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

// cssRewriter rewrites CSS fed to it in pieces: the shared scanner finds the URLs, and a token
// cut by the end of a piece is held back in pend until the next piece completes it.
type cssRewriter struct {
	rs       *resolver
	sc       cssurl.Scanner
	spans    []cssurl.Span
	pend     []byte
	rescanAt int // the length of pend at which to try it again
}

// reset readies c for a new stylesheet.
func (c *cssRewriter) reset() {
	*c = cssRewriter{rs: c.rs, pend: c.pend[:0], spans: c.spans[:0]}
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

// overflow passes through pend, an incomplete token too long to hold, and has the scanner skip
// the rest of it as it arrives.
func (c *cssRewriter) overflow(dst []byte) []byte {
	c.sc.Skip(c.pend)
	dst = append(dst, c.pend...)
	c.pend = c.pend[:0]
	return dst
}

// scan appends the rewriting of s to dst. Unless final, it stops before a token that s may cut
// short and returns how much of s it consumed.
func (c *cssRewriter) scan(dst, s []byte, final bool) ([]byte, int) {
	var n int
	c.spans, n = c.sc.Scan(c.spans[:0], s, final)
	last := 0
	for _, sp := range c.spans {
		mod := "im_"
		if sp.Kind == cssurl.Import {
			mod = "cs_"
		}
		dst, last = c.rewriteValue(dst, s, last, sp.Start, sp.End, mod, sp.Quote)
	}
	return append(dst, s[last:n]...), n
}

// rewriteValue appends s[last:vs] and the rewriting of the URL s[vs:ve] (a string's content when
// quote is set, else an unquoted url's) to dst, and returns ve as the new last; when the URL
// stays as it is, dst and last come back unchanged.
func (c *cssRewriter) rewriteValue(dst, s []byte, last, vs, ve int, mod string, quote byte) ([]byte, int) {
	raw := s[vs:ve]
	escaped := bytes.IndexByte(raw, '\\') >= 0
	val := raw
	if escaped {
		val = cssurl.Unescape(raw)
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
