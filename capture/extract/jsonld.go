package extract

import (
	"cmp"
	"encoding/json"
	"html"
	"slices"
	"strings"
)

// ldArticle is what a page's JSON-LD says about its article. URLs are as written, unresolved, and
// the date is not yet normalised.
type ldArticle struct {
	title, published, siteName, canonical, language, description, image string
	authors                                                             []string
}

// ldMaxDepth bounds the walk through nested JSON-LD values.
const ldMaxDepth = 32

// jsonLDArticle finds the first schema.org article object (NewsArticle, Article, BlogPosting,
// Report and their kin) in the JSON-LD script texts, wherever it is nested (top-level arrays,
// @graph, mainEntity), and reads its fields, following {"@id": ...} references to other objects of
// the page's JSON-LD (as WordPress/Yoast graphs use for authors, publisher and image).
func jsonLDArticle(scripts []string) (ldArticle, bool) {
	ids := make(map[string]map[string]any)
	var article, website map[string]any
	var visit func(v any, depth int)
	visit = func(v any, depth int) {
		if depth > ldMaxDepth {
			return
		}
		switch v := v.(type) {
		case []any:
			for _, e := range v {
				visit(e, depth+1)
			}
		case map[string]any:
			if id, ok := v["@id"].(string); ok && len(v) > 1 {
				if _, dup := ids[id]; !dup {
					ids[id] = v
				}
			}
			switch {
			case article == nil && ldHasType(v, ldIsArticleType):
				article = v
			case website == nil && ldHasType(v, func(t string) bool { return t == "WebSite" }):
				website = v
			}
			// Nested values in a fixed order, the likely homes of the article first, so that
			// the same page always yields the same article whatever the map order.
			var keys [8]string
			nested := keys[:0]
			for k, e := range v {
				switch e.(type) {
				case map[string]any, []any:
					nested = append(nested, k)
				}
			}
			slices.SortFunc(nested, func(a, b string) int { return cmp.Compare(ldKeyRank(a), ldKeyRank(b)) })
			for _, k := range nested {
				visit(v[k], depth+1)
			}
		}
	}
	for _, s := range scripts {
		for _, v := range ldDecode(s) {
			visit(v, 0)
		}
	}
	if article == nil {
		return ldArticle{}, false
	}
	ref := func(v any) map[string]any { return ldResolve(v, ids) }

	a := ldArticle{
		title:       ldText(article["headline"]),
		published:   ldText(article["datePublished"]),
		language:    ldText(article["inLanguage"]),
		description: ldText(article["description"]),
		canonical:   ldText(article["url"]),
	}
	if a.title == "" {
		a.title = ldText(article["name"])
	}
	if a.published == "" {
		a.published = ldText(article["dateCreated"])
	}
	if a.canonical == "" {
		if a.canonical = ldText(article["mainEntityOfPage"]); a.canonical == "" {
			if page := ref(article["mainEntityOfPage"]); page != nil {
				a.canonical = ldText(page["@id"])
			}
		}
	}
	authors := article["author"]
	if authors == nil {
		authors = article["creator"]
	}
	for _, au := range ldList(authors) {
		if name := ldText(au); name != "" {
			a.authors = append(a.authors, name)
		} else if p := ref(au); p != nil {
			if name = ldText(p["name"]); name == "" {
				name = strings.TrimSpace(ldText(p["givenName"]) + " " + ldText(p["familyName"]))
			}
			if name != "" { // a Person without a name names no one
				a.authors = append(a.authors, name)
			}
		}
	}
	for _, p := range ldList(article["publisher"]) {
		if pub := ref(p); pub != nil && a.siteName == "" {
			a.siteName = ldText(pub["name"])
		}
	}
	if site := ref(article["isPartOf"]); a.siteName == "" && site != nil && ldHasType(site, func(t string) bool { return t == "WebSite" }) {
		a.siteName = ldText(site["name"])
	}
	if a.siteName == "" && website != nil {
		a.siteName = ldText(website["name"])
	}
	if imgs := ldList(article["image"]); len(imgs) > 0 {
		if a.image = ldText(imgs[0]); a.image == "" {
			if img := ref(imgs[0]); img != nil {
				if a.image = ldText(img["url"]); a.image == "" {
					a.image = ldText(img["contentUrl"])
				}
			}
		}
	}
	return a, true
}

