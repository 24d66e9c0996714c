package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vellumhq/vellum/internal/testsite"
	"github.com/vellumhq/vellum/warc"
)

// screenWidths are the widths the UI must fit: a small phone and a laptop.
var screenWidths = []int64{400, 1280}

// longPath is a page whose URL is longer than a phone is wide.
const longPath = "/2026/06/30/a-rather-long-headline-about-the-river-that-rose-in-the-night-and-the-bridge-that-closed.html?utm_source=newsletter&utm_medium=email"

// uiArchive is the test site's article captured now by `vellum capture`,
// with three earlier captures of it from another tool in 2025 and 2026
// (each with its article text), a page with a long URL and an image.
func uiArchive(t *testing.T) (archive string, site *testsite.Site, ts string) {
	t.Helper()
	archive, site, ts = captureFixture(t)
	var recs []*warc.Record
	add := func(url string, when time.Time, contentType, body, title, text string) {
		resp := "HTTP/1.1 200 OK\r\nContent-Type: " + contentType + "\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
		recs = append(recs, otherToolRecord(url, resp, when)...)
		if title == "" {
			return
		}
		meta, _ := json.Marshal(map[string]any{"title": title, "text": text})
		recs = append(recs, &warc.Record{Type: warc.TypeMetadata, TargetURI: warc.PageInfoURI(url), Date: when,
			ContentType: "application/json", Block: strings.NewReader(string(meta)), BlockSize: int64(len(meta))})
	}
	article := site.ArticleURL()
	for i, when := range []time.Time{
		time.Date(2025, 3, 14, 8, 15, 42, 0, time.UTC),
		time.Date(2025, 11, 2, 19, 0, 7, 0, time.UTC),
		time.Date(2026, 6, 30, 6, 30, 0, 0, time.UTC),
	} {
		text := "Borderland river floods: the water rose " + strconv.Itoa(i+1) + " metres and the old bridge closed."
		add(article, when, "text/html", "<!doctype html><title>Borderland river floods</title><h1>Borderland river floods</h1><p>"+text, "Borderland river floods", text)
	}
	long := site.URL(longPath)
	add(long, time.Date(2026, 6, 30, 6, 31, 12, 0, time.UTC), "text/html", "<!doctype html><title>The bridge</title><p>Closed.", "The river that rose in the night and the bridge that closed", "Closed.")
	add(site.URL("/img/river.png"), time.Date(2026, 6, 30, 6, 31, 13, 0, time.UTC), "image/png", "PNG", "", "")
	writeOtherToolWARC(t, archive, "earlier.warc.gz", false, recs...)
	if r := vellum(t, nil, "index", "--archive", archive); r.code != 0 {
		t.Fatalf("index: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	return archive, site, ts
}

// shotDir is where the UI screenshots go: $VELLUM_UI_SHOTS to keep them
// and look at them, a temporary folder otherwise.
func shotDir(t *testing.T) string {
	if d := os.Getenv("VELLUM_UI_SHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// screen opens url at width and checks that the page needs no horizontal
// scrolling, then saves a screenshot of the whole page as name-<width>.png.
func (b *browser) screen(t *testing.T, dir, name string, width int64, url string, full bool) {
	t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(width, 900)); err != nil {
		t.Fatal(err)
	}
	b.open(t, url)
	if got := eval[[]int](t, b, `[document.documentElement.scrollWidth, window.innerWidth]`); got[0] > got[1] {
		t.Errorf("%s at %d px: the page is %d px wide, wider than the window (%d px)", name, width, got[0], got[1])
	}
	shot := chromedp.CaptureScreenshot()
	if full {
		shot = chromedp.FullScreenshot(100)
	}
	png, err := chromedp.Run(b.ctx, shot)
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name+"-"+strconv.FormatInt(width, 10)+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", path)
}

// rect is an element's box in the page, from getBoundingClientRect.
type rect struct{ Top, Bottom, Left, Width float64 }

func boxOf(t *testing.T, b *browser, expr string) rect {
	t.Helper()
	return eval[rect](t, b, `(() => { const r = (`+expr+`).getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, width: r.width}; })()`)
}

func TestUIFitsPhonesAndLaptops(t *testing.T) {
	archive, site, ts := uiArchive(t)
	ui, _ := startServe(t, archive)
	b := newBrowser(t)
	dir := shotDir(t)
	article := site.ArticleURL()
	for _, w := range screenWidths {
		b.screen(t, dir, "calendar", w, ui+"/web/*/"+article, true)
		marked := eval[int](t, b, `document.querySelectorAll("td.cap").length`)
		if marked != 2 { // 30 June and today, this year
			t.Errorf("calendar at %d px: %d days marked, want 2", w, marked)
		}
		b.screen(t, dir, "calendar-day", w, ui+"/web/20250314*/"+article, true)
		b.screen(t, dir, "list", w, ui+"/web/*/"+site.URL("/")+"*", true)
		b.screen(t, dir, "list-all", w, ui+"/web/*/"+site.URL("/")+"*?all=1", true)
		b.screen(t, dir, "home", w, ui+"/", true)
		b.screen(t, dir, "search", w, ui+"/search?q=borderland+flood*", true)
		if n := eval[int](t, b, `document.querySelectorAll("ol.search-results li mark").length`); n == 0 {
			t.Errorf("search results at %d px: no marked term", w)
		}
		b.screen(t, dir, "banner", w, ui+"/web/"+ts+"/"+article, false)
		win := eval[rect](t, b, `({top: 0, bottom: innerHeight, left: 0, width: innerWidth})`)
		bar, frame := boxOf(t, b, `document.getElementById("vellum-bar")`), boxOf(t, b, `document.getElementById("vellum-content")`)
		if bar.Top != 0 || bar.Width != win.Width || frame.Top < bar.Bottom || frame.Bottom > win.Bottom+1 || frame.Bottom-frame.Top < 200 {
			t.Errorf("banner at %d px: bar %+v, frame %+v, window %+v: want the bar across the top and the frame below it", w, bar, frame, win)
		}
		for _, text := range []string{"← previous", "all captures", "compare with previous"} {
			if !eval[bool](t, b, `Array.from(document.querySelectorAll("#vellum-bar a")).some(a => a.textContent === `+strconv.Quote(text)+` && a.offsetWidth > 0)`) {
				t.Errorf("banner at %d px: no visible %q link", w, text)
			}
		}
		b.screen(t, dir, "banner-long-url", w, ui+"/web/2026/"+site.URL(longPath), false)
		if bar := boxOf(t, b, `document.getElementById("vellum-bar")`); bar.Bottom > 140 {
			t.Errorf("banner of a long URL at %d px is %.0f px high: the URL does not stop at two lines", w, bar.Bottom)
		}
		b.open(t, ui+"/web/"+ts+"/"+article)
		b.screen(t, dir, "compare", w, ui+eval[string](t, b, `document.getElementById("vellum-compare").getAttribute("href")`), true)
		if n := eval[int](t, b, `document.querySelectorAll(".diff ins, .diff del").length`); n == 0 {
			t.Errorf("compare at %d px: no word marked changed", w)
		}
	}
}

// TestBarFollowsTheFramedPage: a link followed in the frame changes the
// bar's URL, time and calendar link, and hides the links that were the
// first capture's.
func TestBarFollowsTheFramedPage(t *testing.T) {
	archive, site, ts := uiArchive(t)
	ui, content := startServe(t, archive)
	b := newBrowser(t)
	b.open(t, ui+"/web/"+ts+"/"+site.ArticleURL())
	other := site.URL("/2014/08/story2.html")
	evalFrame[bool](t, b, content+"/web/", `(location.href = `+strconv.Quote(content+"/web/"+ts+"mp_/"+other)+`, true)`)
	deadline := time.Now().Add(10 * time.Second)
	for eval[string](t, b, `document.getElementById("vellum-url").title`) != other {
		if time.Now().After(deadline) {
			t.Fatalf("the bar still shows %q", eval[string](t, b, `document.getElementById("vellum-url").textContent`))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := eval[string](t, b, `document.getElementById("vellum-url").textContent`); got != other {
		t.Errorf("the bar shows %q, want %q", got, other)
	}
	if got := eval[string](t, b, `document.getElementById("vellum-all").getAttribute("href")`); got != "/web/*/"+other {
		t.Errorf("all captures leads to %q, want the calendar of %s", got, other)
	}
	if n := eval[int](t, b, `Array.from(document.querySelectorAll("#vellum-bar a.this")).filter(a => a.offsetWidth > 0).length`); n != 0 {
		t.Errorf("%d links of the first page's capture still show", n)
	}
	if got := eval[string](t, b, `document.getElementById("vellum-when").textContent`); !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$`).MatchString(got) {
		t.Errorf("the bar's time reads %q", got)
	}
}

func TestSingleOriginBannerIsABarAboveThePage(t *testing.T) {
	archive, site, ts := uiArchive(t)
	ui, _ := startServe(t, archive, "--unsafe-single-origin")
	b := newBrowser(t)
	dir := shotDir(t)
	for _, w := range screenWidths {
		b.screen(t, dir, "banner-single-origin", w, ui+"/web/"+ts+"/"+site.ArticleURL(), false)
		win := eval[rect](t, b, `({top: 0, bottom: innerHeight, left: 0, width: innerWidth})`)
		bar, h1 := boxOf(t, b, `document.querySelector("vellum-banner")`), boxOf(t, b, `document.querySelector("h1")`)
		if bar.Top != 0 || bar.Width != win.Width || h1.Top < bar.Bottom {
			t.Errorf("single-origin banner at %d px: bar %+v, the page's h1 %+v, window %+v: want the bar across the top, above the page", w, bar, h1, win)
		}
		if eval[string](t, b, `(() => { const r = document.querySelector("h1").getBoundingClientRect(); return document.elementFromPoint(r.left + 5, r.top + r.height / 2).localName; })()`) == "vellum-banner" {
			t.Errorf("single-origin banner at %d px covers the page's heading", w)
		}
	}
}
