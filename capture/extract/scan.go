package extract

import (
	"bytes"
	"fmt"
	"io"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// element is a start tag as the link and metadata scanners see it, whether it comes from a
// parsed tree (walkTree) or straight from the tokenizer (scanTokens).
type element struct {
	tag     atom.Atom
	name    string           // lower-case tag name
	foreign string           // "svg" or "math" in foreign content, "" for HTML
	attrs   []html.Attribute // an xlink:href in foreign content has Namespace "xlink", Key "href"
	text    string           // the text of a <style>, <title> or JSON-LD <script>
}

// attr returns the value of the attribute key (in no namespace).
func (e *element) attr(key string) (string, bool) {
	for _, a := range e.attrs {
		if a.Key == key && a.Namespace == "" {
			return a.Val, true
		}
	}
	return "", false
}

func (e *element) attrValue(key string) string {
	v, _ := e.attr(key)
	return v
}

// wantsText says whether the scanners read the text of an element.
func (e *element) wantsText() bool {
	switch e.tag {
	case atom.Style, atom.Title:
		return true
	case atom.Script:
		return isJSONLDType(e.attrValue("type"))
	}
	return false
}

// walkTree calls fn with every element under n, in document order. fn must not keep e.
func walkTree(n *html.Node, fn func(e *element)) {
	if n.Type == html.ElementNode {
		e := element{tag: n.DataAtom, name: n.Data, foreign: n.Namespace, attrs: n.Attr}
		if e.wantsText() {
			e.text = domText(n)
		}
		fn(&e)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walkTree(c, fn)
	}
}

// tokenScan is what scanTokens counts and copies besides what fn sees.
type tokenScan struct {
	elements int // start tags
	// article is the page without the bodies of its scripts and styles, kept for article
	// extraction while it stays within maxArticleBytes and maxArticleElements; nil beyond.
	article     *bytes.Buffer
	articleOver string // why article is nil
}

// scanTokens reads the UTF-8 HTML of r with the tokenizer, which builds no tree: it works on
// pages of any depth, in memory that does not grow with them. It calls fn with every start tag,
// in document order, as walkTree does on the tree html.Parse would build: elements in <svg> and
// <math> are foreign until an HTML element breaks out, an <image> outside them is an <img>, and
// raw text (script, style, title...) is not markup. With keepArticle, it also copies the page
// for article extraction.
func scanTokens(r io.Reader, keepArticle bool, fn func(e *element)) (tokenScan, error) {
	var s tokenScan
	if keepArticle {
		s.article = &bytes.Buffer{}
	}
	z := html.NewTokenizer(r)
	var (
		e            element
		pending      bool // e waits for its text
		text         []byte
		dropText     bool   // the text is a script or style body, not copied for the article
		foreign      string // "svg" or "math" while in foreign content
		foreignDepth int
	)
	flush := func() {
		if pending {
			e.text, pending = string(text), false
			fn(&e)
		}
	}
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			flush()
			if err := z.Err(); err != io.EOF {
				return s, err
			}
			return s, nil
		}
		if tt == html.TextToken {
			if !dropText {
				s.copy(z.Raw())
			}
			if pending {
				text = append(text, z.Text()...)
			}
			continue
		}
		flush()
		dropText = false
		if tt != html.CommentToken {
			s.copy(z.Raw())
		}
		switch tt {
		case html.EndTagToken:
			if foreign != "" {
				if foreignDepth--; foreignDepth <= 0 {
					foreign = ""
				}
			}
			continue
		case html.StartTagToken, html.SelfClosingTagToken:
		default:
			continue
		}
		s.elements++
		if s.elements > maxArticleElements && s.article != nil {
			s.dropArticle(fmt.Sprintf("the page has over %d elements", maxArticleElements))
		}
		name, more := z.TagName()
		e = element{tag: atom.Lookup(name), attrs: e.attrs[:0]}
		if e.tag != 0 {
			e.name = e.tag.String()
		} else {
			e.name = string(name)
		}
		switch {
		case foreign != "" && breaksOutOfForeign(e.tag):
			foreign, foreignDepth = "", 0
		case foreign != "" && tt == html.StartTagToken:
			foreignDepth++
		case foreign == "" && (e.tag == atom.Svg || e.tag == atom.Math) && tt == html.StartTagToken:
			foreign, foreignDepth = e.name, 1
		}
		e.foreign = foreign
		if foreign == "" && (e.tag == atom.Svg || e.tag == atom.Math) {
			e.foreign = e.name // a self-closed <svg/>
		}
		if e.foreign != "" {
			z.NextIsNotRawText() // as the parser does: <style> or <title> in SVG holds markup
		} else if e.tag == atom.Image {
			e.tag, e.name = atom.Img, "img"
		}
		for more {
			var k, v []byte
			k, v, more = z.TagAttr()
			a := html.Attribute{Key: string(k), Val: string(v)}
			if e.foreign != "" && a.Key == "xlink:href" {
				a.Namespace, a.Key = "xlink", "href"
			}
			e.attrs = append(e.attrs, a)
		}
		if e.foreign == "" && tt == html.StartTagToken && e.wantsText() {
			pending, text = true, text[:0]
		} else {
			fn(&e)
		}
		dropText = e.foreign == "" && (e.tag == atom.Script || e.tag == atom.Style)
	}
}

// copy appends raw markup to the article copy.
func (s *tokenScan) copy(raw []byte) {
	if s.article == nil {
		return
	}
	if s.article.Len()+len(raw) > maxArticleBytes {
		s.dropArticle(fmt.Sprintf("the page has over %d bytes of markup and text", maxArticleBytes))
		return
	}
	s.article.Write(raw)
}

func (s *tokenScan) dropArticle(why string) {
	if s.article != nil {
		s.article, s.articleOver = nil, why
	}
}

// breaksOutOfForeign reports whether a start tag ends foreign content (the HTML standard's list;
// <font> only with color, face or size, which is left out).
func breaksOutOfForeign(a atom.Atom) bool {
	switch a {
	case atom.B, atom.Big, atom.Blockquote, atom.Body, atom.Br, atom.Center, atom.Code, atom.Dd, atom.Div,
		atom.Dl, atom.Dt, atom.Em, atom.Embed, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Head, atom.Hr, atom.I, atom.Img, atom.Li, atom.Listing, atom.Menu, atom.Meta, atom.Nobr,
		atom.Ol, atom.P, atom.Pre, atom.Ruby, atom.S, atom.Small, atom.Span, atom.Strong, atom.Strike,
		atom.Sub, atom.Sup, atom.Table, atom.Tt, atom.U, atom.Ul, atom.Var:
		return true
	}
	return false
}
