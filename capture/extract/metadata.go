package extract

import (
	"fmt"
	"html"
	"log/slog"
	"net/url"
	"strings"
	"time"

	readability "codeberg.org/readeck/go-readability/v2"
	"codeberg.org/readeck/go-readability/v2/render"
	xhtml "golang.org/x/net/html"
)

// Metadata is the JSON body of the metadata record written for each HTML page. Its JSON field
// names are part of the user contract.
type Metadata struct {
	Title        string   `json:"title"`
	Authors      []string `json:"authors"`
	Published    string   `json:"published"` // RFC 3339 with the page's own UTC offset, "" when unknown
	SiteName     string   `json:"site_name"`
	CanonicalURL string   `json:"canonical_url"`
	Language     string   `json:"language"`
	Description  string   `json:"description"`
	Image        string   `json:"image"`
	Text         string   `json:"text"` // main article text, paragraphs separated by blank lines
	Outlinks     []string `json:"outlinks"`
	Requisites   []string `json:"requisites"`
	// Truncated says why links and metadata come from the start of the page only, e.g. a
	// decompression bomb; "" when the whole page was read.
	Truncated string `json:"truncated,omitempty"`
	// TextSkipped says why article text was not extracted although the page was parsed: it is
	// too large or too deeply nested; "" when extraction ran (Text may still be empty).
	TextSkipped string `json:"text_skipped,omitempty"`
}

// MetadataOf fills every field of Metadata but Outlinks and Requisites, which the caller sets
// from Links. It modifies doc (readability prunes the tree), so call it last.
//
// Title, authors, published date, site name, canonical URL, language, description and image come
// first from the page's JSON-LD article, then from OpenGraph, article:*, Twitter, Dublin Core and
// other <meta> tags, <link rel=canonical>, <html lang> and <title>. The main text, and a last
// fallback for title, byline, date and site name, come from go-readability run on doc. Published
// is normalised to RFC 3339 keeping the page's UTC offset; authors are trimmed, de-duplicated and stripped of a leading
// "By "; canonical and image URLs are absolute (resolved against pageURL). Fields stay empty when
// the page does not say. It never panics.
func MetadataOf(doc *xhtml.Node, pageURL *url.URL) Metadata {
	if pageURL == nil {
		pageURL = &url.URL{}
	}
	p := newPageMeta()
	walkTree(doc, p.element)
	md := p.tagMetadata(pageURL)
	md.TextSkipped = addArticle(&md, doc, pageURL)
	return p.finish(md)
}

// tagMetadata fills what the page's tags and JSON-LD say: every field but the main text, the
// links and the last fallbacks, which finish and addArticle add.
func (p *pageMeta) tagMetadata(pageURL *url.URL) Metadata {
	ld, _ := jsonLDArticle(p.jsonLD)
	md := Metadata{
		Title:       mdFirst(ld.title, p.text("og:title", "twitter:title", "dc.title", "dcterms.title")),
		SiteName:    mdFirst(ld.siteName, p.text("og:site_name", "application-name")),
		Description: mdFirst(ld.description, p.text("og:description", "twitter:description", "description", "dc.description", "dcterms.description")),
		Language: mdFirst(ld.language, p.htmlLang, strings.ReplaceAll(p.first("og:locale"), "_", "-"),
			p.first("dc.language", "dcterms.language", "content-language")),
	}
	md.Authors = cleanAuthors(ld.authors)
	if len(md.Authors) == 0 {
		md.Authors = cleanAuthors(p.all("author", "article:author", "dc.creator", "dcterms.creator",
			"parsely-author", "sailthru.author", "byl", "itemprop:author"))
	}
	for _, d := range append([]string{ld.published}, p.all("article:published_time", "og:article:published_time",
		"itemprop:datepublished", "datepublished", "dc.date.issued", "dcterms.issued", "dcterms.created", "dc.date",
		"dcterms.date", "date", "pubdate", "publishdate", "publish-date", "article.published", "parsely-pub-date",
		"sailthru.date")...) {
		if md.Published = rfc3339Date(d); md.Published != "" {
			break
		}
	}
	for _, c := range []string{ld.canonical, p.canonical, p.first("og:url")} {
		if abs, ok := absLinkURL(pageURL, c); ok {
			md.CanonicalURL = abs
			break
		}
	}
	for _, c := range append([]string{ld.image}, p.all("og:image", "og:image:url", "og:image:secure_url",
		"twitter:image", "twitter:image:src", "link:image_src", "itemprop:image")...) {
		if abs, ok := absLinkURL(pageURL, c); ok {
			md.Image = abs
			break
		}
	}
	return md
}

