package replay

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Modifiers of a memento URL, as pywb and the Wayback Machine use them.
const (
	modNone   = ""    // top-level page (framed in the UI when content has its own origin)
	modMain   = "mp_" // main page content, without the frame
	modIframe = "if_" // content of an iframe
	modImage  = "im_"
	modCSS    = "cs_"
	modJS     = "js_"
	modObject = "oe_"
	modRaw    = "id_" // the archived payload, unchanged
)

var knownMods = map[string]bool{modMain: true, modIframe: true, modImage: true, modCSS: true, modJS: true, modObject: true, modRaw: true}

// mementoRequest is a parsed /web/<ts><mod>/<url> request.
type mementoRequest struct {
	Timestamp string // 0–14 digits as requested
	Mod       string
	URL       string // the archived URL, absolute, with its query
	// Want is Timestamp padded to 14 digits (warc.PadTimestamp), the time
	// the handlers look for; serveWeb sets it once it has checked it.
	Want string
}

var errBadTimestamp = errors.New("bad timestamp")

// parseMementoPath splits the part after "/web/" of a request into
// timestamp, modifier and URL. rest is the escaped path after the prefix;
// rawQuery belongs to the archived URL. ok is false when rest does not start
// with a timestamp (then it is a TimeGate or a calendar request).
func parseMementoPath(rest, rawQuery string) (mementoRequest, bool, error) {
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	head := rest
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		return mementoRequest{}, false, nil
	}
	head = rest[:slash]
	ts, mod := head[:i], head[i:]
	if i == 0 && mod == "" {
		return mementoRequest{}, false, nil
	}
	if i == 0 && !knownMods[mod] {
		return mementoRequest{}, false, nil // "http:" and the like: a URL, not a timestamp
	}
	if mod != "" && !knownMods[mod] {
		return mementoRequest{}, true, fmt.Errorf("%w %q: want up to 14 digits and an optional modifier (id_, mp_, im_, cs_, js_, if_)", errBadTimestamp, head)
	}
	if len(ts) > 14 {
		return mementoRequest{}, true, fmt.Errorf("%w %q: more than 14 digits", errBadTimestamp, ts)
	}
	u, err := archivedURL(rest[slash+1:], rawQuery)
	if err != nil {
		return mementoRequest{}, true, err
	}
	return mementoRequest{Timestamp: ts, Mod: mod, URL: u}, true, nil
}

// archivedURL rebuilds the archived URL from the rest of a request path:
// browsers and proxies collapse "http://" to "http:/", and a scheme-less
// "example.org/x" means http.
func archivedURL(p, rawQuery string) (string, error) {
	if p == "" {
		return "", errors.New("no URL after the timestamp")
	}
	if unesc, err := url.PathUnescape(p); err == nil && strings.Contains(unesc, "://") && !strings.Contains(p, "://") {
		p = unesc // a fully escaped URL ("http%3A%2F%2F…")
	}
	low := strings.ToLower(p)
	if strings.HasPrefix(low, "urn:") {
		return archivedURN(p, rawQuery)
	}
	switch {
	case strings.HasPrefix(low, "http://"), strings.HasPrefix(low, "https://"):
	case strings.HasPrefix(low, "http:/"):
		p = "http://" + p[len("http:/"):]
	case strings.HasPrefix(low, "https:/"):
		p = "https://" + p[len("https:/"):]
	case strings.HasPrefix(p, "//"):
		p = "http:" + p
	case strings.Contains(low, "://"):
		return "", fmt.Errorf("only http and https URLs are archived: %q", p)
	default:
		p = "http://" + p
	}
	if rawQuery != "" {
		p += "?" + rawQuery
	}
	u, err := url.Parse(p)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("not a URL: %q", p)
	}
	return p, nil
}

// archivedURN rebuilds an archived "urn:<nid>:<rest>" target, which
// records other than a page's response have: a screenshot at
// "urn:view:<url>" (warc.ViewURI), a page's metadata at
// "urn:pageinfo:<url>". A rest that is an http(s) URL is rebuilt as one
// (its "//" may have been collapsed too, and the query is its own); any
// other rest is kept as it is.
func archivedURN(p, rawQuery string) (string, error) {
	nid, rest, ok := strings.Cut(p[len("urn:"):], ":")
	if !ok || nid == "" || rest == "" {
		return "", fmt.Errorf("not a URN: %q", p)
	}
	head := p[:len("urn:")+len(nid)+1]
	if low := strings.ToLower(rest); strings.HasPrefix(low, "http:/") || strings.HasPrefix(low, "https:/") {
		u, err := archivedURL(rest, rawQuery)
		if err != nil {
			return "", err
		}
		return head + u, nil
	}
	if rawQuery != "" {
		rest += "?" + rawQuery
	}
	return head + rest, nil
}

// requestRest returns the escaped path of r after prefix ("/web/"), keeping
// the original escaping (EscapedPath would re-escape).
func requestRest(r *http.Request, prefix string) (string, bool) {
	p := r.URL.RawPath
	if p == "" {
		p = r.URL.Path
	}
	if !strings.HasPrefix(p, prefix) {
		return "", false
	}
	return p[len(prefix):], true
}
