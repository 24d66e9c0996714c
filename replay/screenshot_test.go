package replay

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/storage/local"
	"github.com/vellumhq/vellum/warc"
)

const (
	livePage   = "http://news.example/live.html"   // captured with a browser on day1 and day3, statically on day2
	staticPage = "http://news.example/static.html" // never with a browser
)

// testPNG is a small valid PNG, as a page's screenshot.
func testPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 120, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// screenshotRecord is the resource record a browser capture writes beside
// the response of the page at url: its screenshot at "urn:view:<url>".
func screenshotRecord(url string, when time.Time, pageID string, shot []byte) *warc.Record {
	var h warc.Header
	h.Add("WARC-Concurrent-To", pageID)
	return &warc.Record{Type: warc.TypeResource, TargetURI: warc.ViewURI(url), Date: when, ContentType: "image/png",
		Header: h, Block: bytes.NewReader(shot), BlockSize: int64(len(shot))}
}

// shotArchive holds livePage with its screenshot two seconds after the
// response on day1, livePage again on day2 without one, livePage on day3
// with one taken ten minutes later (too late to be that capture's), and
// staticPage on day1 without one. With remote, the index is made from the
// CDXJ files alone, as a replay node on S3 makes it.
func shotArchive(t *testing.T, opts Options, remote bool) (*fixture, []byte) {
	t.Helper()
	shot := testPNG(t)
	root := t.TempDir()
	var clock time.Time
	fw, err := warc.NewFileWriter(warc.FileWriterConfig{Root: root, Dir: layout.Day, Prefix: "test", Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	write := func(recs ...*warc.Record) {
		clock = recs[0].Date
		if _, err := fw.Write(recs...); err != nil {
			t.Fatal(err)
		}
	}
	page := func(url string, when time.Time, id string) *warc.Record {
		b := resp(200, "Content-Type: text/html\r\n", "<html><title>Live</title><p>Rendered by script.</p></html>")
		return &warc.Record{Type: warc.TypeResponse, ID: id, TargetURI: url, Date: when,
			ContentType: "application/http; msgtype=response", Block: bytes.NewReader(b), BlockSize: int64(len(b))}
	}
	write(page(livePage, day1, "<urn:uuid:live-1>"), screenshotRecord(livePage, day1.Add(2*time.Second), "<urn:uuid:live-1>", shot))
	write(page(staticPage, day1, "<urn:uuid:static-1>"))
	write(page(livePage, day2, "<urn:uuid:live-2>"))
	write(page(livePage, day3, "<urn:uuid:live-3>"), screenshotRecord(livePage, day3.Add(10*time.Minute), "<urn:uuid:live-3>", shot))
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	f := &fixture{root: root}
	dbDir := root
	if remote {
		dbDir = t.TempDir() // a replay node with no local state
	}
	f.idx, err = index.Open(context.Background(), filepath.Join(dbDir, layout.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.idx.Close() })
	if remote {
		_, err = f.idx.SyncRemote(context.Background(), local.New(root), nil)
	} else {
		_, err = f.idx.Rebuild(context.Background(), root)
	}
	if err != nil {
		t.Fatal(err)
	}
	f.srv = NewServer(f.idx, local.New(root), opts)
	return f, shot
}

// The id_ address of the day1 screenshot.
const day1Shot = "/web/20140812093002id_/urn:view:" + livePage

func checkPNG(t *testing.T, what string, r *http.Response, want []byte) {
	t.Helper()
	got := body(t, r)
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "image/png" || got != string(want) {
		t.Errorf("%s: %d %q, %d bytes; want 200 image/png, the %d bytes archived", what, r.StatusCode, r.Header.Get("Content-Type"), len(got), len(want))
	}
}

func TestScreenshotIsServedAsArchived(t *testing.T) {
	f, shot := shotArchive(t, Options{}, false)
	for _, path := range []string{
		day1Shot,
		"/web/20140812093000id_/urn:view:" + livePage,                  // the page's time: the closest capture wins
		"/web/20140812093002id_/urn:view:http:/news.example/live.html", // a collapsed "//"
		"/web/20140812093002/urn:view:" + livePage,                     // no modifier
	} {
		checkPNG(t, path, f.get(t, path), shot)
	}
	// Under its URN, never under the page's URL.
	if r := f.get(t, "/web/20140812093002id_/"+livePage); strings.Contains(body(t, r), "\x89PNG") {
		t.Errorf("the page's URL serves the screenshot")
	}
}

func TestFramedScreenshotComesFromTheContentOrigin(t *testing.T) {
	f, shot := shotArchive(t, framedOptions(), false)
	if r := f.get(t, day1Shot); r.StatusCode != http.StatusFound || r.Header.Get("Location") != testContent+day1Shot {
		t.Errorf("UI %s: %d → %q, want a redirect to the content origin", day1Shot, r.StatusCode, r.Header.Get("Location"))
	}
	r := f.getContent(t, day1Shot, "Sec-Fetch-Dest", "document")
	if csp := r.Header.Values("Content-Security-Policy"); len(csp) != 2 || csp[0] != inertCSP {
		t.Errorf("screenshot opened on its own: CSP %q, want it inert", csp)
	}
	checkPNG(t, "content "+day1Shot, r, shot)
	// Without a modifier, the UI frames it like any capture.
	r = f.get(t, "/web/20140812093002/urn:view:"+livePage)
	want := `src="` + testContent + "/web/20140812093002mp_/urn:view:" + livePage + `"`
	if b := body(t, r); r.StatusCode != 200 || !strings.Contains(b, want) {
		t.Errorf("frame of the screenshot: %d, want %s in\n%s", r.StatusCode, want, b)
	}
	checkPNG(t, "framed screenshot", f.getContent(t, "/web/20140812093002mp_/urn:view:"+livePage, "Sec-Fetch-Dest", "iframe"), shot)
}

func TestCaptureBarLinksItsScreenshot(t *testing.T) {
	t.Run("rebuilt", func(t *testing.T) { checkCaptureBar(t, false) })
	t.Run("from CDXJ", func(t *testing.T) { checkCaptureBar(t, true) })
}

func checkCaptureBar(t *testing.T, remote bool) {
	f, shot := shotArchive(t, framedOptions(), remote)
	link := `id="vellum-shot" href="` + testContent + day1Shot + `"`
	b := body(t, f.get(t, "/web/20140812093000/"+livePage))
	if !strings.Contains(b, link) {
		t.Fatalf("the bar of the day1 capture lacks %s:\n%s", link, b)
	}
	checkPNG(t, "the bar's link", f.getContent(t, day1Shot, "Sec-Fetch-Dest", "document"), shot)
	for _, path := range []string{
		"/web/20140813093000/" + livePage,   // a static capture a day later
		"/web/20150102030405/" + livePage,   // its screenshot is ten minutes away
		"/web/20140812093000/" + staticPage, // never a screenshot
	} {
		r := f.get(t, path)
		if b := body(t, r); r.StatusCode != 200 || strings.Contains(b, "screenshot") {
			t.Errorf("%s: %d, want the frame without a screenshot link:\n%s", path, r.StatusCode, b)
		}
	}
}

func TestCalendarLinksScreenshotsOfTheirCaptures(t *testing.T) {
	f, _ := shotArchive(t, framedOptions(), false)
	b := body(t, f.get(t, "/web/2014*/"+livePage)) // the year of the day1 capture
	if n := strings.Count(b, `class="shot"`); n != 1 || !strings.Contains(b, `href="`+testContent+day1Shot+`"`) {
		t.Errorf("calendar: %d screenshot links, want 1 to %s:\n%s", n, day1Shot, b)
	}
	if b := body(t, f.get(t, "/web/*/"+staticPage)); strings.Contains(b, `class="shot"`) {
		t.Errorf("calendar of a page without screenshots links one:\n%s", b)
	}
}

func TestBannerLinksTheScreenshot(t *testing.T) {
	f, _ := shotArchive(t, Options{Banner: true}, false)
	if b := body(t, f.get(t, "/web/20140812093000/"+livePage)); !strings.Contains(b, `"screenshot":"`+day1Shot+`"`) {
		t.Errorf("banner settings lack the screenshot:\n%s", b)
	}
	if b := body(t, f.get(t, "/web/20140813093000/"+livePage)); strings.Contains(b, `"screenshot"`) {
		t.Errorf("a capture without a screenshot has one in its banner:\n%s", b)
	}
}
