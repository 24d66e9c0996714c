package replay

import (
	"bytes"
	"net/url"
	"strings"

	"golang.org/x/net/html/atom"
)

// edit replaces b[from:to] of the tag being rewritten with repl[rs:re].
type edit struct{ from, to, rs, re int }

// rewriteTag appends the start tag b (whose element is a, 0 when unknown) to h.out with its URL
// attributes rewritten. It reports whether the tag is a meta that declares the charset.
func (h *htmlRewriter) rewriteTag(b []byte, a atom.Atom) (charset bool) {
	attrs := h.sc.attrs
	var idx [numAttrKeys]int32 // 1 + the index of the first attribute of each key; later ones don't count
	found := false
	for i := range attrs {
		if k := lookupAttrKey(b[attrs[i].keyStart:attrs[i].keyEnd]); k != akOther && idx[k] == 0 {
			idx[k], found = int32(i)+1, true
		}
	}
	if !found {
		h.out = append(h.out, b...)
		return false
	}
	h.edits, h.repl, h.scratch = h.edits[:0], h.repl[:0], h.scratch[:0]
	attr := func(k attrKey) *attrSpan {
		if i := idx[k]; i > 0 {
			return &attrs[i-1]
		}
		return nil
	}
	val := func(k attrKey) []byte {
		if at := attr(k); at != nil {
			return b[at.valStart:at.valEnd]
		}
		return nil
	}
	changed := false // a URL that the element loads or links to changed
	rewrite := func(k attrKey, mod string) {
		if at := attr(k); at != nil && h.editURL(b, at, mod) {
			changed = true
		}
	}
	srcset := func(k attrKey) {
		if at := attr(k); at != nil && h.editSrcset(b, at) {
			changed = true
		}
	}
	switch a {
	case atom.A, atom.Area:
		rewrite(akHref, "")
		rewrite(akXlinkHref, "")
	case atom.Form:
		rewrite(akAction, "")
	case atom.Button:
		rewrite(akFormaction, "")
	case atom.Input:
		rewrite(akFormaction, "")
		if equalFoldASCII(bytes.TrimSpace(val(akType)), "image") {
			rewrite(akSrc, "im_")
		}
	case atom.Base:
		if at := attr(akHref); at != nil && !h.baseSet {
			h.baseSet = true
			dec, _ := decodeAttr(b[at.valStart:at.valEnd])
			var abs []byte
			ok := false
			if s := cleanURL(dec); s != "" && !h.rs.archived(s) {
				abs, ok = h.rs.appendAbsolute(nil, s)
			}
			rewrite(akHref, "")
			if base, err := url.Parse(string(abs)); ok && err == nil {
				h.rs.setBase(base) // the rest of the document resolves against it
			}
		} else {
			rewrite(akHref, "")
		}
	case atom.Link:
		rewrite(akHref, linkMod(val(akRel), val(akAs)))
		srcset(akImagesrcset)
	case atom.Script:
		rewrite(akSrc, "js_")
		rewrite(akXlinkHref, "js_")
	case atom.Img, atom.Source:
		rewrite(akSrc, "im_")
		srcset(akSrcset)
	case atom.Image: // <image> in SVG, and HTML's old name for <img>
		rewrite(akSrc, "im_")
		rewrite(akHref, "im_")
		rewrite(akXlinkHref, "im_")
	case atom.Video, atom.Audio:
		rewrite(akSrc, "im_")
		rewrite(akPoster, "im_")
	case atom.Track, atom.Embed:
		rewrite(akSrc, "im_")
	case atom.Iframe:
		rewrite(akSrc, "if_")
		if at := attr(akSrcdoc); at != nil {
			h.editSrcdoc(b, at)
		}
	case atom.Frame:
		rewrite(akSrc, "if_")
	case atom.Object:
		rewrite(akData, "im_")
	case atom.Body, atom.Table, atom.Td, atom.Th:
		rewrite(akBackground, "im_")
	case atom.Meta:
		charset = attr(akCharset) != nil
		switch equiv := bytes.TrimSpace(val(akHTTPEquiv)); {
		case equalFoldASCII(equiv, "refresh"):
			if at := attr(akContent); at != nil {
				h.editRefresh(b, at)
			}
		case equalFoldASCII(equiv, "content-type"):
			charset = true
		case equalFoldASCII(equiv, "content-security-policy"), equalFoldASCII(equiv, "content-security-policy-report-only"):
			h.replaceValue(b, attr(akHTTPEquiv), append([]byte("x-archived-"), equiv...), false)
		}
		if isOGImage(val(akProperty)) || isOGImage(val(akName)) {
			rewrite(akContent, "im_")
		}
	case 0:
		if equalFoldASCII(b[1:h.sc.nameEnd], "use") { // SVG <use href="sprite.svg#icon">
			rewrite(akHref, "im_")
			rewrite(akXlinkHref, "im_")
		}
	}
	rewrite(akDataSrc, "im_")
	rewrite(akDataLazySrc, "im_")
	srcset(akDataSrcset)
	if at := attr(akStyle); at != nil {
		h.editStyle(b, at)
	}
	if changed {
		if at := attr(akIntegrity); at != nil { // the rewritten bytes would fail SRI
			h.removeAttr(b, at)
			if at := attr(akCrossorigin); at != nil {
				h.removeAttr(b, at)
			}
		}
	}
	h.applyEdits(b)
	return charset
}

