package extract

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/vellumhq/vellum/internal/cssurl"
	"github.com/vellumhq/vellum/internal/srcset"
)

// PageLinks are the URLs a page needs to render (Requisites) and the pages it links to
// (Outlinks): absolute http(s) URLs without fragments or duplicates, in document order.
type PageLinks struct {
	Requisites []string
	Outlinks   []string
}

// Links finds the requisites and outlinks of a parsed page in one walk of doc, which it
// does not modify.
//
// Requisites are the sources of img (src and every srcset candidate), picture source (srcset and
// src), video/audio (src, poster, source src, track src), script, iframe/frame, embed, object
// data, input type=image, lazy-loading data-src/data-srcset/data-lazy-src on any element, link
// rel=stylesheet|icon|preload|modulepreload|apple-touch-icon(-precomposed) href and imagesrcset,
// body/table/td/th background, og:image and twitter:image meta tags, SVG <image>, inline style
// attributes and <style> blocks (their url()s and @imports). Outlinks are a and area hrefs.
//
// Relative URLs resolve against the first <base href> (itself resolved against pageURL) when
// there is one, else pageURL. Values that do not yield an http(s) URL (data:, javascript:,
// mailto:, about:, blob:, empty) are skipped.
func Links(doc *html.Node, pageURL *url.URL) PageLinks {
	var w linkWalker
	walkTree(doc, w.element)
	return w.links(pageURL)
}

// linkWalker collects unresolved references element by element; they are resolved at the end
// because a <base> element applies to the URLs before it too.
type linkWalker struct {
	raw      []rawLink
	baseHref *string
}

type rawLink struct {
	ref     string
	outlink bool
}

func (w *linkWalker) req(ref string) { w.raw = append(w.raw, rawLink{ref: ref}) }

// links resolves what the walk found.
func (w *linkWalker) links(pageURL *url.URL) PageLinks {
	base := pageURL
	if w.baseHref != nil {
		if b, ok := absLinkURL(pageURL, *w.baseHref); ok {
			base, _ = url.Parse(b)
		}
	}
	var links PageLinks
	const asRequisite, asOutlink = 1, 2 // an URL may be both
	seen := make(map[string]uint8, len(w.raw))
	for _, r := range w.raw {
		abs, ok := absLinkURL(base, r.ref)
		if !ok {
			continue
		}
		kind, list := uint8(asRequisite), &links.Requisites
		if r.outlink {
			kind, list = asOutlink, &links.Outlinks
		}
		if seen[abs]&kind == 0 {
			seen[abs] |= kind
			*list = append(*list, abs)
		}
	}
	return links
}

