package rewrite

import (
	"bytes"
	"net/url"
)

// elem names the elements that rewriting treats apart.
type elem uint8

const (
	elOther elem = iota
	elA
	elArea
	elAudio
	elBase
	elBody
	elButton
	elEmbed
	elForm
	elFrame
	elFrameset
	elHead
	elHTML
	elIframe
	elImage
	elImg
	elInput
	elLink
	elMeta
	elNoscript
	elObject
	elScript
	elSource
	elStyle
	elTable
	elTd
	elTemplate
	elTh
	elTitle
	elTrack
	elUse
	elVideo
)

var elems = newNameTable[elem]([]string{
	elA: "a", elArea: "area", elAudio: "audio", elBase: "base", elBody: "body", elButton: "button",
	elEmbed: "embed", elForm: "form", elFrame: "frame", elFrameset: "frameset", elHead: "head",
	elHTML: "html", elIframe: "iframe", elImage: "image", elImg: "img", elInput: "input", elLink: "link",
	elMeta: "meta", elNoscript: "noscript", elObject: "object", elScript: "script", elSource: "source",
	elStyle: "style", elTable: "table", elTd: "td", elTemplate: "template", elTh: "th", elTitle: "title",
	elTrack: "track", elUse: "use", elVideo: "video",
})

// edit replaces b[from:to] of the tag being rewritten with repl[rs:re].
type edit struct{ from, to, rs, re int }

// tagAttrs finds the first attribute of each key in a start tag (browsers ignore the others).
type tagAttrs struct {
	b     []byte
	attrs []attrSpan
	idx   [numAttrKeys]int32 // 1 + the index in attrs, 0 when absent
}

// index fills t for the tag b and reports whether it has any attribute that matters.
func (t *tagAttrs) index(b []byte, attrs []attrSpan) bool {
	t.b, t.attrs, t.idx = b, attrs, [numAttrKeys]int32{}
	found := false
	for i := range attrs {
		if k := attrKeys.lookup(b[attrs[i].keyStart:attrs[i].keyEnd]); k != akOther && t.idx[k] == 0 {
			t.idx[k], found = int32(i)+1, true
		}
	}
	return found
}

func (t *tagAttrs) get(k attrKey) *attrSpan {
	if i := t.idx[k]; i > 0 {
		return &t.attrs[i-1]
	}
	return nil
}

// val returns the raw value of the attribute k, or nil.
func (t *tagAttrs) val(k attrKey) []byte {
	if at := t.get(k); at != nil {
		return t.b[at.valStart:at.valEnd]
	}
	return nil
}

// rewriteTag appends the start tag b (of element a) to h.out with its URL attributes rewritten.
// It reports whether the tag is a meta that declares the charset.
func (h *htmlRewriter) rewriteTag(b []byte, a elem) (charset bool) {
	t := &h.attrs
	if !t.index(b, h.sc.attrs) {
		h.out = append(h.out, b...)
		return false
	}
	h.edits, h.repl, h.scratch = h.edits[:0], h.repl[:0], h.scratch[:0]
	changed := false // a URL that the element loads or links to changed
	if a == elMeta {
		changed, charset = h.metaAttrs(t)
	} else {
		changed = h.elementAttrs(t, a)
	}
	changed = h.url(t, akDataSrc, "im_") || changed
	changed = h.url(t, akDataLazySrc, "im_") || changed
	changed = h.srcset(t, akDataSrcset) || changed
	if at := t.get(akStyle); at != nil {
		h.editStyle(b, at)
	}
	if at := t.get(akIntegrity); at != nil && changed { // the rewritten bytes would fail SRI
		h.removeAttr(b, at)
		if at := t.get(akCrossorigin); at != nil {
			h.removeAttr(b, at)
		}
	}
	h.applyEdits(b)
	return charset
}

// elementAttrs rewrites the URL attributes particular to element a, and reports whether any
// changed.
func (h *htmlRewriter) elementAttrs(t *tagAttrs, a elem) bool {
	switch a {
	case elA, elArea:
		return anyOf(h.url(t, akHref, ""), h.url(t, akXlinkHref, ""))
	case elForm:
		return h.url(t, akAction, "")
	case elButton:
		return h.url(t, akFormaction, "")
	case elInput:
		image := equalFoldASCII(bytes.TrimSpace(t.val(akType)), "image")
		return anyOf(h.url(t, akFormaction, ""), image && h.url(t, akSrc, "im_"))
	case elBase:
		return h.base(t)
	case elLink:
		return anyOf(h.url(t, akHref, linkMod(t.val(akRel), t.val(akAs))), h.srcset(t, akImagesrcset))
	case elScript:
		return anyOf(h.url(t, akSrc, "js_"), h.url(t, akXlinkHref, "js_"))
	case elImg, elSource:
		return anyOf(h.url(t, akSrc, "im_"), h.srcset(t, akSrcset))
	case elImage: // <image> in SVG, and HTML's old name for <img>
		return anyOf(h.url(t, akSrc, "im_"), h.url(t, akHref, "im_"), h.url(t, akXlinkHref, "im_"))
	case elVideo, elAudio:
		return anyOf(h.url(t, akSrc, "im_"), h.url(t, akPoster, "im_"))
	case elTrack, elEmbed:
		return h.url(t, akSrc, "im_")
	case elIframe:
		if at := t.get(akSrcdoc); at != nil {
			h.editSrcdoc(t.b, at)
		}
		return h.url(t, akSrc, "if_")
	case elFrame:
		return h.url(t, akSrc, "if_")
	case elObject:
		return h.url(t, akData, "im_")
	case elBody, elTable, elTd, elTh:
		return h.url(t, akBackground, "im_")
	case elUse: // SVG <use href="sprite.svg#icon">
		return anyOf(h.url(t, akHref, "im_"), h.url(t, akXlinkHref, "im_"))
	}
	return false
}