// finish applies the last fallbacks once the article is read.
func (p *pageMeta) finish(md Metadata) Metadata {
	md.Title = mdFirst(md.Title, mdCleanText(p.title))
	if md.Authors == nil {
		md.Authors = []string{} // a JSON list, never null
	}
	return md
}

// addArticle sets the main text from go-readability run on doc, and the title, byline, date and
// site name it finds where the tags said nothing. It returns why it did not run, when doc is too
// large or too deep for it (see articleWork).
func addArticle(md *Metadata, doc *xhtml.Node, pageURL *url.URL) (skipped string) {
	if elements, textDepth := articleWork(doc); elements > maxArticleElements {
		return fmt.Sprintf("the page has over %d elements", maxArticleElements)
	} else if textDepth > maxArticleTextDepth {
		return fmt.Sprintf("the page's text is too deeply nested (%d bytes times levels, over %d)", textDepth, int64(maxArticleTextDepth))
	}
	art, ok := readabilityArticle(doc, pageURL)
	if !ok {
		return ""
	}
	md.Text = articleText(art.Node)
	md.Title = mdFirst(md.Title, mdCleanText(art.Title()))
	md.SiteName = mdFirst(md.SiteName, mdCleanText(art.SiteName()))
	if len(md.Authors) == 0 {
		md.Authors = cleanAuthors([]string{art.Byline()})
	}
	if md.Published == "" {
		if t, err := art.PublishedTime(); err == nil {
			md.Published = rfc3339Date(t.Format(time.RFC3339))
		}
	}
	return ""
}

// Bounds of article extraction. go-readability scores every element and measures the text under
// each ancestor of every text node: measured on one core, about 4 µs an element and 17 ns a byte
// of text per level of nesting above it (1 MiB of text 200 levels deep: 3.5 s). A news article
// has a few thousand elements and its text lies 10-30 levels deep.
const (
	maxArticleElements  = 50_000   // about 0.3 s
	maxArticleTextDepth = 64 << 20 // text bytes times their depth, about 1 s
	maxArticleBytes     = 2 << 20  // markup and text that html.Parse gets (scripts and styles left out when streamed)
)

