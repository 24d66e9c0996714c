package rewrite

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// HTMLOptions say what is inserted into a rewritten page.
type HTMLOptions struct {
	// HeadInsert is inserted right after <head> (or where <head> would be: before the first element
	// that isn't <html>), e.g. the runtime <script> and the banner's <link>/<script>. When a charset
	// declaration lies in the first 1024 bytes, the insert waits until after it (passing only meta,
	// title, link and base elements before it), so that the browser's charset prescan still finds it.
	HeadInsert []byte
	// BodyInsert is inserted right after <body> opens, or where the body implicitly starts (before
	// its first content) when the page has no <body> tag; frameset pages get none. May be empty.
	BodyInsert []byte
}

// HTML streams an archived HTML document from r to w with every URL-bearing attribute
// rewritten through u, and opts' inserts added.
//
// The attributes are those of DESIGN §4's requisites (img src/srcset, picture source srcset, lazy
// data-src/data-srcset/data-lazy-src, link rel=stylesheet|icon|preload|…, script src, video/audio/
// source/track src and poster, iframe/frame src, embed src, object data, input type=image src,
// body/table/td/th background, SVG image and use href/xlink:href, og:image/twitter:image meta
// content, inline style and <style> CSS) with their modifiers, plus a/area href, form action and
// formaction (top-level, ""), <base href> (which then resolves the rest of the document),
// <meta http-equiv=refresh> and iframe srcdoc (rewritten as HTML). Integrity attributes (and
// crossorigin beside them) are removed from elements whose URL changed, and an archived
// <meta http-equiv=Content-Security-Policy> is renamed so that it cannot block replay.
//
// Everything else passes through byte for byte: the document is never decoded, so its charset is
// kept, and a changed attribute keeps its raw text (character references included) with the
// archive URL's head inserted in front whenever the URL's tail is unchanged. Comments, doctype,
// script and textarea contents pass unchanged. Memory does not grow with the document: only a tag
// is held whole (one over 1 MiB passes through unrewritten); text, scripts and styles stream.
// u is not modified.
func HTML(w io.Writer, r io.Reader, u *URLRewriter, opts HTMLOptions) error {
	h := htmlRewriters.Get().(*htmlRewriter)
	h.reset(w, opts)
	h.rs.init(u)
	err := h.run(r)
	h.release()
	if err != nil {
		return fmt.Errorf("replay: rewrite html: %w", err)
	}
	return nil
}

const (
	htmlBufSize   = 32 << 10 // the input buffer, doubled up to htmlMaxTag for a long tag
	htmlMaxTag    = 1 << 20
	htmlFlushSize = 32 << 10
	charsetWindow = 1024 // how far browsers prescan for a charset declaration
)

var htmlRewriters = sync.Pool{New: func() any { return new(htmlRewriter) }}

type insertState uint8

const (
	insertPending insertState = iota
	insertDone
	insertNever
)

// htmlRewriter holds the state of one HTML call; its buffers are pooled.
type htmlRewriter struct {
	w    io.Writer
	opts HTMLOptions
	rs   resolver
	sc   scanner
	css  cssRewriter // for <style> text and style attributes

	in       []byte // input; in[pos:end] is not yet tokenized
	pos, end int
	eof      bool
	off      int // the input offset of in[pos]
	out      []byte

	attrs              tagAttrs // the current start tag's attributes by key
	edits              []edit   // changes to it
	repl, scratch, dec []byte

	inStyle     bool
	baseSet     bool
	head, body  insertState
	charsetSoon bool // a charset declaration may come in the first charsetWindow bytes
	noscript    int  // depth of <noscript>, inside which no body starts
	template    int
}

func (h *htmlRewriter) reset(w io.Writer, opts HTMLOptions) {
	in := h.in[:cap(h.in)]
	if len(in) < htmlBufSize {
		in = make([]byte, htmlBufSize)
	}
	*h = htmlRewriter{
		w: w, opts: opts, in: in, out: h.out[:0],
		sc:    scanner{attrs: h.sc.attrs[:0]},
		css:   cssRewriter{pend: h.css.pend[:0]},
		edits: h.edits[:0], repl: h.repl[:0], scratch: h.scratch[:0], dec: h.dec[:0],
	}
	h.css.rs = &h.rs
}

// release returns h to the pool, dropping references and buffers that grew large.
func (h *htmlRewriter) release() {
	h.w, h.opts, h.rs = nil, HTMLOptions{}, resolver{}
	if cap(h.in) > htmlBufSize {
		h.in = nil
	}
	for _, b := range []*[]byte{&h.out, &h.repl, &h.scratch, &h.dec, &h.css.pend} {
		if cap(*b) > 4*htmlFlushSize {
			*b = nil
		}
	}
	htmlRewriters.Put(h)
}

func (h *htmlRewriter) run(r io.Reader) error {
	for h.end < charsetWindow && !h.eof {
		if err := h.fill(r); err != nil {
			return err
		}
	}
	h.charsetSoon = containsFoldASCII(h.in[:min(h.end, charsetWindow)], "charset")
	for {
		for {
			kind, n := h.sc.next(h.in[h.pos:h.end], h.eof)
			if n == 0 {
				break
			}
			h.token(kind, h.in[h.pos:h.pos+n])
			h.pos += n
			h.off += n
			if len(h.out) >= htmlFlushSize {
				if err := h.flush(); err != nil {
					return err
				}
			}
		}
		if h.eof {
			break
		}
		if err := h.fill(r); err != nil {
			return err
		}
	}
	if h.inStyle {
		h.out = h.css.finish(h.out)
	}
	h.insertHead()
	h.insertBody()
	return h.flush()
}

