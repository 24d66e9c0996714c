package extract

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"sync"

	xhtml "golang.org/x/net/html"
)

// Page is an HTML page read for its links and metadata, within the parse bounds: at most
// MaxParseBytes decoded, a decompression bomb stopped early. A page of ordinary size (at most
// maxArticleBytes decoded, maxArticleElements tags) is parsed into a tree once, for its links,
// metadata and article, as Links and MetadataOf would. Any other page streams
// through the tokenizer, which keeps no tree: reading it holds a few buffers, the links found
// and, while it stays within article extraction's bounds, a copy of its markup without scripts
// and styles.
type Page struct {
	url     *url.URL
	lw      linkWalker
	links   PageLinks
	meta    *pageMeta
	doc     *xhtml.Node // the tree of a page of ordinary size
	article []byte      // else the copy for article extraction; nil beyond its bounds
	cut     string      // why reading stopped before the end of the body
	bounded bool        // reading stopped at a parse bound, before the end of the entity
	skipped string      // why article extraction is skipped
	hints   ScriptHints
}

// ReadPage reads the entity of an HTML page as sent (encoded as contentEncoding says), its
// charset chosen as utf8HTML does. With article false, Metadata reports no article text; the
// page then always streams, which is cheaper than a tree. An error means the body could not be
// decoded at all.
func ReadPage(entity []byte, contentEncoding, contentType string, pageURL *url.URL, article bool) (*Page, error) {
	body, err := newBodyReader(contentEncoding, entity)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	p := newPage(pageURL)
	text := utf8HTML(body, contentType)
	tooDeep := false
	if article {
		buf := heads.Get().(*bytes.Buffer)
		defer putHead(buf)
		_, err := buf.ReadFrom(io.LimitReader(text, maxArticleBytes+1))
		head := buf.Bytes()
		// Every element starts with a "<": their count bounds the tree.
		if err == nil && len(head) <= maxArticleBytes && bytes.Count(head, []byte("<")) <= maxArticleElements {
			if p.doc, err = xhtml.Parse(bytes.NewReader(head)); err == nil {
				walkTree(p.doc, p.visit)
				p.links, p.cut, p.bounded = p.lw.links(pageURL), body.Cut(), body.bounded
				return p, nil
			}
			tooDeep = true // html.Parse's one failure
		}
		text = io.MultiReader(bytes.NewReader(head), text)
	}
	scan, err := scanTokens(text, article && !tooDeep, p.visit)
	p.links, p.cut, p.bounded = p.lw.links(pageURL), body.Cut(), body.bounded
	if err != nil && p.cut == "" {
		p.cut = fmt.Sprintf("the page could not be read past %d elements: %v", scan.elements, err)
	}
	switch {
	case !article:
		p.skipped = "article extraction was not asked for"
	case tooDeep:
		p.skipped = tooDeepToParse
	case scan.article == nil:
		p.skipped = scan.articleOver
	default: // a page read in part still has its article read as far as it goes
		p.article = scan.article.Bytes()
	}
	return p, nil
}

// heads keeps the buffers a page's decoded text is read into before
// html.Parse, which copies what it keeps: one per page in flight, not one
// (and its growth) per page read.
var heads = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func putHead(b *bytes.Buffer) {
	if b.Cap() <= 1<<20 {
		b.Reset()
		heads.Put(b)
	}
}

func newPage(pageURL *url.URL) *Page {
	p := &Page{url: pageURL, meta: newPageMeta()}
	if p.url == nil {
		p.url = &url.URL{}
	}
	return p
}

// visit reads an element for links and metadata.
func (p *Page) visit(e *element) {
	p.lw.element(e)
	p.meta.element(e)
	p.hints.hint(e)
}

// tooDeepToParse is why a page whose elements nest deeper than html.Parse accepts has no text.
const tooDeepToParse = "the page nests elements deeper than the 512 levels a tree is built for"

// SetEntityCut says why the entity given to ReadPage was only the first part of the body (no more
// was kept): it becomes the page's Cut, unless a parse bound stopped reading before the entity's end.
func (p *Page) SetEntityCut(why string) {
	if !p.bounded {
		p.cut = why
	}
}

// Links are the page's requisites and outlinks, as Links finds them.
func (p *Page) Links() PageLinks { return p.links }

// Cut says why the page was read only in part ("" when it was read to its end).
func (p *Page) Cut() string { return p.cut }

// Metadata describes the page as MetadataOf does, with its links, and says what was not
// read (Truncated) and why there is no article text (TextSkipped). Call it once: article
// extraction consumes the page's tree.
func (p *Page) Metadata() Metadata {
	md := p.meta.tagMetadata(p.url)
	md.Truncated, md.TextSkipped = p.cut, p.skipped
	switch {
	case p.doc != nil:
		md.TextSkipped = addArticle(&md, p.doc, p.url)
		p.doc = nil // go-readability has pruned it
	case p.article != nil:
		if doc, err := xhtml.Parse(bytes.NewReader(p.article)); err != nil {
			md.TextSkipped = tooDeepToParse
		} else {
			md.TextSkipped = addArticle(&md, doc, p.url)
		}
	}
	md.Outlinks, md.Requisites = nonNil(p.links.Outlinks), nonNil(p.links.Requisites)
	return p.meta.finish(md)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// UTF8Page is the body of an HTML page as UTF-8 text: its entity as sent, decoded as
// contentEncoding says, its charset chosen as ReadPage chooses it (the header, a byte order
// mark, a <meta> tag), at most MaxParseBytes of it.
func UTF8Page(entity []byte, contentEncoding, contentType string) ([]byte, error) {
	body, err := newBodyReader(contentEncoding, entity)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	return io.ReadAll(io.LimitReader(utf8HTML(body, contentType), MaxParseBytes))
}