// editURL rewrites the URL in the value of at with modifier mod and reports whether it changed.
// When the new URL is the old value with a head in front, only the head is inserted, so the raw
// value (quotes, character references, bytes in the document's charset) stays as it was.
func (h *htmlRewriter) editURL(b []byte, at *attrSpan, mod string) bool {
	raw := b[at.valStart:at.valEnd]
	if len(raw) == 0 {
		return false
	}
	dec, plain := decodeAttr(raw)
	start := len(h.scratch)
	var ok bool
	if h.scratch, ok = h.rs.appendURL(h.scratch, dec, mod); !ok {
		return false
	}
	nv := h.scratch[start:]
	if len(nv) > len(dec) && string(nv[len(nv)-len(dec):]) == dec {
		if head := nv[:len(nv)-len(dec)]; at.quote != 0 || unquotedSafe(head) {
			r := len(h.repl)
			h.repl = appendAttrEscaped(h.repl, head, at.quote, false)
			h.edits = append(h.edits, edit{at.valStart, at.valStart, r, len(h.repl)})
			return true
		}
	}
	h.replaceValue(b, at, nv, !plain && isASCII(raw))
	return true
}

func (h *htmlRewriter) editSrcset(b []byte, at *attrSpan) bool {
	raw := b[at.valStart:at.valEnd]
	dec, plain := decodeAttr(raw)
	start := len(h.scratch)
	var ok bool
	if h.scratch, ok = h.rs.appendSrcset(h.scratch, dec, "im_"); ok {
		h.replaceValue(b, at, h.scratch[start:], !plain && isASCII(raw))
	}
	return ok
}

func (h *htmlRewriter) editStyle(b []byte, at *attrSpan) {
	raw := b[at.valStart:at.valEnd]
	src := raw
	dec, plain := decodeAttr(raw)
	if !plain {
		src = []byte(dec)
	}
	start := len(h.scratch)
	var changed bool
	if h.scratch, changed = h.css.rewriteAll(h.scratch, src); changed {
		h.replaceValue(b, at, h.scratch[start:], !plain && isASCII(raw))
	}
}

func (h *htmlRewriter) editRefresh(b []byte, at *attrSpan) {
	raw := b[at.valStart:at.valEnd]
	dec, plain := decodeAttr(raw)
	s, e, ok := refreshURL(dec)
	if !ok {
		return
	}
	start := len(h.scratch)
	h.scratch = append(h.scratch, dec[:s]...)
	if h.scratch, ok = h.rs.appendURL(h.scratch, dec[s:e], ""); ok {
		h.scratch = append(h.scratch, dec[e:]...)
		h.replaceValue(b, at, h.scratch[start:], !plain && isASCII(raw))
	}
}

// editSrcdoc rewrites the document in an iframe's srcdoc, which resolves against this one's base.
func (h *htmlRewriter) editSrcdoc(b []byte, at *attrSpan) {
	raw := b[at.valStart:at.valEnd]
	dec, plain := decodeAttr(raw)
	var buf bytes.Buffer
	sub := htmlRewriters.Get().(*htmlRewriter)
	sub.reset(&buf, HTMLOptions{})
	sub.rs = h.rs
	err := sub.run(strings.NewReader(dec))
	sub.release()
	if err == nil && buf.String() != dec {
		h.replaceValue(b, at, buf.Bytes(), !plain && isASCII(raw))
	}
}

// replaceValue replaces the value of at, quotes included, with nv escaped. The value keeps its
// quotes, or gets double quotes when it was unquoted and nv cannot be. With ncr set, non-ASCII
// characters (which came from character references) are written as references again.
func (h *htmlRewriter) replaceValue(b []byte, at *attrSpan, nv []byte, ncr bool) {
	q, from := at.quote, at.valStart
	if q != 0 {
		from--
	}
	if !at.hasVal {
		from = at.end
	}
	if q == 0 && (!unquotedSafe(nv) || ncr && !isASCII(nv)) {
		q = '"'
	}
	r := len(h.repl)
	if !at.hasVal {
		h.repl = append(h.repl, '=')
	}
	if q != 0 {
		h.repl = append(h.repl, q)
	}
	h.repl = appendAttrEscaped(h.repl, nv, q, ncr)
	if q != 0 {
		h.repl = append(h.repl, q)
	}
	h.edits = append(h.edits, edit{from, at.end, r, len(h.repl)})
}

// removeAttr removes at, and the whitespace before it when what follows it is whitespace or the
// end of the tag (so that no two attributes run together).
func (h *htmlRewriter) removeAttr(b []byte, at *attrSpan) {
	from := at.keyStart
	if at.end < len(b) && (isHTMLSpace(b[at.end]) || b[at.end] == '>' || b[at.end] == '/') {
		for from > 0 && isHTMLSpace(b[from-1]) {
			from--
		}
	}
	h.edits = append(h.edits, edit{from, at.end, len(h.repl), len(h.repl)})
}

// applyEdits appends b to h.out with h.edits applied.
func (h *htmlRewriter) applyEdits(b []byte) {
	e := h.edits
	for i := 1; i < len(e); i++ {
		for j := i; j > 0 && e[j].from < e[j-1].from; j-- {
			e[j], e[j-1] = e[j-1], e[j]
		}
	}
	pos := 0
	for _, ed := range e {
		if ed.from < pos {
			continue // two rules on one attribute: the first wins
		}
		h.out = append(h.out, b[pos:ed.from]...)
		h.out = append(h.out, h.repl[ed.rs:ed.re]...)
		pos = ed.to
	}
	h.out = append(h.out, b[pos:]...)
}
