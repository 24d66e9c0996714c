package replay

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/vellumhq/vellum/index"
)

// TimeMap writes the TimeMap (RFC 7089) of one URL, given its captures in
// time order, in one of pywb's formats:
//
//   - "link": application/link-format, as RFC 7089 §5 shows it: the original
//     URL, its TimeGate, the TimeMap itself (rel="self", with from and
//     until), then one rel="memento" entry per capture with its datetime
//     (RFC 1123, GMT); the first and last are "first memento" and "last
//     memento" ("first last memento" when there is only one).
//   - "json": pywb's JSON TimeMap, which is its CDX API's output=json: one
//     JSON object a line (text/x-ndjson) with urlkey, timestamp, url, mime,
//     status, digest, length, offset, filename.
//   - "cdxj": the captures' CDXJ lines (text/x-cdxj).
//
// prefix is the replay prefix, "/web/" or absolute "http://host:port/web/":
// the TimeGate is prefix+original, the TimeMap prefix+"timemap/link/"+original
// and each memento prefix+timestamp+"/"+url, url being the URL the capture
// was made of (as in pywb; it may differ from original in scheme or "www.",
// which have the same URL key). An unknown format is an error and nothing is
// written.
func TimeMap(w http.ResponseWriter, format, original, prefix string, caps []index.Capture) error {
	ct, ok := cdxContentTypes[format]
	if !ok || format == "text" {
		return fmt.Errorf("replay: TimeMap format %q is not link, json or cdxj", format)
	}
	out := newCDXWriter(w, ct)
	defer out.release()
	if format == "link" {
		out.buf = appendTimeMapHead(out.buf, original, prefix, caps)
	}
	for i := range caps {
		c := &caps[i]
		switch format {
		case "link":
			rel := "memento"
			switch {
			case len(caps) == 1:
				rel = "first last memento"
			case i == 0:
				rel = "first memento"
			case i == len(caps)-1:
				rel = "last memento"
			}
			out.buf = append(out.buf, ",\n"...)
			out.buf = appendMementoLink(out.buf, prefix, withURL(c, original), rel)
		case "json":
			out.buf = appendCDXJSON(out.buf, c, nil)
		default:
			out.buf = appendCDXJ(out.buf, c, nil)
		}
		if err := out.flushIfFull(); err != nil {
			return err
		}
	}
	if format == "link" {
		out.lines = 1 // the head at least: finish ends the list with a newline
	}
	return out.finish()
}

// appendTimeMapHead appends the original, TimeGate and self entries.
func appendTimeMapHead(b []byte, original, prefix string, caps []index.Capture) []byte {
	b = append(b, '<')
	b = appendLinkURI(b, original)
	b = append(b, ">; rel=\"original\",\n<"...)
	b = append(b, prefix...)
	b = appendLinkURI(b, original)
	b = append(b, ">; rel=\"timegate\",\n<"...)
	b = append(b, prefix...)
	b = append(b, "timemap/link/"...)
	b = appendLinkURI(b, original)
	b = append(b, `>; rel="self"; type="application/link-format"`...)
	if len(caps) > 0 {
		b = append(b, `; from="`...)
		b = appendHTTPDate(b, caps[0].Timestamp)
		b = append(b, `"; until="`...)
		b = appendHTTPDate(b, caps[len(caps)-1].Timestamp)
		b = append(b, '"')
	}
	return b
}

// LinkHeader builds the Link header of a memento response (RFC 7089 §2.2):
// the original URL, its TimeGate (prefix+original), its TimeMap
// (prefix+"timemap/link/"+original), and the first, previous, next and last
// mementos when given (nil: left out). Mementos that are one URI share one
// entry whose rel lists them all ("first prev memento").
func LinkHeader(prefix, original string, first, prev, next, last *index.Capture) string {
	b := make([]byte, 0, 256+len(prefix)*6+len(original)*7)
	b = append(b, '<')
	b = appendLinkURI(b, original)
	b = append(b, `>; rel="original", <`...)
	b = append(b, prefix...)
	b = appendLinkURI(b, original)
	b = append(b, `>; rel="timegate", <`...)
	b = append(b, prefix...)
	b = append(b, "timemap/link/"...)
	b = appendLinkURI(b, original)
	b = append(b, `>; rel="timemap"; type="application/link-format"`...)

	type entry struct {
		c    *index.Capture
		rels []string
	}
	var entries []entry
	for i, c := range []*index.Capture{first, prev, next, last} {
		if c == nil {
			continue
		}
		c = withURL(c, original)
		rel := [...]string{"first", "prev", "next", "last"}[i]
		j := 0
		for j < len(entries) && (entries[j].c.Timestamp != c.Timestamp || entries[j].c.URL != c.URL) {
			j++
		}
		if j == len(entries) {
			entries = append(entries, entry{c: c})
		}
		entries[j].rels = append(entries[j].rels, rel)
	}
	for _, e := range entries {
		b = append(b, ", "...)
		b = appendMementoLink(b, prefix, e.c, strings.Join(e.rels, " ")+" memento")
	}
	return string(b)
}

// withURL returns c, or a copy with URL original when c has none.
func withURL(c *index.Capture, original string) *index.Capture {
	if c.URL != "" {
		return c
	}
	cc := *c
	cc.URL = original
	return &cc
}
