package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/internal/miniotest"
	"github.com/vellumhq/vellum/warc"
)

// pagePNG is a screenshot as a browser capture takes it: the whole page,
// here 800×1200, a header band above lines of text.
func pagePNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 800, 1200))
	for y := range 1200 {
		for x := range 800 {
			c := color.RGBA{250, 250, 250, 255}
			switch {
			case y < 120:
				c = color.RGBA{36, 52, 71, 255}
			case y%40 < 14 && x > 60 && x < 740:
				c = color.RGBA{90, 90, 90, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// screenshotArchive writes a WARC as Browsertrix writes one: a page's
// request and response, and its screenshot as a resource record at
// "urn:view:<page>" (image/png) three seconds later, concurrent to the
// response; and a second page without a screenshot. `vellum index` indexes
// it.
func screenshotArchive(t *testing.T) (archive, page, other string, shot []byte) {
	t.Helper()
	archive = filepath.Join(t.TempDir(), "archive")
	page, other = "http://news.example/live/story.html", "http://news.example/static.html"
	date := time.Date(2014, 8, 12, 9, 30, 0, 0, time.UTC)
	html := "<!doctype html><title>Live: the river rises</title><h1>Live: the river rises</h1><p>Updated by script.</p><p><a id=other href=/static.html>Other news</a>"
	recs := otherToolRecord(page, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "+strconv.Itoa(len(html))+"\r\n\r\n"+html, date)
	recs[1].ID = "<urn:uuid:3b0e7c1a-5f0d-4a53-9d8e-2f1c0a9b7e11>"
	shot = pagePNG(t)
	var h warc.Header
	h.Add("WARC-Concurrent-To", recs[1].ID)
	recs = append(recs, &warc.Record{Type: warc.TypeResource, TargetURI: warc.ViewURI(page), Date: date.Add(3 * time.Second),
		ContentType: "image/png", Header: h, Block: bytes.NewReader(shot), BlockSize: int64(len(shot))})
	recs = append(recs, otherToolRecord(other, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nhi", date)...)
	writeOtherToolWARC(t, archive, "browsertrix.warc.gz", false, recs...)
	r := vellum(t, nil, "index", "--archive", archive)
	if r.code != 0 || !strings.Contains(r.stdout, "indexed 3 captures") {
		t.Fatalf("index: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	return archive, page, other, shot
}

// shotLink is the screenshot link of the capture bar in a UI page.
var shotLink = regexp.MustCompile(`id="vellum-shot" href="([^"]+)"`)

func TestIndexedScreenshotIsLinkedBesideItsCapture(t *testing.T) {
	archive, page, other, shot := screenshotArchive(t)
	ui, content := startServe(t, archive)

	m := shotLink.FindStringSubmatch(getBody(t, ui+"/web/20140812093000/"+page))
	if want := content + "/web/20140812093003id_/urn:view:" + page; m == nil || m[1] != want {
		t.Fatalf("capture bar: screenshot link %q, want %s", m, want)
	}
	resp, err := http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !bytes.Equal(got, shot) {
		t.Errorf("screenshot: %d %q, %d bytes; want 200 image/png, the %d bytes archived", resp.StatusCode, resp.Header.Get("Content-Type"), len(got), len(shot))
	}
	if cal := getBody(t, ui+"/web/*/"+page); !strings.Contains(cal, `href="`+m[1]+`"`) {
		t.Errorf("the calendar does not link the screenshot:\n%s", cal)
	}
	if b := getBody(t, ui+"/web/20140812093000/"+other); strings.Contains(b, "screenshot") {
		t.Errorf("a capture without a screenshot links one:\n%s", b)
	}
}

// TestChromiumOpensTheScreenshotFromTheCaptureBar clicks the bar's link:
// the image opens from the content origin, decoded at its size. With
// VELLUM_UI_SCREENSHOT=path.png, the UI around the capture is saved there,
// and the calendar beside it (path-calendar.png), to look at their layout.
func TestChromiumOpensTheScreenshotFromTheCaptureBar(t *testing.T) {
	archive, page, _, _ := screenshotArchive(t)
	ui, content := startServe(t, archive)
	b := newBrowser(t)
	b.open(t, ui+"/web/20140812093000/"+page)
	if path := os.Getenv("VELLUM_UI_SCREENSHOT"); path != "" {
		if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(1000, 600)); err != nil {
			t.Fatal(err)
		}
		img, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, img, 0o644); err != nil {
			t.Fatal(err)
		}
		b.open(t, ui+"/web/*/"+page)
		if img, err = chromedp.Run(b.ctx, chromedp.CaptureScreenshot()); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(strings.TrimSuffix(path, ".png")+"-calendar.png", img, 0o644); err != nil {
			t.Fatal(err)
		}
		b.open(t, ui+"/web/20140812093000/"+page)
	}
	if !eval[bool](t, b, `!!document.getElementById("vellum-shot")`) {
		t.Fatalf("no screenshot link in the capture bar")
	}
	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS("#vellum-shot"))); err != nil {
		t.Fatalf("click the screenshot link: %v", err)
	}
	want := content + "/web/20140812093003id_/urn:view:" + page
	deadline := time.Now().Add(10 * time.Second)
	for eval[string](t, b, `location.href`) != want && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	b.settle()
	if got := eval[string](t, b, `location.href`); got != want {
		t.Fatalf("the link led to %s, want %s", got, want)
	}
	size := eval[[]int](t, b, `[document.images.length && document.images[0].naturalWidth, document.images.length && document.images[0].naturalHeight]`)
	if len(size) != 2 || size[0] != 800 || size[1] != 1200 {
		t.Errorf("screenshot decoded as %v, want 800×1200", size)
	}
	if out := b.requestsOutside(ui, content); len(out) > 0 {
		t.Errorf("requests outside the replay origins: %v", out)
	}

	// A link followed in the frame leads to another capture: the bar no
	// longer offers this one's screenshot.
	b.open(t, ui+"/web/20140812093000/"+page)
	evalFrame[bool](t, b, content+"/web/20140812093000mp_/", `document.getElementById("other").click(), true`)
	deadline = time.Now().Add(10 * time.Second)
	for !eval[bool](t, b, `document.getElementById("vellum-shot").hidden`) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := eval[string](t, b, `document.getElementById("vellum-url").textContent + " " + document.getElementById("vellum-shot").hidden`); got != "http://news.example/static.html true" {
		t.Errorf("after following a link in the frame, the bar shows %q, want the other page and no screenshot link", got)
	}
}

// TestScreenshotOnS3IsIndexedAndServed: a WARC holding a page and its
// screenshot, with its CDXJ beside it as Vellum writes them, is uploaded
// to a bucket; `vellum index --remote` on an empty archive indexes it from
// the CDXJ, and `vellum serve --remote` links the screenshot beside the
// capture and serves it from the bucket.
func TestScreenshotOnS3IsIndexedAndServed(t *testing.T) {
	m := miniotest.Start(t)
	const remote = "s3://vellum-test/shots"
	written := t.TempDir()
	const page = "http://127.0.0.1:8080/story"
	date := time.Date(2026, 12, 6, 6, 0, 0, 0, time.UTC)
	fw, err := warc.NewFileWriter(warc.FileWriterConfig{Root: written, Dir: layout.Day, Prefix: "20261206T060000Z-5h07",
		Now: func() time.Time { return date }})
	if err != nil {
		t.Fatal(err)
	}
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello")
	shot := pagePNG(t)
	var h warc.Header
	h.Add("WARC-Concurrent-To", "<urn:uuid:0e9a3c52-6a3e-4e0f-8d43-5b0b8c2f7a10>")
	if _, err := fw.Write(
		&warc.Record{Type: warc.TypeResponse, ID: "<urn:uuid:0e9a3c52-6a3e-4e0f-8d43-5b0b8c2f7a10>", TargetURI: page, Date: date,
			ContentType: "application/http; msgtype=response", Block: bytes.NewReader(resp), BlockSize: int64(len(resp))},
		&warc.Record{Type: warc.TypeResource, TargetURI: warc.ViewURI(page), Date: date.Add(time.Second),
			ContentType: "image/png", Header: h, Block: bytes.NewReader(shot), BlockSize: int64(len(shot))},
	); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	st := remoteStore(t, m, remote)
	for key, data := range localFiles(t, written) {
		if err := st.Put(context.Background(), key, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
	}

	archive := filepath.Join(t.TempDir(), "node")
	if r := vellum(t, m.Env(), "index", "--archive", archive, "--remote", remote); r.code != 0 || !strings.Contains(r.stdout, "indexed 1 remote CDXJ files") {
		t.Fatalf("index --remote: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	ui, content := startServeEnv(t, m.Env(), archive, "--remote", remote)
	m1 := shotLink.FindStringSubmatch(getBody(t, ui+"/web/20261206060000/"+page))
	if want := content + "/web/20261206060001id_/urn:view:" + page; m1 == nil || m1[1] != want {
		t.Fatalf("capture bar: screenshot link %q, want %s", m1, want)
	}
	r, err := http.Get(m1[1])
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "image/png" || !bytes.Equal(got, shot) {
		t.Errorf("screenshot from the bucket: %d %q, %d bytes; want 200 image/png, the %d bytes archived", r.StatusCode, r.Header.Get("Content-Type"), len(got), len(shot))
	}
}