// ldKeyRank orders the keys of a JSON-LD object for the walk: "@graph", then "mainEntity", then
// the rest alphabetically.
func ldKeyRank(k string) string {
	switch k {
	case "@graph":
		return "\x00"
	case "mainEntity":
		return "\x01"
	}
	return k
}

// ldDecode parses one script's JSON-LD, tolerating what sites get wrong: HTML comment and CDATA
// wrappers, several values in a row, trailing junk, and raw newlines or tabs inside strings.
func ldDecode(s string) []any {
	s = strings.TrimSpace(s)
	for _, wrap := range [][2]string{{"<!--", "-->"}, {"<![CDATA[", "]]>"}, {"//<![CDATA[", "//]]>"}} {
		if strings.HasPrefix(s, wrap[0]) {
			s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, wrap[0]), wrap[1]))
		}
	}
	var v any
	if json.Unmarshal([]byte(s), &v) == nil {
		return []any{v}
	}
	vals := ldDecodeStream(s)
	if len(vals) == 0 && strings.ContainsAny(s, "\n\r\t") {
		vals = ldDecodeStream(ldEscapeControls(s))
	}
	return vals
}

func ldDecodeStream(s string) []any {
	var vals []any
	dec := json.NewDecoder(strings.NewReader(s))
	for {
		var v any
		if err := dec.Decode(&v); err != nil {
			return vals
		}
		vals = append(vals, v)
	}
}

// ldEscapeControls replaces the control characters inside JSON strings, which JSON forbids but
// pages contain, with spaces.
func ldEscapeControls(s string) string {
	b := []byte(s)
	inString, escaped := false, false
	for i, c := range b {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString && c < 0x20:
			b[i] = ' '
		}
	}
	return string(b)
}

// ldHasType reports whether the object's @type (a string or a list of them, maybe written as an
// IRI such as "http://schema.org/NewsArticle") satisfies match.
func ldHasType(obj map[string]any, match func(string) bool) bool {
	for _, t := range ldList(obj["@type"]) {
		if s, ok := t.(string); ok {
			if i := strings.LastIndexAny(s, "/:#"); i >= 0 {
				s = s[i+1:]
			}
			if match(s) {
				return true
			}
		}
	}
	return false
}

// ldIsArticleType matches Article and its schema.org subtypes (NewsArticle, ReportageNewsArticle,
// BlogPosting, LiveBlogPosting, Report, ...).
func ldIsArticleType(t string) bool {
	return strings.HasSuffix(t, "Article") || strings.HasSuffix(t, "Posting") || t == "Report"
}

// ldList returns v as a list: itself when it is an array, else a list of one (none for nil).
func ldList(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	}
	return []any{v}
}

// ldResolve returns v as an object, replaced by the object it references when it is a bare
// {"@id": ...} whose target the page defines.
func ldResolve(v any, ids map[string]map[string]any) map[string]any {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	if id, ok := obj["@id"].(string); ok && len(obj) == 1 {
		if target, ok := ids[id]; ok {
			return target
		}
	}
	return obj
}

// ldText returns a text value: a string, the first string of a list, or a {"@value": ...} object,
// with entities that some sites double-escape decoded and whitespace collapsed.
func ldText(v any) string {
	switch v := v.(type) {
	case string:
		return strings.Join(strings.Fields(html.UnescapeString(v)), " ")
	case []any:
		if len(v) > 0 {
			return ldText(v[0])
		}
	case map[string]any:
		if val, ok := v["@value"]; ok {
			return ldText(val)
		}
	}
	return ""
}
