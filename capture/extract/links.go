package extract

import (
	"net/netip"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/idna"
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

// absLinkURL resolves the attribute or CSS reference ref against base the way a browser would
// and returns it as an absolute http(s) URL without a fragment; ok is false when ref does not
// yield one. Besides what url.URL.ResolveReference does, it strips surrounding whitespace and
// inner tabs and newlines, reads backslashes as slashes, tolerates stray "%" signs, lower-cases
// the host (converting an internationalised one to punycode), drops a default port, and
// percent-encodes spaces and other bytes that may not appear raw in a request line.
func absLinkURL(base *url.URL, ref string) (string, bool) {
	ref = strings.TrimFunc(ref, func(r rune) bool { return r <= ' ' })
	if ref == "" || hasPrefixFold(ref, "data:") || hasPrefixFold(ref, "javascript:") {
		return "", false // the common non-http schemes, skipped before any parsing work
	}
	if strings.ContainsAny(ref, "\t\n\r") {
		ref = linkRefControls.Replace(ref)
	}
	if i := strings.IndexByte(ref, '#'); i >= 0 {
		ref = ref[:i]
	}
	if end := strings.IndexByte(ref, '?'); end != 0 {
		// A backslash is a slash in the authority and path of an http(s) URL, not in its query.
		if end < 0 {
			end = len(ref)
		}
		if strings.IndexByte(ref[:end], '\\') >= 0 {
			ref = strings.ReplaceAll(ref[:end], "\\", "/") + ref[end:]
		}
	}
	u, err := url.Parse(ref)
	if err != nil {
		if u, err = url.Parse(escapeStrayPercents(ref)); err != nil {
			return "", false
		}
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.Opaque != "" {
		return "", false
	}
	u.Fragment, u.RawFragment = "", ""
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if host == "" { // "http://:" has a Host but no host name
		return "", false
	}
	if !hostIsASCII(host) {
		if host, err = idna.Lookup.ToASCII(host); err != nil {
			return "", false
		}
	}
	if port == "80" && u.Scheme == "http" || port == "443" && u.Scheme == "https" {
		port = ""
	}
	if strings.IndexByte(host, ':') >= 0 {
		if _, err := netip.ParseAddr(host); err != nil { // "http://::/" names no host
			return "", false
		}
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	if u.Path == "" {
		u.Path = "/"
	}
	u.RawQuery = escapeQuery(u.RawQuery)
	return u.String(), true
}

// linkRefControls removes the tabs and newlines that URL parsing ignores anywhere in a URL.
var linkRefControls = strings.NewReplacer("\t", "", "\n", "", "\r", "")

// escapeStrayPercents encodes each "%" not followed by two hex digits as "%25".
func escapeStrayPercents(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && !(i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2])) {
			b.WriteString("%25")
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// escapeQuery percent-encodes the bytes of a raw query that the WHATWG URL standard encodes:
// controls, space, quotes, angle brackets and non-ASCII.
func escapeQuery(q string) string {
	const hex = "0123456789ABCDEF"
	needs := func(c byte) bool { return c <= ' ' || c >= 0x7f || strings.IndexByte("\"'<>", c) >= 0 }
	i := 0
	for i < len(q) && !needs(q[i]) {
		i++
	}
	if i == len(q) {
		return q
	}
	var b strings.Builder
	b.WriteString(q[:i])
	for ; i < len(q); i++ {
		if c := q[i]; needs(c) {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func hostIsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isHTMLWhitespaceRune(r rune) bool { return r < 0x80 && isHTMLWhitespace(byte(r)) }

// isHTMLWhitespace reports whether c is ASCII whitespace as HTML defines it.
func isHTMLWhitespace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