func (w *linkWalker) element(e *element) {
	isImageInput := false
	switch e.tag {
	case atom.Base:
		if href, ok := e.attr("href"); ok && w.baseHref == nil {
			w.baseHref = &href
		}
		return
	case atom.Link:
		if linkRelIsRequisite(e.attrValue("rel")) {
			for _, a := range e.attrs {
				switch a.Key {
				case "href":
					w.req(a.Val)
				case "imagesrcset":
					srcsetURLs(a.Val, w.req)
				}
			}
		}
		return
	case atom.Meta:
		for _, a := range e.attrs {
			if a.Key != "property" && a.Key != "name" {
				continue
			}
			switch strings.ToLower(strings.TrimSpace(a.Val)) {
			case "og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src":
				w.req(e.attrValue("content"))
				return
			}
		}
		return
	case atom.Style:
		cssURLs([]byte(e.text), w.req)
	case atom.Input:
		isImageInput = strings.EqualFold(strings.TrimSpace(e.attrValue("type")), "image")
	}
	if e.foreign == "svg" && (e.name == "image" || e.name == "a") {
		for _, a := range e.attrs {
			switch {
			case a.Key != "href":
			case e.name == "image" && (a.Namespace == "" || a.Namespace == "xlink"):
				w.req(a.Val)
			case a.Namespace == "xlink": // an svg <a>; its plain href is read below
				w.raw = append(w.raw, rawLink{ref: a.Val, outlink: true})
			}
		}
	}
	for _, a := range e.attrs {
		if a.Namespace != "" {
			continue
		}
		switch a.Key {
		case "data-src", "data-lazy-src":
			w.req(a.Val)
		case "data-srcset":
			srcsetURLs(a.Val, w.req)
		case "style":
			cssURLs([]byte(a.Val), w.req)
		case "src":
			switch e.tag {
			case atom.Img, atom.Source, atom.Script, atom.Video, atom.Audio, atom.Track,
				atom.Iframe, atom.Frame, atom.Embed:
				w.req(a.Val)
			case atom.Input:
				if isImageInput {
					w.req(a.Val)
				}
			}
		case "srcset":
			if e.tag == atom.Img || e.tag == atom.Source {
				srcsetURLs(a.Val, w.req)
			}
		case "poster":
			if e.tag == atom.Video || e.tag == atom.Audio {
				w.req(a.Val)
			}
		case "data":
			if e.tag == atom.Object {
				w.req(a.Val)
			}
		case "background":
			switch e.tag {
			case atom.Body, atom.Table, atom.Td, atom.Th:
				w.req(a.Val)
			}
		case "href":
			if e.tag == atom.A || e.tag == atom.Area {
				w.raw = append(w.raw, rawLink{ref: a.Val, outlink: true})
			}
		}
	}
}

// linkRelIsRequisite reports whether a link's rel token list names a resource the page loads.
func linkRelIsRequisite(rel string) bool {
	for _, tok := range strings.FieldsFunc(rel, isHTMLWhitespaceRune) {
		switch strings.ToLower(tok) {
		case "stylesheet", "icon", "preload", "modulepreload", "apple-touch-icon",
			"apple-touch-icon-precomposed":
			return true
		}
	}
	return false
}

// domText returns the text of n's text children, which is all a raw-text element holds.
func domText(n *html.Node) string {
	if c := n.FirstChild; c != nil && c.NextSibling == nil && c.Type == html.TextNode {
		return c.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

func isHTMLWhitespaceRune(r rune) bool { return r < 0x80 && isHTMLWhitespace(byte(r)) }

// isHTMLWhitespace reports whether c is ASCII whitespace as HTML defines it.
func isHTMLWhitespace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// CSS returns the absolute http(s) URLs a stylesheet references, in order and without
// duplicates: url(...) quoted or not, @import "x" and @import url(x), and the strings of
// image-set(), with CSS escapes decoded and comments skipped, resolved against base. Fonts are
// included; data: URLs and the URL of @namespace (never fetched) are not.
func CSS(css []byte, base *url.URL) []string {
	var out []string
	seen := make(map[string]struct{})
	cssURLs(css, func(raw string) {
		if abs, ok := absLinkURL(base, raw); ok {
			if _, dup := seen[abs]; !dup {
				seen[abs] = struct{}{}
				out = append(out, abs)
			}
		}
	})
	return out
}

// cssURLs calls fn with every URL referenced by the CSS text s, unresolved and with its escapes
// decoded, in order, as the shared scanner finds them.
func cssURLs(s []byte, fn func(string)) {
	var sc cssurl.Scanner
	var buf [16]cssurl.Span
	spans, _ := sc.Scan(buf[:0], s, true)
	for _, sp := range spans {
		fn(string(cssurl.Unescape(s[sp.Start:sp.End])))
	}
}

// srcsetURLs calls fn with the URL of every valid image candidate in a srcset attribute value, in
// order, as the shared scanner finds them: a candidate whose descriptors are invalid is dropped,
// as browsers drop it.
func srcsetURLs(s string, fn func(string)) {
	var buf [8]srcset.Candidate
	for _, c := range srcset.Scan(buf[:0], s) {
		if c.Valid {
			fn(s[c.Start:c.End])
		}
	}
}
