package capture

import (
	"html"
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
}

// ExtractMetadata fills every field of Metadata but Outlinks and Requisites, which the caller sets
// from ExtractLinks. It modifies doc (readability prunes the tree), so call it last.
//
// Title, authors, published date, site name, canonical URL, language, description and image come
// first from the page's JSON-LD article, then from OpenGraph, article:*, Twitter, Dublin Core and
// other <meta> tags, <link rel=canonical>, <html lang> and <title>. The main text, and a last
// fallback for title, byline, date and site name, come from go-readability run on doc. Published
// is normalised to RFC 3339 keeping the page's UTC offset; authors are trimmed, de-duplicated and stripped of a leading
// "By "; canonical and image URLs are absolute (resolved against pageURL). Fields stay empty when
// the page does not say. It never panics.
func ExtractMetadata(doc *xhtml.Node, pageURL *url.URL) Metadata {
	if pageURL == nil {
		pageURL = &url.URL{}
	}
	p := scanPageMeta(doc)
	ld, _ := jsonLDArticle(p.jsonLD)
	art, artOK := readabilityArticle(doc, pageURL)

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

	if artOK {
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
	}
	md.Title = mdFirst(md.Title, mdCleanText(p.title))
	if md.Authors == nil {
		md.Authors = []string{} // a JSON list, never null
	}
	return md
}

// readabilityArticle runs go-readability on doc, turning a panic on a pathological page into a
// plain failure.
func readabilityArticle(doc *xhtml.Node, pageURL *url.URL) (art readability.Article, ok bool) {
	defer func() {
		if recover() != nil {
			art, ok = readability.Article{}, false
		}
	}()
	parser := readability.NewParser()
	parser.DisableJSONLD = true // read already, and better, by jsonLDArticle
	art, err := parser.ParseAndMutate(doc, pageURL)
	return art, err == nil
}

// articleText renders the readable content as plain text, one paragraph per block (paragraph,
// heading, list item, caption...) separated by blank lines. Lone advertisement labels are dropped.
func articleText(n *xhtml.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	for _, line := range strings.Split(render.InnerText(n), "\n") {
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

// pageMeta is what one walk of the DOM finds for ExtractMetadata.
type pageMeta struct {
	meta      map[string][]string // <meta> content by lower-cased name, property, http-equiv or "itemprop:"+itemprop
	jsonLD    []string            // texts of the application/ld+json scripts
	title     string              // the first <title>
	htmlLang  string
	canonical string
}

func scanPageMeta(doc *xhtml.Node) *pageMeta {
	p := &pageMeta{meta: make(map[string][]string)}
	var walk func(n *xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.ElementNode && n.Namespace == "" {
			p.element(n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return p
}

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

func (p *pageMeta) element(n *xhtml.Node) {
	switch n.Data {
	case "html":
		if p.htmlLang == "" {
			p.htmlLang = strings.TrimSpace(mdFirst(domAttrValue(n, "lang"), domAttrValue(n, "xml:lang")))
		}
	case "title":
		if p.title == "" {
			p.title = domText(n)
		}
	case "meta":
		content := domAttrValue(n, "content")
		for _, a := range n.Attr {
			switch a.Key {
			case "name", "property", "http-equiv":
				// RDFa allows several properties in one attribute ("og:title twitter:title").
				for _, key := range strings.Fields(a.Val) {
					p.add(key, content)
				}
			}
		}
	case "link":
		href := domAttrValue(n, "href")
		for _, rel := range strings.Fields(strings.ToLower(domAttrValue(n, "rel"))) {
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
		if strings.EqualFold(strings.TrimSpace(domAttrValue(n, "type")), "application/ld+json") {
			p.jsonLD = append(p.jsonLD, domText(n))
		}
	}
	if prop, ok := domAttr(n, "itemprop"); ok {
		val := domAttrValue(n, "content")
		switch n.Data {
		case "link":
			val = domAttrValue(n, "href")
		case "time":
			val = mdFirst(val, domAttrValue(n, "datetime"))
		}
		for _, key := range strings.Fields(prop) {
			p.add("itemprop:"+key, val)
		}
	}
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
