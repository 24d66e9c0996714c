package replay

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/warc"
)

// testCapture makes a capture row the way the index stores it.
func testCapture(t testing.TB, u, ts, mime string, status int, digest string, length, offset int64, file string) index.Capture {
	t.Helper()
	key, err := warc.SURT(u)
	if err != nil {
		t.Fatal(err)
	}
	typ := "response"
	if mime == "warc/revisit" {
		typ = "revisit"
	}
	return index.Capture{URLKey: key, Timestamp: ts, URL: u, Type: typ, MIME: mime, Status: status, Digest: digest,
		Length: length, Offset: offset, Filename: file, RecordID: "<urn:uuid:" + ts + ">"}
}

// cdxFixture is a small index: one URL captured three times (a revisit
// among them, one under https://www.), its neighbours on the host, a
// subdomain, a record without status or digest, and a URL JSON must escape.
func cdxFixture(t *testing.T) *index.Index {
	t.Helper()
	idx, err := index.Open(t.Context(), filepath.Join(t.TempDir(), layout.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	caps := []index.Capture{
		testCapture(t, "http://example.com/", "20140101000000", "text/html", 200, "sha256:aaa", 100, 0, "a.warc.gz"),
		testCapture(t, "http://example.com/", "20140601120000", "warc/revisit", 200, "sha256:aaa", 50, 100, "a.warc.gz"),
		testCapture(t, "https://www.example.com/", "20150101000000", "text/html", 200, "sha256:bbb", 120, 0, "b.warc.gz"),
		testCapture(t, "http://example.com/about", "20140102000000", "text/html", 301, "sha256:ccc", 30, 200, "a.warc.gz"),
		testCapture(t, "http://example.com/img.png", "20140103000000", "image/png", 200, "sha256:ddd", 900, 300, "a.warc.gz"),
		testCapture(t, `http://example.com/café?q="x"`, "20140104000000", "text/html", 404, "sha256:eee", 10, 400, "a.warc.gz"),
		testCapture(t, "dns:example.com", "20140105000000", "text/dns", 0, "", 60, 500, "a.warc.gz"),
		testCapture(t, "http://news.example.com/story", "20140106000000", "text/html", 200, "sha256:fff", 70, 600, "a.warc.gz"),
	}
	if err := idx.Add(t.Context(), caps, nil); err != nil {
		t.Fatal(err)
	}
	return idx
}

// cdxGet runs one request through h and returns its status, content type
// and body.
func cdxGet(t testing.TB, h http.Handler, query string) (int, string, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/web/cdx?"+query, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, rec.Header().Get("Content-Type"), string(body)
}

const (
	rootCDXJ1 = `com,example)/ 20140101000000 {"url":"http://example.com/","mime":"text/html","status":"200","digest":"sha256:aaa","length":"100","offset":"0","filename":"a.warc.gz"}`
	rootCDXJ2 = `com,example)/ 20140601120000 {"url":"http://example.com/","mime":"warc/revisit","status":"200","digest":"sha256:aaa","length":"50","offset":"100","filename":"a.warc.gz"}`
	rootCDXJ3 = `com,example)/ 20150101000000 {"url":"https://www.example.com/","mime":"text/html","status":"200","digest":"sha256:bbb","length":"120","offset":"0","filename":"b.warc.gz"}`
)

func TestCDXOutputs(t *testing.T) {
	h := CDXHandler(cdxFixture(t), CDXOptions{})
	for _, tc := range []struct {
		name, query, ctype string
		want               []string
	}{
		{"default cdxj", "url=example.com", "text/x-cdxj", []string{rootCDXJ1, rootCDXJ2, rootCDXJ3}},
		{"json", "url=http://www.example.com/&output=json&limit=1", "text/x-ndjson", []string{
			`{"urlkey":"com,example)/","timestamp":"20140101000000","url":"http://example.com/","mime":"text/html","status":"200","digest":"sha256:aaa","length":"100","offset":"0","filename":"a.warc.gz"}`}},
		{"json escapes, keeps UTF-8", "url=example.com/café?q=%22x%22&output=json&fl=url,status", "text/x-ndjson", []string{
			`{"url":"http://example.com/café?q=\"x\"","status":"404"}`}},
		{"no status or digest: left out", "url=dns:example.com&output=json", "text/x-ndjson", []string{
			`{"urlkey":"dns:example.com","timestamp":"20140105000000","url":"dns:example.com","mime":"text/dns","length":"60","offset":"500","filename":"a.warc.gz"}`}},
		{"cdxj fl keeps urlkey and timestamp in front", "url=example.com&limit=1&fl=filename,urlkey,offset", "text/x-cdxj", []string{
			`com,example)/ 20140101000000 {"filename":"a.warc.gz","offset":"0"}`}},
		{"json fl with aliases", "url=example.com&limit=1&output=json&fl=timestamp,original,statuscode", "text/x-ndjson", []string{
			`{"timestamp":"20140101000000","url":"http://example.com/","status":"200"}`}},
		{"text", "url=example.com&limit=1&output=text", "text/plain", []string{
			`com,example)/ 20140101000000 http://example.com/ text/html 200 sha256:aaa 100 0 a.warc.gz`}},
		{"text fl, dash for none", "url=dns:example.com&output=text&fl=timestamp,status,digest", "text/plain", []string{
			`20140105000000 - -`}},
		{"link", "url=example.com&output=link&to=2014", "application/link-format", []string{
			`<http://example.com/>; rel="memento"; datetime="Wed, 01 Jan 2014 00:00:00 GMT",`,
			`<http://example.com/>; rel="memento"; datetime="Sun, 01 Jun 2014 12:00:00 GMT"`}},
		{"empty", "url=example.com/nothing", "text/x-cdxj", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, ctype, body := cdxGet(t, h, tc.query)
			want := strings.Join(tc.want, "\n")
			if len(tc.want) > 0 {
				want += "\n"
			}
			if code != http.StatusOK || ctype != tc.ctype || body != want {
				t.Errorf("got %d %s\n%s\nwant 200 %s\n%s", code, ctype, body, tc.ctype, want)
			}
		})
	}
	link := CDXHandler(cdxFixture(t), CDXOptions{Prefix: "http://localhost:8080/web/"})
	_, _, body := cdxGet(t, link, "url=example.com&output=link&limit=1")
	if want := `<http://localhost:8080/web/20140101000000/http://example.com/>; rel="memento"; datetime="Wed, 01 Jan 2014 00:00:00 GMT"` + "\n"; body != want {
		t.Errorf("link with prefix: %q, want %q", body, want)
	}
}

// cdxStamps runs a query and returns "urlkey timestamp" of each line.
func cdxStamps(t *testing.T, h http.Handler, query string) string {
	t.Helper()
	code, _, body := cdxGet(t, h, query)
	if code != http.StatusOK {
		t.Fatalf("%s: %d %s", query, code, body)
	}
	var out []string
	for line := range strings.Lines(body) {
		f := strings.Fields(line)
		out = append(out, f[0]+" "+f[1])
	}
	return strings.Join(out, ", ")
}

func TestCDXQueries(t *testing.T) {
	h := CDXHandler(cdxFixture(t), CDXOptions{MaxLimit: 3, PageSize: 2})
	r1, r2, r3 := "com,example)/ 20140101000000", "com,example)/ 20140601120000", "com,example)/ 20150101000000"
	about, img := "com,example)/about 20140102000000", "com,example)/img.png 20140103000000"
	cafe, news := `com,example)/caf%c3%a9?q="x" 20140104000000`, "com,example,news)/story 20140106000000"
	for _, tc := range []struct{ query, want string }{
		{"url=example.com/*&limit=10", strings.Join([]string{r1, r2, r3}, ", ")}, // capped by MaxLimit
		{"url=example.com/*&limit=0", strings.Join([]string{r1, r2, r3}, ", ")},
		{"url=example.com/a*", about}, // prefix wildcard
		{"url=example.com/&matchType=prefix&filter=!=mime:warc/revisit", strings.Join([]string{r1, r3, about}, ", ")},
		{"url=example.com/img.png&matchType=host&limit=-2", cafe + ", " + img},                               // the last two
		{"url=*.example.com&sort=reverse&limit=2", news + ", " + img},                                        // domain, newest first
		{"url=example.com&matchType=domain&limit=-1&sort=reverse", r1},                                       // last of the reverse order
		{"url=example.com&from=201406&to=2014", r2},                                                          // padded bounds
		{"url=example.com&sort=closest&closest=2015&limit=2", r3 + ", " + r2},                                // by distance
		{"url=example.com&closest=20140301", r1 + ", " + r2 + ", " + r3},                                     // closest alone sorts too
		{"url=example.com/*&filter=mime:html&filter=!status:30", strings.Join([]string{r1, r3, cafe}, ", ")}, // contains, ANDed
		{"url=example.com/*&filter=~url:https?://example\\.com/\\w%2B\\.png", img},
		{"url=example.com/*&filter=~url:example", ""},          // re.match: from the start
		{"url=example.com/*&filter=~status:4", cafe},           // regex anchored at the start
		{"url=example.com/*&filter=!~mime:(text|warc)", img},   // negated regex
		{"url=example.com/*&filter==digest:sha256:ccc", about}, // exact, ':' in the value
		{"url=example.com/*&filter=b.warc.gz", r3},             // no field: the whole line
		{"url=example.com/*&filter=~original:.*png$", img},
		{"url=example.com/*&page=0", r1 + ", " + r2},
		{"url=example.com/*&page=1&pageSize=1", r2},
		{"url=example.com/*&page=1&limit=3", r3},
	} {
		t.Run(tc.query, func(t *testing.T) {
			if got := cdxStamps(t, h, tc.query); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	if _, ctype, body := cdxGet(t, h, "url=example.com/*&showNumPages=true&pageSize=2"); ctype != "application/json" ||
		body != `{"blocks": 6, "pages": 3, "pageSize": 2}`+"\n" {
		t.Errorf("showNumPages: %s %q", ctype, body)
	}
}

func TestCDXBadRequests(t *testing.T) {
	h := CDXHandler(cdxFixture(t), CDXOptions{})
	for _, tc := range []struct{ query, param string }{
		{"", "url:"},
		{"url=http://", "url:"},
		{"url=example.com&matchType=regex", "matchType:"},
		{"url=example.com&output=xml", "output:"},
		{"url=example.com&sort=random", "sort:"},
		{"url=example.com&sort=closest", "closest:"},
		{"url=example.com&closest=2014x", "closest:"},
		{"url=example.com&closest=20141301", "closest:"},
		{"url=example.com&closest=2014&limit=-1", "limit:"},
		{"url=example.com&limit=ten", "limit:"},
		{"url=example.com&from=yesterday", "from:"},
		{"url=example.com&to=201401010000001", "to:"},
		{"url=example.com&fl=url,size", "fl:"},
		{"url=example.com&filter=size:1", "filter:"},
		{"url=example.com&filter=~url:(", "filter:"},
		{"url=example.com&filter=~url:(%0A", "filter:"},
		{"url=example.com&filter=" + strings.Repeat("x", 2000), "filter:"},
		{"url=example.com" + strings.Repeat("&filter=x", 17), "filter:"},
		{"url=example.com&page=-1", "page:"},
		{"url=example.com&page=1&limit=-1", "page:"},
		{"url=example.com&pageSize=0", "pageSize:"},
		{"url=example.com&page=5", "page:"}, // past the last
		// page*pageSize overflows
		{"url=example.com&page=9223372036854775807&pageSize=1000", "page:"},
	} {
		t.Run(tc.query[:min(len(tc.query), 60)], func(t *testing.T) {
			code, ctype, body := cdxGet(t, h, tc.query)
			if code != http.StatusBadRequest || !strings.HasPrefix(ctype, "text/plain") ||
				!strings.HasPrefix(body, tc.param) || strings.Count(body, "\n") != 1 {
				t.Errorf("got %d %s %q, want 400 and one line starting %q", code, ctype, body, tc.param)
			}
		})
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/web/cdx?url=example.com", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}

// TestCDXStreams writes more than one buffer's worth and checks the body
// arrives whole and in order.
func TestCDXStreams(t *testing.T) {
	idx, err := index.Open(t.Context(), filepath.Join(t.TempDir(), layout.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	var caps []index.Capture
	for i := range 3000 {
		caps = append(caps, testCapture(t, fmt.Sprintf("http://example.com/p%04d", i), "20200101000000", "text/html", 200, "sha256:x", 1, int64(i), "a"))
	}
	if err := idx.Add(t.Context(), caps, nil); err != nil {
		t.Fatal(err)
	}
	code, _, body := cdxGet(t, CDXHandler(idx, CDXOptions{}), "url=example.com/*&output=json")
	if lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n"); code != 200 || len(lines) != 3000 ||
		!strings.Contains(lines[2999], `"url":"http://example.com/p2999"`) {
		t.Errorf("got %d, %d lines, last %q", code, len(lines), lines[len(lines)-1])
	}
	code, _, body = cdxGet(t, CDXHandler(idx, CDXOptions{}), "url=example.com/*&limit=-2500&fl=offset&output=text")
	if lines := strings.Fields(body); code != 200 || len(lines) != 2500 || lines[0] != "500" || lines[2499] != "2999" {
		t.Errorf("negative limit: %d, %d lines", code, len(lines))
	}
}
