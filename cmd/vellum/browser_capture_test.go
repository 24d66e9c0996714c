package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	_ "image/png" // DecodeConfig of the screenshot
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/internal/testsite"
	"github.com/vellumhq/vellum/warc"
)

// Browser capture (issue 12), end to end: `vellum capture --browser` on the
// JS-built news page of testsite.JSNews, on http and https, its replay with
// the live site gone, --browser=auto, a missing Chromium, `browser:` in a
// jobs file, and a sink that proves Chromium reached nothing but the proxy.

// fullRecord is a record of an archive with its block.
type fullRecord struct {
	typ, uri, contentType string
	block                 []byte
}

// readFullRecords reads every record of every WARC file under archive.
func readFullRecords(t *testing.T, archive string) []fullRecord {
	t.Helper()
	var out []fullRecord
	err := filepath.WalkDir(filepath.Join(archive, "warcs"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".warc.gz") {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		rd, err := warc.NewReader(f)
		if err != nil {
			return err
		}
		defer rd.Close()
		for {
			rec, err := rd.Next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			b, err := io.ReadAll(rec.Block)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			h := rec.Header
			out = append(out, fullRecord{typ: h.Get("WARC-Type"), uri: h.Get("WARC-Target-URI"), contentType: h.Get("Content-Type"), block: b})
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// recordsOf lists the records of a type at a target URI.
func recordsOf(recs []fullRecord, typ, uri string) []fullRecord {
	var out []fullRecord
	for _, r := range recs {
		if r.typ == typ && r.uri == uri {
			out = append(out, r)
		}
	}
	return out
}

// seedLine is the status line `vellum capture` printed for a seed.
func seedLine(t *testing.T, r result, seed string) string {
	t.Helper()
	for _, l := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(l); len(f) >= 3 && (f[0] == "ok" && f[2] == seed || f[0] == "FAILED" && strings.TrimSuffix(f[1], ":") == seed) {
			return l
		}
	}
	t.Fatalf("no status line for %s (exit %d) in:\n%s%s", seed, r.code, r.stdout, r.stderr)
	return ""
}

// capturedTS is the 14-digit timestamp of a seed's replay path.
func capturedTS(t *testing.T, line string) string {
	t.Helper()
	m := regexp.MustCompile(`/web/(\d{14})/`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no replay path in %q", line)
	}
	return m[1]
}

// pageMetadata is what these tests read of a metadata record.
type pageMetadata struct {
	Title      string   `json:"title"`
	Text       string   `json:"text"`
	Requisites []string `json:"requisites"`
}

func metadataOf(t *testing.T, recs []fullRecord, page string) pageMetadata {
	t.Helper()
	mds := recordsOf(recs, "metadata", warc.PageInfoURI(page))
	if len(mds) != 1 {
		t.Fatalf("%d metadata records for %s, want 1", len(mds), page)
	}
	var md pageMetadata
	if err := json.Unmarshal(mds[0].block, &md); err != nil {
		t.Fatalf("metadata of %s: %v", page, err)
	}
	return md
}

// scriptLoaded are the URLs only the page's script asks for.
func scriptLoaded(base string) []string {
	out := []string{base + testsite.JSFeedPath, base + testsite.JSFontPath}
	for _, p := range testsite.JSImages {
		out = append(out, base+p)
	}
	return out
}

// captureArgs are the flags of every capture here; https needs the site's CA.
func captureArgs(site *testsite.JSNewsSite, base, archive string) []string {
	args := []string{"capture", "--archive", archive, "--delay", "0", "--no-progress"}
	if strings.HasPrefix(base, "https:") {
		args = append(args, "--ca-file", site.CAFile)
	}
	return args
}

func TestBrowserCaptureArchivesWhatTheScriptLoads(t *testing.T) {
	site := testsite.NewJSNewsSite(t, 0)
	for _, tc := range []struct{ name, base string }{{"http", site.HTTP.URL}, {"https", site.HTTPS.URL}} {
		t.Run(tc.name, func(t *testing.T) {
			page := tc.base + testsite.JSStoryPath
			site.Reset()
			static := filepath.Join(t.TempDir(), "static")
			r := vellum(t, nil, append(captureArgs(site, tc.base, static), page)...)
			if r.code != 0 {
				t.Fatalf("static capture: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if l := seedLine(t, r, page); strings.Contains(l, "(browser") {
				t.Errorf("a capture without --browser says it used the browser: %q", l)
			}
			recs := readFullRecords(t, static)
			for _, u := range []string{page, tc.base + testsite.JSScriptPath} {
				if len(recordsOf(recs, "response", u)) != 1 {
					t.Errorf("static capture: no response record for %s", u)
				}
			}
			for _, u := range scriptLoaded(tc.base) {
				if n := len(recordsOf(recs, "response", u)) + len(recordsOf(recs, "request", u)); n != 0 {
					t.Errorf("static capture has %d records of %s, which only the page's script loads", n, u)
				}
			}
			if n := site.Count(testsite.JSFeedPath); n != 0 {
				t.Errorf("static capture fetched the feed %d times", n)
			}
			if md := metadataOf(t, recs, page); strings.Contains(md.Text, testsite.JSParagraph) {
				t.Errorf("static capture's metadata has the script's text")
			}
			if n := len(recordsOf(recs, "resource", "urn:view:"+page)); n != 0 {
				t.Errorf("static capture wrote %d screenshots", n)
			}

			archive := filepath.Join(t.TempDir(), "browser")
			r = vellum(t, nil, append(captureArgs(site, tc.base, archive), "--browser", page)...)
			if r.code != 0 {
				t.Fatalf("browser capture: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if l := seedLine(t, r, page); !strings.Contains(l, "(browser") {
				t.Errorf("the status line does not say the browser was used: %q", l)
			}
			checkBrowserRecords(t, readFullRecords(t, archive), tc.base, page)
			if site.Count(testsite.JSFeedPath) == 0 {
				t.Errorf("the site never served the feed during the browser capture")
			}
		})
	}
}

// checkBrowserRecords checks what a browser capture of the story archived:
// everything the static capture has and what the script loaded, request
// and response each, the screenshot and the rendered page's metadata.
func checkBrowserRecords(t *testing.T, recs []fullRecord, base, page string) {
	t.Helper()
	for _, u := range append([]string{page, base + testsite.JSScriptPath, base + "/static/site.css"}, scriptLoaded(base)...) {
		if len(recordsOf(recs, "request", u)) == 0 || len(recordsOf(recs, "response", u)) == 0 {
			t.Errorf("browser capture: %d request and %d response records for %s, want both",
				len(recordsOf(recs, "request", u)), len(recordsOf(recs, "response", u)), u)
		}
	}
	if resp := recordsOf(recs, "response", base+testsite.JSFeedPath); len(resp) > 0 &&
		(!bytes.HasPrefix(resp[0].block, []byte("HTTP/1.1 200")) || !bytes.Contains(resp[0].block, []byte(testsite.JSParagraph))) {
		t.Errorf("the feed's response record is not the server's response: %.300q", resp[0].block)
	}
	shots := recordsOf(recs, "resource", "urn:view:"+page)
	if len(shots) != 1 {
		var views []string
		for _, r := range recs {
			if r.typ == "resource" {
				views = append(views, r.uri)
			}
		}
		t.Errorf("%d resource records at urn:view:%s, want 1 (resource records: %q)", len(shots), page, views)
	} else {
		if shots[0].contentType != "image/png" {
			t.Errorf("screenshot Content-Type %q, want image/png", shots[0].contentType)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(shots[0].block))
		switch {
		case err != nil || format != "png":
			t.Errorf("the screenshot is not a PNG: %s %v", format, err)
		case cfg.Width < 200 || cfg.Height < testsite.JSSpacerHeight:
			t.Errorf("screenshot %d×%d: want the whole page, at least %d pixels tall, not the viewport", cfg.Width, cfg.Height, testsite.JSSpacerHeight)
		}
	}
	md := metadataOf(t, recs, page)
	if !strings.Contains(md.Text, testsite.JSParagraph) {
		t.Errorf("the metadata text lacks the paragraph the script wrote: %q", md.Text)
	}
	if !strings.Contains(md.Title, testsite.JSHeadline) {
		t.Errorf("metadata title %q, want the rendered page's (%q)", md.Title, testsite.JSHeadline)
	}
	for _, p := range testsite.JSImages {
		if !contains(md.Requisites, base+p) {
			t.Errorf("the metadata requisites lack the photo %s that the rendered page shows: %q", p, md.Requisites)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// With the live site stopped, the browser capture replays in Chromium with
// the script's text and every photo, from the archive alone.
func TestBrowserCaptureReplaysWithTheSiteGone(t *testing.T) {
	site := testsite.NewJSNewsSite(t, 0)
	page := testsite.StoryURL(site.HTTP)
	archive := filepath.Join(t.TempDir(), "archive")
	r := vellum(t, nil, append(captureArgs(site, site.HTTP.URL, archive), "--browser", page)...)
	if r.code != 0 {
		t.Fatalf("browser capture: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	ts := capturedTS(t, seedLine(t, r, page))
	site.Close()

	ui, content := startServe(t, archive)
	b := newBrowser(t)
	b.open(t, ui+"/web/"+ts+"/"+page)
	frame := content + "/web/" + ts + "mp_/"
	waitFrame(t, b, frame, `document.documentElement.getAttribute("data-story") === "ready"`,
		`document.documentElement.getAttribute("data-story")`)
	if txt := evalFrame[string](t, b, frame, `document.body.innerText`); !strings.Contains(txt, testsite.JSParagraph) {
		t.Errorf("the replayed page lacks the script's paragraph; its text: %.500q", txt)
	}
	// The photos come once scrolled to, as they did live.
	allShown := fmt.Sprintf(`(() => { window.scrollTo(0, document.documentElement.scrollHeight);
		const imgs = Array.from(document.querySelectorAll("#gallery img"));
		return imgs.length === %d && imgs.every(i => i.complete && i.naturalWidth > 0); })()`, len(testsite.JSImages))
	waitFrame(t, b, frame, allShown, `Array.from(document.querySelectorAll("#gallery img")).map(i => i.src + " " + i.naturalWidth).join(", ")`)
	b.settle()
	if out := b.requestsOutside(ui, content); len(out) > 0 {
		t.Errorf("the replayed page made requests outside the replay origins: %v", out)
	}
	for _, p := range testsite.JSImages {
		if st := b.archivedStatus(content, site.HTTP.URL+p); st != 200 {
			t.Errorf("%s: status %d from the archive; requests: %s", p, st, b.requestsFor(p))
		}
	}
}

// waitFrame polls a boolean expression in the content frame until it holds
// (at most 20 s); then it fails with what describe evaluates to.
func waitFrame(t *testing.T, b *browser, frame, cond, describe string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !evalFrame[bool](t, b, frame, cond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 20 s, %s is still false; %s: %v", cond, describe, evalFrame[any](t, b, frame, describe))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The fixture itself, in Chromium without Vellum: the story builds itself
// from its feed, the font loads, and the photos come only once scrolled to.
// (The browser capture tests rely on this.)
func TestJSNewsPageBuildsItselfInChromium(t *testing.T) {
	site := testsite.NewJSNewsSite(t, 0)
	b := newBrowser(t)
	b.open(t, testsite.StoryURL(site.HTTP))
	if got := eval[string](t, b, `document.documentElement.getAttribute("data-story") || ""`); got != "ready" {
		t.Fatalf("data-story %q", got)
	}
	if !strings.Contains(eval[string](t, b, `document.body.innerText`), testsite.JSParagraph) {
		t.Errorf("the paragraph from the feed is not on the page")
	}
	if got := eval[string](t, b, `document.fonts.ready.then(() => document.documentElement.getAttribute("data-font") || "")`); got != "loaded" {
		t.Errorf("FontFace: %q", got)
	}
	if h := eval[int](t, b, `document.documentElement.scrollHeight`); h < testsite.JSSpacerHeight {
		t.Errorf("page height %d", h)
	}
	for _, p := range testsite.JSImages {
		if n := site.Count(p); n != 0 {
			t.Errorf("%s was requested before the page was scrolled", p)
		}
	}
	eval[bool](t, b, `(window.scrollTo(0, document.documentElement.scrollHeight), true)`)
	deadline := time.Now().Add(10 * time.Second)
	for !eval[bool](t, b, `Array.from(document.querySelectorAll("#gallery img")).filter(i => i.complete && i.naturalWidth > 0).length === `+fmt.Sprint(len(testsite.JSImages))) {
		if time.Now().After(deadline) {
			t.Fatalf("the photos did not appear after scrolling; requests: %s", b.requestsFor("/live/img/"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, p := range append([]string{testsite.JSFeedPath, testsite.JSFontPath}, testsite.JSImages...) {
		if n := site.Count(p); n != 1 {
			t.Errorf("%s requested %d times, want 1", p, n)
		}
	}
}
