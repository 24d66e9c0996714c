package replay

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/storage/local"
	"github.com/vellumhq/vellum/warc"
)

// fixture is an archive written record by record, served by a Server.
type fixture struct {
	root  string
	idx   *index.Index
	srv   *Server
	files []string
}

// resp builds an HTTP response block.
func resp(status int, header, body string) []byte {
	return []byte(fmt.Sprintf("HTTP/1.1 %d %s\r\n%sContent-Length: %d\r\n\r\n%s", status, http.StatusText(status), header, len(body), body))
}

func gz(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

type archived struct {
	url   string
	when  time.Time
	block []byte
	typ   string // "" = response
}

func newFixture(t testing.TB, recs []archived, opts Options) *fixture {
	t.Helper()
	root := t.TempDir()
	f := &fixture{root: root}
	var clock time.Time
	fw, err := warc.NewFileWriter(warc.FileWriterConfig{Root: root, Dir: layout.Day, Prefix: "test", Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	digests := map[string]string{}
	for _, a := range recs {
		clock = a.when
		r := &warc.Record{Type: warc.TypeResponse, TargetURI: a.url, Date: a.when,
			ContentType: "application/http; msgtype=response", Block: bytes.NewReader(a.block), BlockSize: int64(len(a.block))}
		if a.typ == warc.TypeRevisit {
			r.Type = warc.TypeRevisit
			r.Header.Add("WARC-Profile", warc.ProfileIdenticalPayloadDigest)
			r.Header.Add("WARC-Refers-To-Target-URI", a.url)
			r.Header.Add("WARC-Payload-Digest", digests[a.url])
		}
		es, err := fw.Write(r)
		if err != nil {
			t.Fatal(err)
		}
		if a.typ == "" {
			digests[a.url] = es[0].PayloadDigest
		}
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	f.idx, err = index.Open(context.Background(), filepath.Join(root, layout.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.idx.Close() })
	if _, err := f.idx.Rebuild(context.Background(), root); err != nil {
		t.Fatal(err)
	}
	f.files, _ = index.WARCFiles(root)
	f.srv = NewServer(f.idx, local.New(root), opts)
	return f
}

func (f *fixture) get(t *testing.T, path string, header ...string) *http.Response {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var (
	day1 = time.Date(2014, 8, 12, 9, 30, 0, 0, time.UTC)
	day2 = time.Date(2014, 8, 13, 9, 30, 0, 0, time.UTC)
	day3 = time.Date(2015, 1, 2, 3, 4, 5, 0, time.UTC)
)

const story = "http://news.example/story.html"

func storyArchive(t testing.TB, opts Options) *fixture {
	page := `<html><head><title>Story</title><link rel="stylesheet" href="/s.css"></head><body><a href="/other.html">o</a><img src="img/a.png"></body></html>`
	return newFixture(t, []archived{
		{url: story, when: day1, block: resp(200, "Content-Type: text/html; charset=utf-8\r\nContent-Encoding: gzip\r\nSet-Cookie: id=1\r\n", gz(page))},
		{url: story, when: day2, typ: warc.TypeRevisit, block: []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Encoding: gzip\r\n\r\n")},
		{url: story, when: day3, block: resp(200, "Content-Type: text/html\r\n", `<html><body>third</body></html>`)},
		{url: "http://news.example/s.css", when: day1, block: resp(200, "Content-Type: text/css\r\n", `body{background:url(bg.png)}`)},
		{url: "http://news.example/img/a.png", when: day1, block: resp(200, "Content-Type: image/png\r\n", "PNGDATA0123456789")},
		{url: "http://news.example/old", when: day1, block: resp(301, "Location: /story.html\r\n", "")},
	}, opts)
}

func TestMementoIsRewrittenAndCarriesMementoHeaders(t *testing.T) {
	f := storyArchive(t, Options{Banner: true})
	r := f.get(t, "/web/20140812093000/"+story)
	b := body(t, r)
	if r.StatusCode != 200 {
		t.Fatalf("status %d: %s", r.StatusCode, b)
	}
	h := r.Header
	if h.Get("Memento-Datetime") != "Tue, 12 Aug 2014 09:30:00 GMT" {
		t.Errorf("Memento-Datetime %q", h.Get("Memento-Datetime"))
	}
	link := h.Get("Link")
	for _, want := range []string{`<` + story + `>; rel="original"`, `rel="timegate"`, `rel="timemap"`} {
		if !strings.Contains(link, want) {
			t.Errorf("Link lacks %s: %s", want, link)
		}
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	if h.Get("Set-Cookie") != "" || h.Get("X-Archive-Orig-Set-Cookie") != "id=1" || h.Get("Content-Encoding") != "" {
		t.Errorf("archived headers not neutralised: %v", h)
	}
	for _, want := range []string{
		`href="/web/20140812093000cs_/http://news.example/s.css"`,
		`href="/web/20140812093000/http://news.example/other.html"`,
		`src="/web/20140812093000im_/http://news.example/img/a.png"`,
		`window.__vellum=`, `/_vellum/runtime.js`, `/_vellum/banner.js`,
	} {
		if !strings.Contains(b, want) {
			t.Errorf("page lacks %s:\n%s", want, b)
		}
	}
}

func TestClosestCaptureWinsAndPagesRedirectToIt(t *testing.T) {
	f := storyArchive(t, Options{})
	for _, c := range []struct{ ts, want string }{
		// Partial timestamps mean the latest moment they can (pywb): 2014 is 20141231235959.
		{"201408", "20140813093000"}, {"2014081210", "20140812093000"}, {"2014", "20150102030405"}, {"2016", "20150102030405"},
	} {
		r := f.get(t, "/web/"+c.ts+"/"+story)
		if r.StatusCode != http.StatusFound || r.Header.Get("Location") != "/web/"+c.want+"/"+story {
			t.Errorf("ts %q: %d → %s, want /web/%s/...", c.ts, r.StatusCode, r.Header.Get("Location"), c.want)
		}
	}
	// Embedded resources are served from the closest capture without a redirect.
	r := f.get(t, "/web/2016im_/http://news.example/img/a.png")
	if r.StatusCode != 200 || body(t, r) != "PNGDATA0123456789" {
		t.Errorf("image from a nearby capture: %d", r.StatusCode)
	}
}

func TestRevisitReplaysTheOriginalPayloadWithItsOwnDate(t *testing.T) {
	f := storyArchive(t, Options{})
	r := f.get(t, "/web/20140813093000/"+story)
	b := body(t, r)
	if r.StatusCode != 200 || !strings.Contains(b, "<title>Story</title>") {
		t.Fatalf("revisit: %d %s", r.StatusCode, b)
	}
	if r.Header.Get("Memento-Datetime") != "Wed, 13 Aug 2014 09:30:00 GMT" {
		t.Errorf("revisit Memento-Datetime %q", r.Header.Get("Memento-Datetime"))
	}
}

func TestRawModeGivesTheArchivedBytes(t *testing.T) {
	f := storyArchive(t, Options{})
	r := f.get(t, "/web/20140812093000id_/"+story)
	b := body(t, r)
	if r.Header.Get("Content-Encoding") != "gzip" || !strings.HasPrefix(b, "\x1f\x8b") {
		t.Errorf("id_ did not return the gzipped payload as archived: %v", r.Header)
	}
	css := body(t, f.get(t, "/web/20140812093000id_/http://news.example/s.css"))
	if css != `body{background:url(bg.png)}` {
		t.Errorf("id_ CSS %q", css)
	}
	rewritten := body(t, f.get(t, "/web/20140812093000cs_/http://news.example/s.css"))
	if !strings.Contains(rewritten, "/web/20140812093000im_/http://news.example/bg.png") {
		t.Errorf("cs_ CSS not rewritten: %q", rewritten)
	}
}

func TestArchivedRedirectReplaysInsideTheArchive(t *testing.T) {
	f := storyArchive(t, Options{})
	r := f.get(t, "/web/20140812093000/http://news.example/old")
	if r.StatusCode != 301 || r.Header.Get("Location") != "/web/20140812093000/"+story {
		t.Errorf("archived 301: %d Location %q", r.StatusCode, r.Header.Get("Location"))
	}
}

func TestRangeRequestsOnMedia(t *testing.T) {
	f := storyArchive(t, Options{})
	r := f.get(t, "/web/20140812093000im_/http://news.example/img/a.png", "Range", "bytes=3-6")
	if r.StatusCode != http.StatusPartialContent || body(t, r) != "DATA" || r.Header.Get("Content-Range") != "bytes 3-6/17" {
		t.Errorf("range: %d %q %q", r.StatusCode, r.Header.Get("Content-Range"), r.Header.Get("Content-Length"))
	}
	r = f.get(t, "/web/20140812093000im_/http://news.example/img/a.png", "Range", "bytes=100-")
	if r.StatusCode != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("unsatisfiable range: %d", r.StatusCode)
	}
}

func TestTimeGateAndTimeMap(t *testing.T) {
	f := storyArchive(t, Options{})
	r := f.get(t, "/web/"+story, "Accept-Datetime", "Wed, 13 Aug 2014 10:00:00 GMT")
	if r.StatusCode != http.StatusFound || r.Header.Get("Location") != "/web/20140813093000/"+story ||
		r.Header.Get("Vary") != "accept-datetime" {
		t.Errorf("TimeGate: %d %q %q", r.StatusCode, r.Header.Get("Location"), r.Header.Get("Vary"))
	}
	if r := f.get(t, "/web/"+story); r.Header.Get("Location") != "/web/20150102030405/"+story {
		t.Errorf("TimeGate without Accept-Datetime: %q", r.Header.Get("Location"))
	}
	if r := f.get(t, "/web/"+story, "Accept-Datetime", "yesterday"); r.StatusCode != 400 {
		t.Errorf("bad Accept-Datetime: %d", r.StatusCode)
	}
	tm := f.get(t, "/web/timemap/link/"+story)
	b := body(t, tm)
	if tm.StatusCode != 200 || strings.Count(b, `rel="memento"`)+strings.Count(b, `memento"`) < 3 || !strings.Contains(b, "/web/20140813093000/"+story) {
		t.Errorf("TimeMap: %d\n%s", tm.StatusCode, b)
	}
}

func TestErrorsArePagesAndTheServerKeepsServing(t *testing.T) {
	f := storyArchive(t, Options{})
	if r := f.get(t, "/web/2014/http://never.example/"); r.StatusCode != 404 || !strings.Contains(body(t, r), "never been captured") {
		t.Errorf("never archived: %d", r.StatusCode)
	}
	for _, p := range []string{"/web/2014xx_/" + story, "/web/123456789012345/" + story, "/web/2014/ftp://x/"} {
		if r := f.get(t, p); r.StatusCode != 400 {
			t.Errorf("%s: %d, want 400", p, r.StatusCode)
		}
	}
	// Damage the WARC file: the capture cannot be read, the rest goes on.
	path := filepath.Join(f.root, f.files[0])
	data, _ := os.ReadFile(path)
	caps, _ := f.idx.Captures(context.Background(), "example,news)/img/a.png")
	off := caps[0].Offset
	for i := off + 10; i < off+caps[0].Length-10; i++ {
		data[i] ^= 0x55
	}
	os.WriteFile(path, data, 0o644)
	r := f.get(t, "/web/20140812093000im_/http://news.example/img/a.png")
	if r.StatusCode != http.StatusBadGateway || !strings.Contains(body(t, r), "cannot be read") {
		t.Errorf("damaged record: %d", r.StatusCode)
	}
	if r := f.get(t, "/web/20150102030405/"+story); r.StatusCode != 200 {
		t.Errorf("after a damaged record the server fails: %d", r.StatusCode)
	}
	// An index row naming a file outside the archive is refused, never read.
	evil := caps[0]
	evil.Filename, evil.Offset, evil.URL, evil.URLKey = "../../etc/passwd", 0, "http://evil.example/", "example,evil)/"
	f.idx.Add(context.Background(), []index.Capture{evil}, nil)
	if r := f.get(t, "/web/2014/http://evil.example/"); r.StatusCode != http.StatusBadGateway {
		t.Errorf("path escape: %d", r.StatusCode)
	}
}

func TestUIPages(t *testing.T) {
	f := storyArchive(t, Options{})
	cal := f.get(t, "/web/*/"+story)
	b := body(t, cal)
	if cal.StatusCode != 200 || !strings.Contains(b, "3 captures") || !strings.Contains(b, "2015") {
		t.Errorf("calendar: %d\n%s", cal.StatusCode, b)
	}
	// The calendar shows a year at a time, the latest first; 2014's at /web/2014*/.
	if b := body(t, f.get(t, "/web/2014*/"+story)); !strings.Contains(b, `href="/web/20140813093000/http://news.example/story.html"`) {
		t.Errorf("calendar of 2014:\n%s", b)
	}
	// Pages by default, requisites (s.css) with ?all=1.
	list := body(t, f.get(t, "/web/*/http://news.example/*"))
	all := body(t, f.get(t, "/web/*/http://news.example/*?all=1"))
	for _, u := range []string{story, "http://news.example/s.css", "http://news.example/old"} {
		if !strings.Contains(all, `href="/web/*/`+u+`"`) {
			t.Errorf("prefix listing with requisites lacks %s", u)
		}
	}
	for _, u := range []string{story, "http://news.example/old"} {
		if !strings.Contains(list, `href="/web/*/`+u+`"`) {
			t.Errorf("prefix listing lacks %s", u)
		}
	}
	if r := f.get(t, "/search?q=news.example/story.html"); r.Header.Get("Location") != "/web/*/news.example/story.html" {
		t.Errorf("search redirect %q", r.Header.Get("Location"))
	}
	home := f.get(t, "/")
	if home.StatusCode != 200 || !strings.Contains(body(t, home), "captures in this archive") {
		t.Errorf("home: %d", home.StatusCode)
	}
	if !strings.Contains(home.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("UI pages have no CSP")
	}
}

func TestNoBannerOption(t *testing.T) {
	f := storyArchive(t, Options{Banner: false})
	b := body(t, f.get(t, "/web/20140812093000/"+story))
	if strings.Contains(b, "banner.js") || !strings.Contains(b, "runtime.js") {
		t.Errorf("--no-banner page:\n%s", b)
	}
}

func TestFramedModeServesAFramePageAndContentElsewhere(t *testing.T) {
	f := storyArchive(t, Options{Banner: true, ContentOrigin: "http://127.0.0.1:9002", UIOrigin: "http://127.0.0.1:9001"})
	r := f.get(t, "/web/20140812093000/"+story)
	b := body(t, r)
	if !strings.Contains(b, `src="http://127.0.0.1:9002/web/20140812093000mp_/http://news.example/story.html"`) ||
		!strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-src http://127.0.0.1:9002") {
		t.Errorf("frame page:\n%s", b)
	}
	w := httptest.NewRecorder()
	f.srv.ContentHandler().ServeHTTP(w, httptest.NewRequest("GET", "/web/20140812093000mp_/"+story, nil))
	cb := w.Body.String()
	if w.Code != 200 || !strings.Contains(cb, `src="http://127.0.0.1:9002/web/20140812093000im_/http://news.example/img/a.png"`) ||
		strings.Contains(cb, "banner.js") || !strings.Contains(w.Header().Get("Content-Security-Policy"), "frame-ancestors 'self' http://127.0.0.1:9001") {
		t.Errorf("framed content: %d %v\n%s", w.Code, w.Header(), cb)
	}
	// The content origin serves no UI.
	w = httptest.NewRecorder()
	f.srv.ContentHandler().ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 404 {
		t.Errorf("content origin / : %d", w.Code)
	}
}

func TestMissingWARCFileIsAnErrorPage(t *testing.T) {
	f := storyArchive(t, Options{})
	os.Remove(filepath.Join(f.root, f.files[0]))
	r := f.get(t, "/web/20140812093000im_/http://news.example/img/a.png")
	if b := body(t, r); r.StatusCode != http.StatusBadGateway || !strings.Contains(b, "cannot be read") || !strings.Contains(b, "not found") {
		t.Errorf("missing WARC file: %d\n%s", r.StatusCode, b)
	}
}

// TestHugeResponsesStream replays a 48 MiB archived body: the server must
// stream it, not hold it in memory.
func TestHugeResponsesStream(t *testing.T) {
	const size = 48 << 20
	big := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	f := newFixture(t, []archived{{url: "http://news.example/video.mp4", when: day1,
		block: resp(200, "Content-Type: video/mp4\r\n", string(big))}}, Options{})
	srv := httptest.NewServer(f.srv)
	defer srv.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := http.Get(srv.URL + "/web/2014im_/http://news.example/video.mp4")
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	runtime.ReadMemStats(&after)
	if err != nil || n != size || res.Header.Get("Content-Length") != fmt.Sprint(size) {
		t.Fatalf("got %d bytes (%v), Content-Length %q", n, err, res.Header.Get("Content-Length"))
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Errorf("serving %d MiB allocated %d MiB: not streamed", size>>20, grew>>20)
	}
}
