package extract

import (
	"net/url"

	"github.com/vellumhq/vellum/internal/cssurl"
)

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