// metaAttrs rewrites a meta refresh and og:image or twitter:image content, and renames an
// archived Content-Security-Policy, which could block replay. It reports whether a URL changed
// and whether the meta declares the charset.
func (h *htmlRewriter) metaAttrs(t *tagAttrs) (changed, charset bool) {
	charset = t.get(akCharset) != nil
	switch equiv := bytes.TrimSpace(t.val(akHTTPEquiv)); {
	case equalFoldASCII(equiv, "refresh"):
		if at := t.get(akContent); at != nil {
			h.editRefresh(t.b, at)
		}
	case equalFoldASCII(equiv, "content-type"):
		charset = true
	case equalFoldASCII(equiv, "content-security-policy"), equalFoldASCII(equiv, "content-security-policy-report-only"):
		h.replaceValue(t.b, t.get(akHTTPEquiv), append([]byte("x-archived-"), equiv...), false)
	}
	if isOGImage(t.val(akProperty)) || isOGImage(t.val(akName)) {
		changed = h.url(t, akContent, "im_")
	}
	return changed, charset
}

// base rewrites a <base href>; the first one also becomes what the rest of the document resolves
// against.
func (h *htmlRewriter) base(t *tagAttrs) bool {
	at := t.get(akHref)
	if at == nil || h.baseSet {
		return h.url(t, akHref, "")
	}
	h.baseSet = true
	dec, _ := decodeAttr(nil, t.b[at.valStart:at.valEnd])
	var abs []byte
	ok := false
	if s := cleanURL(dec); len(s) > 0 && !h.rs.archived(s) {
		abs, ok = h.rs.appendAbsolute(nil, s)
	}
	changed := h.url(t, akHref, "") // resolved against the document's own URL
	if base, err := url.Parse(string(abs)); ok && err == nil {
		h.rs.setBase(base)
	}
	return changed
}

// anyOf reports whether any of its arguments is true; unlike ||, all of them are evaluated.
func anyOf(changed ...bool) bool {
	for _, c := range changed {
		if c {
			return true
		}
	}
	return false
}

// url rewrites the URL in attribute k with modifier mod, and reports whether it changed.
func (h *htmlRewriter) url(t *tagAttrs, k attrKey, mod string) bool {
	at := t.get(k)
	return at != nil && h.editURL(t.b, at, mod)
}

// srcset rewrites the srcset in attribute k, and reports whether it changed.
func (h *htmlRewriter) srcset(t *tagAttrs, k attrKey) bool {
	at := t.get(k)
	return at != nil && h.editSrcset(t.b, at)
}

// editURL rewrites the URL in the value of at with modifier mod and reports whether it changed.
// When the new URL is the old value with a head in front, only the head is inserted, so the raw
// value (quotes, character references, bytes in the document's charset) stays as it was.
func (h *htmlRewriter) editURL(b []byte, at *attrSpan, mod string) bool {
	raw := b[at.valStart:at.valEnd]
	if len(raw) == 0 {
		return false
	}
	dec, plain := h.decode(raw)
	start := len(h.scratch)
	var ok bool
	if h.scratch, ok = h.rs.appendURL(h.scratch, dec, mod); !ok {
		return false
	}
	nv := h.scratch[start:]
	if len(nv) > len(dec) && bytes.Equal(nv[len(nv)-len(dec):], dec) {
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
	dec, plain := h.decode(raw)
	start := len(h.scratch)
	var ok bool
	if h.scratch, ok = h.rs.appendSrcset(h.scratch, dec, "im_"); ok {
		h.replaceValue(b, at, h.scratch[start:], !plain && isASCII(raw))
	}
	return ok
}

func (h *htmlRewriter) editStyle(b []byte, at *attrSpan) {
	raw := b[at.valStart:at.valEnd]
	dec, plain := h.decode(raw)
	start := len(h.scratch)
	var changed bool
	if h.scratch, changed = h.css.rewriteAll(h.scratch, dec); changed {
		h.replaceValue(b, at, h.scratch[start:], !plain && isASCII(raw))
	}
}

func (h *htmlRewriter) editRefresh(b []byte, at *attrSpan) {
	raw := b[at.valStart:at.valEnd]
	dec, plain := h.decode(raw)
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
	dec, plain := h.decode(raw)
	var buf bytes.Buffer
	sub := htmlRewriters.Get().(*htmlRewriter)
	sub.reset(&buf, HTMLOptions{})
	sub.rs = h.rs
	err := sub.run(bytes.NewReader(dec))
	sub.release()
	if err == nil && !bytes.Equal(buf.Bytes(), dec) {
		h.replaceValue(b, at, buf.Bytes(), !plain && isASCII(raw))
	}
}

// decode returns the decoded value of an attribute whose raw value is raw, in a buffer that the
// next call reuses, and whether raw needed no decoding.
func (h *htmlRewriter) decode(raw []byte) ([]byte, bool) {
	dec, plain := decodeAttr(h.dec[:0], raw)
	if !plain {
		h.dec = dec
	}
	return dec, plain
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
