package warc

import "strings"

// PageInfoPrefix starts the target URI of a page's metadata record:
// "urn:pageinfo:<page URL>", as Browsertrix names its page records. A record
// whose target is the page's own URL would be indexed by pywb and warcio as
// a capture of the page and replayed instead of it (they skip only
// application/warc-fields metadata); under this URN it can never be.
const PageInfoPrefix = "urn:pageinfo:"

// PageInfoURI is the target URI of the metadata record of the page at url.
func PageInfoURI(url string) string { return PageInfoPrefix + url }

// PageOfInfo returns the page URL a metadata record's target URI names:
// the URL after PageInfoPrefix, or the target itself (records written
// before the prefix carried the page's own URL).
func PageOfInfo(target string) string {
	if len(target) > len(PageInfoPrefix) && strings.EqualFold(target[:len(PageInfoPrefix)], PageInfoPrefix) {
		return target[len(PageInfoPrefix):]
	}
	return target
}

// IsPageInfo reports whether e is a page's metadata record in the current
// form: a metadata record at "urn:pageinfo:<url>". Such records get a CDXJ
// line (under their URN, as pywb and warcio list them), so an index built
// from CDXJ files alone can find them.
func IsPageInfo(e Entry) bool {
	return e.Type == TypeMetadata && len(e.TargetURI) > len(PageInfoPrefix) &&
		strings.EqualFold(e.TargetURI[:len(PageInfoPrefix)], PageInfoPrefix)
}