// fill reads more input after what is left unconsumed. When that is a tag filling the whole
// buffer, the buffer grows, or at htmlMaxTag the tag's start passes through.
func (h *htmlRewriter) fill(r io.Reader) error {
	if h.pos > 0 {
		h.end = copy(h.in, h.in[h.pos:h.end])
		h.pos = 0
	}
	if h.end == len(h.in) {
		if len(h.in) >= htmlMaxTag {
			kind, n := h.sc.forceSkip(h.in[:h.end])
			h.token(kind, h.in[:n])
			h.pos, h.off = n, h.off+n
			return nil
		}
		in := make([]byte, 2*len(h.in))
		copy(in, h.in[:h.end])
		h.in = in
	}
	for range 100 {
		n, err := r.Read(h.in[h.end:])
		h.end += n
		if err == io.EOF {
			h.eof = true
			return nil
		}
		if err != nil || n > 0 {
			return err
		}
	}
	return io.ErrNoProgress
}

func (h *htmlRewriter) flush() error {
	err := writeAll(h.w, h.out)
	h.out = h.out[:0]
	return err
}

// token appends the rewriting of one token to h.out.
func (h *htmlRewriter) token(kind tokKind, b []byte) {
	if h.inStyle && kind != tokRawText {
		h.out = h.css.finish(h.out)
		h.inStyle = false
	}
	switch kind {
	case tokText:
		if (h.head == insertPending || h.body == insertPending) && !allSpace(b) {
			h.insertHead()
			if h.noscript == 0 && h.template == 0 {
				h.insertBody()
			}
		}
		h.out = append(h.out, b...)
	case tokRawText:
		if h.inStyle {
			h.out = h.css.write(h.out, b)
		} else {
			h.out = append(h.out, b...)
		}
	case tokStartTag:
		h.startTag(b)
	case tokEndTag:
		h.endTag(b)
	default:
		h.out = append(h.out, b...)
	}
}

// startTag handles a start tag: the inserts that belong before or after it, and the tag itself.
func (h *htmlRewriter) startTag(b []byte) {
	a := elems.lookup(b[1:h.sc.nameEnd])
	switch a {
	case elHTML:
		h.rewriteTag(b, a)
		return
	case elHead:
		h.rewriteTag(b, a)
		if !h.charsetSoon {
			h.insertHead()
		}
		return
	case elBody, elFrameset:
		h.insertHead()
		h.rewriteTag(b, a)
		if a == elBody {
			h.insertBody()
		} else if h.body == insertPending {
			h.body = insertNever
		}
		return
	}
	if h.head == insertPending {
		if h.charsetSoon && h.off < charsetWindow && (a == elMeta || a == elTitle || a == elLink || a == elBase) {
			if h.rewriteTag(b, a) {
				h.insertHead() // right after the charset declaration
			}
			return
		}
		h.insertHead()
	}
	if h.body == insertPending && h.noscript == 0 && h.template == 0 && !inHead(a) {
		h.insertBody()
	}
	h.rewriteTag(b, a)
	switch a {
	case elNoscript:
		h.noscript++
	case elTemplate:
		h.template++
	case elStyle:
		if h.sc.mode == modeRawText {
			h.inStyle = true
			h.css.reset()
		}
	}
}

func (h *htmlRewriter) endTag(b []byte) {
	a := elems.lookup(b[2:h.sc.nameEnd])
	switch a {
	case elNoscript:
		h.noscript = max(h.noscript-1, 0)
	case elTemplate:
		h.template = max(h.template-1, 0)
	case elBody, elHTML:
		h.insertBody()
	}
	if a != elTitle { // a title only passes while the head insert waits: it goes after it
		h.insertHead()
	}
	h.out = append(h.out, b...)
}

// insertHead adds the head insert if it is still to come.
func (h *htmlRewriter) insertHead() {
	if h.head == insertPending {
		h.out = append(h.out, h.opts.HeadInsert...)
		h.head = insertDone
	}
}

// insertBody adds the body insert (after the head insert) if it is still to come.
func (h *htmlRewriter) insertBody() {
	h.insertHead()
	if h.body == insertPending {
		h.out = append(h.out, h.opts.BodyInsert...)
		h.body = insertDone
	}
}

// inHead reports whether an element may come before the body without starting it.
func inHead(a elem) bool {
	switch a {
	case elHTML, elHead, elMeta, elTitle, elLink, elBase, elScript,
		elStyle, elNoscript, elTemplate:
		return true
	}
	return false
}

func allSpace(b []byte) bool {
	for _, c := range b {
		if !isHTMLSpace(c) {
			return false
		}
	}
	return true
}

// containsFoldASCII reports whether b contains the lower-case ASCII word, ignoring ASCII case.
func containsFoldASCII(b []byte, word string) bool {
	for i := 0; i+len(word) <= len(b); i++ {
		j := bytes.IndexByte(b[i:], word[0])
		k := bytes.IndexByte(b[i:], word[0]-('a'-'A'))
		switch {
		case j < 0 && k < 0:
			return false
		case j < 0 || k >= 0 && k < j:
			j = k
		}
		i += j
		if i+len(word) <= len(b) && equalFoldASCII(b[i:i+len(word)], word) {
			return true
		}
	}
	return false
}