// articleWork counts the elements of doc and sums the length of each text times its depth.
func articleWork(doc *xhtml.Node) (elements int, textDepth int64) {
	var walk func(n *xhtml.Node, depth int64)
	walk = func(n *xhtml.Node, depth int64) {
		switch n.Type {
		case xhtml.ElementNode:
			elements++
		case xhtml.TextNode:
			textDepth += int64(len(n.Data)) * depth
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(doc, 0)
	return elements, textDepth
}

// readabilityArticle runs go-readability on doc, turning a panic on a pathological page into a
// plain failure.
// quiet is go-readability's logger: nothing it says reaches a user.
var quiet = slog.New(slog.DiscardHandler)

func readabilityArticle(doc *xhtml.Node, pageURL *url.URL) (art readability.Article, ok bool) {
	defer func() {
		if recover() != nil {
			art, ok = readability.Article{}, false
		}
	}()
	parser := readability.NewParser()
	parser.DisableJSONLD = true // read already, and better, by jsonLDArticle
	parser.Logger = quiet       // its default formats every Info line to io.Discard
	art, err := parser.ParseAndMutate(doc, pageURL)
	return art, err == nil
}

// articleText renders the readable content as plain text, one paragraph per block (paragraph,
// heading, list item, caption...) separated by blank lines. Lone advertisement labels are dropped.
func articleText(n *xhtml.Node) string {
	if n == nil {
		return ""
	}
	inner := render.InnerText(n)
	var b strings.Builder
	b.Grow(len(inner))
	for line := range strings.Lines(inner) {
		line = strings.TrimSpace(line)
		if line == "" || strings.EqualFold(line, "advertisement") {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(line)
	}
	return b.String()
}

// mdCleanText decodes entities a page escaped twice and collapses whitespace.
func mdCleanText(s string) string {
	if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
	}
	return strings.Join(strings.Fields(s), " ")
}

func mdFirst(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// cleanAuthors trims names, drops a leading "By ", splits lists of full names ("Jane Doe and
// Omar Haddad"), and removes empty values, URLs and duplicates.
func cleanAuthors(names []string) []string {
	var out []string
	seen := make(map[string]bool)
	for _, name := range names {
		for _, n := range splitAuthorList(stripBy(mdCleanText(name))) {
			n = stripBy(n)
			key := strings.ToLower(n)
			if n == "" || seen[key] || strings.Contains(n, "://") {
				continue
			}
			seen[key] = true
			out = append(out, n)
		}
	}
	return out
}

func stripBy(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 3 && strings.EqualFold(s[:2], "by") && (s[2] == ' ' || s[2] == ':') {
		s = strings.TrimLeft(s[3:], " :")
	}
	return s
}

// authorSeparators turns the separators of a list of names into commas.
var authorSeparators = strings.NewReplacer(" and ", ",", " & ", ",", ";", ",", " | ", ",")

// splitAuthorList splits "A B, C D and E F" into names, but only when every part has at least
// two words, so that "Doe, Jane" or "Reuters and AFP staff" stay whole.
func splitAuthorList(s string) []string {
	if !strings.ContainsAny(s, ",;&|") && !strings.Contains(s, " and ") {
		return []string{s}
	}
	parts := strings.FieldsFunc(authorSeparators.Replace(s), func(r rune) bool { return r == ',' })
	if len(parts) < 2 {
		return []string{s}
	}
	for i, p := range parts {
		if parts[i] = strings.TrimSpace(p); len(strings.Fields(parts[i])) < 2 {
			return []string{s}
		}
	}
	return parts
}

// rfc3339Layouts are the date forms pages use, tried in order; those without a zone are read as
// UTC.
var rfc3339Layouts = []string{
	time.RFC3339, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05Z07", "2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05 Z07:00",
	"2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02",
	time.RFC1123Z, time.RFC1123, time.RFC850, "Mon, 2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05 MST",
}

// rfc3339Date normalises a date to RFC 3339, keeping the UTC offset the page gave (the
// publisher's local time is part of the record), or returns "" when s is not a date it knows.
func rfc3339Date(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if s[0] >= '0' && s[0] <= '9' {
		s = strings.ToUpper(s) // RFC 3339 allows a lower-case "t" and "z"
	}
	for _, layout := range rfc3339Layouts {
		if t, err := time.Parse(layout, s); err == nil {
			if y := t.UTC().Year(); y < 1000 || y > 9999 {
				return ""
			}
			return t.Format(time.RFC3339)
		}
	}
	return ""
}

// pageMeta is what one walk of the DOM finds for MetadataOf.
type pageMeta struct {
	meta      map[string][]string // <meta> content by lower-cased name, property, http-equiv or "itemprop:"+itemprop
	jsonLD    []string            // texts of the application/ld+json scripts
	title     string              // the first <title>
	htmlLang  string
	canonical string
}

func newPageMeta() *pageMeta { return &pageMeta{meta: make(map[string][]string)} }

func (p *pageMeta) add(key, val string) {
	key, val = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val)
	if key == "" || val == "" {
		return
	}
	for _, prefix := range [...]string{"dc:", "dcterms:"} {
		if strings.HasPrefix(key, prefix) {
			key = strings.Replace(key, ":", ".", 1)
		}
	}
	p.meta[key] = append(p.meta[key], val)
}

func (p *pageMeta) element(e *element) {
	if e.foreign != "" {
		return
	}
	switch e.name {
	case "html":
		if p.htmlLang == "" {
			p.htmlLang = strings.TrimSpace(mdFirst(e.attrValue("lang"), e.attrValue("xml:lang")))
		}
	case "title":
		if p.title == "" {
			p.title = e.text
		}
	case "meta":
		content := e.attrValue("content")
		for _, a := range e.attrs {
			switch a.Key {
			case "name", "property", "http-equiv":
				// RDFa allows several properties in one attribute ("og:title twitter:title").
				for _, key := range strings.Fields(a.Val) {
					p.add(key, content)
				}
			}
		}
	case "link":
		href := e.attrValue("href")
		for _, rel := range strings.Fields(strings.ToLower(e.attrValue("rel"))) {
			switch rel {
			case "canonical":
				if p.canonical == "" {
					p.canonical = href
				}
			case "image_src":
				p.add("link:image_src", href)
			}
		}
	case "script":
		if isJSONLDType(e.attrValue("type")) {
			p.jsonLD = append(p.jsonLD, e.text)
		}
	}
	if prop, ok := e.attr("itemprop"); ok {
		val := e.attrValue("content")
		switch e.name {
		case "link":
			val = e.attrValue("href")
		case "time":
			val = mdFirst(val, e.attrValue("datetime"))
		}
		for _, key := range strings.Fields(prop) {
			p.add("itemprop:"+key, val)
		}
	}
}

// isJSONLDType reports whether a script's type attribute is JSON-LD.
func isJSONLDType(typ string) bool {
	return strings.EqualFold(strings.TrimSpace(typ), "application/ld+json")
}

// first returns the first value of the first key that has one.
func (p *pageMeta) first(keys ...string) string {
	for _, k := range keys {
		if v := p.meta[k]; len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// text is first with entities decoded and whitespace collapsed.
func (p *pageMeta) text(keys ...string) string { return mdCleanText(p.first(keys...)) }

// all returns every value of every key, in the order of keys.
func (p *pageMeta) all(keys ...string) []string {
	var out []string
	for _, k := range keys {
		out = append(out, p.meta[k]...)
	}
	return out
}
