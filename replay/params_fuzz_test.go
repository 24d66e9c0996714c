package replay

import (
	"net/url"
	"strings"
	"testing"

	"github.com/vellumhq/vellum/index"
)

// FuzzParseRange reads Range headers: an accepted range lies within the
// payload.
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-", "bytes=0-0", "bytes=-5", "bytes=5-2", "bytes=1-2,3-4", "bytes=-0",
		" bytes= 3 - 9 ", "bytes=9223372036854775807-", "bytes=--1", "bytes=-9223372036854775808", "items=0-1"} {
		f.Add(s, int64(10))
	}
	f.Fuzz(func(t *testing.T, v string, size int64) {
		start, end, ok := parseRange(v, size)
		if ok && (start < 0 || start > end || end >= size) {
			t.Fatalf("range %q of %d bytes: %d-%d", v, size, start, end)
		}
		_ = rangeUnsatisfiable(v, size)
	})
}

// FuzzCDXParams parses CDX API queries: a refusal is one line, and an
// accepted request stays within the limits (no negative page or limit,
// no page larger than the maximum), and its filters can be applied.
func FuzzCDXParams(f *testing.F) {
	for _, s := range []string{
		"url=example.org/*&from=2014&to=2015&filter==status:200&fl=url,timestamp&output=json",
		"url=*.example.org&limit=-3&sort=reverse", "url=a&closest=2014&sort=closest&limit=1",
		"url=a&page=3&pageSize=10&showNumPages=true", "url=a&page=9223372036854775807&pageSize=1000",
		"url=a&filter=~url:(a|b&filter=!mime:text", "url=a&fl=nope", "url=a&output=xml", "url=a&matchType=host",
		"url=a&filter=~url:(((((((((((((x)))))))))))))*", "",
	} {
		f.Add(s)
	}
	const maxLimit = 1000
	h := CDXHandler(nil, CDXOptions{MaxLimit: maxLimit}).(*cdxHandler)
	capture := &index.Capture{URLKey: "org,example)/", Timestamp: "20240101000000", URL: "http://example.org/",
		MIME: "text/html", Status: 200, Digest: "sha256:ab", Length: 10, Filename: "a.warc.gz"}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		req, err := h.parse(v)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error of more than one line: %q", err)
			}
			return
		}
		if req.skip < 0 || req.q.Limit < 0 || req.q.Limit > maxLimit || req.pageSize < 1 || req.pageSize > maxLimit {
			t.Fatalf("%q: skip %d, limit %d, page size %d", raw, req.skip, req.q.Limit, req.pageSize)
		}
		var scratch []byte
		for i := range req.filters {
			req.filters[i].match(capture, &scratch)
		}
	})
}
