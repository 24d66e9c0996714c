package capture

import (
	"bytes"
	"fmt"
	"net/url"

	xhtml "golang.org/x/net/html"
)

// Page is an HTML page read for its links and metadata in one pass of the tokenizer over its
// decoded body, within the parse bounds: at most maxParseBytes decoded, a decompression bomb
// stopped early. Reading holds a few buffers, the links found and, for a page small enough for
// article extraction, a copy of its markup without scripts and styles.
type Page struct {
	url     *url.URL
	links   PageLinks
	meta    *pageMeta
	article []byte // nil when the page is beyond article extraction's bounds
	cut     string // why reading stopped before the end of the body
	skipped string // why article extraction is skipped
}

// ReadPage reads the entity of an HTML page as sent (encoded as contentEncoding says), its
// charset chosen as utf8HTML does. With article false, Metadata reports no article text; it
// saves the copy of the page a crawler does not need for a page it will not describe. An
// error means the body could not be decoded at all.
func ReadPage(entity []byte, contentEncoding, contentType string, pageURL *url.URL, article bool) (*Page, error) {
	body, err := newBodyReader(contentEncoding, entity)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	p := &Page{url: pageURL, meta: newPageMeta()}
	if p.url == nil {
		p.url = &url.URL{}
	}
	var lw linkWalker
	scan, err := scanTokens(utf8HTML(body, contentType), article, func(e *element) {
		lw.element(e)
		p.meta.element(e)
	})
	p.links, p.cut = lw.links(pageURL), body.Cut()
	if err != nil && p.cut == "" {
		p.cut = fmt.Sprintf("the page could not be read past %d elements: %v", scan.elements, err)
	}
	switch {
	case !article:
		p.skipped = "article extraction was not asked for"
	case scan.article == nil:
		p.skipped = scan.articleOver
	default: // a page read in part still has its article read as far as it goes
		p.article = scan.article.Bytes()
	}
	return p, nil
}

// Links are the page's requisites and outlinks, as ExtractLinks finds them.
func (p *Page) Links() PageLinks { return p.links }

// Cut says why the page was read only in part ("" when it was read to its end).
func (p *Page) Cut() string { return p.cut }

// Metadata describes the page as ExtractMetadata does, with its links, and says what was not
// read (Truncated) and why there is no article text (TextSkipped).
func (p *Page) Metadata() Metadata {
	md := p.meta.tagMetadata(p.url)
	md.Truncated, md.TextSkipped = p.cut, p.skipped
	if p.article != nil {
		if doc, err := xhtml.Parse(bytes.NewReader(p.article)); err != nil {
			// Its one failure: elements nested deeper than 512.
			md.TextSkipped = fmt.Sprintf("the page is too deeply nested to parse into a tree (%v)", err)
		} else {
			md.TextSkipped = addArticle(&md, doc, p.url)
		}
	}
	md.Outlinks, md.Requisites = nonNil(p.links.Outlinks), nonNil(p.links.Requisites)
	return p.meta.finish(md)
}
