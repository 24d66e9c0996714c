package testsite_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/vellumhq/vellum/capture/extract"
	"github.com/vellumhq/vellum/internal/testsite"
)

func get(t *testing.T, c *http.Client, u string) (int, string, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// The static extractor finds the page's scripts and stylesheet but none of
// what the script loads: a static capture must miss the feed, the photos
// and the font, and the page's text is empty.
func TestJSPageHidesWhatTheScriptLoads(t *testing.T) {
	site := testsite.NewJSNewsSite(t, 0)
	page := testsite.StoryURL(site.HTTP)
	_, ct, body := get(t, http.DefaultClient, page)
	pu, _ := url.Parse(page)
	p, err := extract.ReadPage([]byte(body), "", ct, pu, true)
	if err != nil {
		t.Fatal(err)
	}
	reqs := p.Links().Requisites
	for _, want := range []string{"/static/app.js", "/static/vendor.js", "/static/site.css"} {
		if !slices.Contains(reqs, site.HTTP.URL+want) {
			t.Errorf("requisites %v lack %s", reqs, want)
		}
	}
	hidden := append([]string{testsite.JSFeedPath, testsite.JSFontPath}, testsite.JSImages...)
	for _, r := range reqs {
		for _, h := range hidden {
			if strings.HasSuffix(r, h) {
				t.Errorf("the static extractor finds %s in the page: a static capture would archive it", r)
			}
		}
	}
	if md := p.Metadata(); strings.Contains(md.Text, testsite.JSParagraph) || strings.Contains(body, "Night trains") {
		t.Errorf("the story's text is in the page's HTML")
	}
	// The script's URLs are in the feed and the script.
	_, _, feed := get(t, http.DefaultClient, site.HTTP.URL+testsite.JSFeedPath)
	var st struct {
		Headline   string
		Paragraphs []string
		Images     []struct{ Src string }
	}
	if err := json.Unmarshal([]byte(feed), &st); err != nil {
		t.Fatalf("feed: %v", err)
	}
	if st.Headline != testsite.JSHeadline || len(st.Paragraphs) == 0 || st.Paragraphs[0] != testsite.JSParagraph || len(st.Images) != len(testsite.JSImages) {
		t.Errorf("feed %s", feed)
	}
	_, _, js := get(t, http.DefaultClient, site.HTTP.URL+testsite.JSScriptPath)
	if !strings.Contains(js, "url("+testsite.JSFontPath+")") || !strings.Contains(js, "IntersectionObserver") {
		t.Errorf("app.js does not load the font by FontFace and the photos by IntersectionObserver")
	}
	for _, p := range append(hidden, testsite.JSArticlePath, testsite.JSEscapePath) {
		if code, _, _ := get(t, http.DefaultClient, site.HTTP.URL+p); code != 200 {
			t.Errorf("%s: %d", p, code)
		}
	}
	if n := site.Count(testsite.JSFeedPath); n != 2 {
		t.Errorf("feed requested %d times, counted %d", 2, n)
	}
}

// The https host serves the same site with a certificate that CAFile
// lets a client trust, and a client without it refuses.
func TestJSNewsSiteOverHTTPS(t *testing.T) {
	site := testsite.NewJSNewsSite(t, 0)
	if !strings.HasPrefix(site.HTTPS.URL, "https://127.0.0.2:") {
		t.Fatalf("https host at %s", site.HTTPS.URL)
	}
	if _, err := http.Get(testsite.StoryURL(site.HTTPS)); err == nil {
		t.Errorf("a client that does not trust CAFile reached the https host")
	}
	pemBytes, err := os.ReadFile(site.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("no certificate in %s", site.CAFile)
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if code, _, body := get(t, c, testsite.StoryURL(site.HTTPS)); code != 200 || !strings.Contains(body, `data-feed="/live/story.json"`) {
		t.Errorf("https story: %d %.80q", code, body)
	}
	site.Close()
	if _, err := c.Get(testsite.StoryURL(site.HTTPS)); err == nil {
		t.Errorf("the site still answers after Close")
	}
}

// The benchmark's site: "/" links every article; each has its feed and two
// or three photos of its own, and CrawlURLs counts what a browser fetches.
func TestGeneratedJSArticles(t *testing.T) {
	h := testsite.NewJSNews(5)
	srv := httptest.NewServer(h)
	defer srv.Close()
	seen := map[string]bool{"/robots.txt": true, "/": true, "/static/site.css": true, "/static/vendor.js": true,
		testsite.JSScriptPath: true, testsite.JSFontPath: true}
	_, _, index := get(t, http.DefaultClient, srv.URL+"/")
	for i := 1; i <= 5; i++ {
		page := "/a/" + string(rune('0'+i)) + ".html"
		if !strings.Contains(index, `href="`+page+`"`) {
			t.Fatalf("index does not link %s", page)
		}
		_, _, body := get(t, http.DefaultClient, srv.URL+page)
		feedPath := strings.TrimSuffix(page, ".html") + ".json"
		if !strings.Contains(body, `data-feed="`+feedPath+`"`) {
			t.Errorf("%s does not name its feed", page)
		}
		_, ct, feed := get(t, http.DefaultClient, srv.URL+feedPath)
		var st struct{ Images []struct{ Src string } }
		if err := json.Unmarshal([]byte(feed), &st); err != nil || ct != "application/json" {
			t.Fatalf("%s: %v %s", feedPath, err, ct)
		}
		if len(st.Images) != testsite.ArticleImages(i) {
			t.Errorf("%s: %d photos", feedPath, len(st.Images))
		}
		seen[page], seen[feedPath] = true, true
		for _, im := range st.Images {
			code, ct, png := get(t, http.DefaultClient, srv.URL+im.Src)
			if code != 200 || ct != "image/png" || !strings.HasPrefix(png, "\x89PNG") {
				t.Errorf("%s: %d %s", im.Src, code, ct)
			}
			seen[im.Src] = true
		}
	}
	if len(seen) != h.CrawlURLs() {
		t.Errorf("a browser crawl fetches %d URLs, CrawlURLs says %d", len(seen), h.CrawlURLs())
	}
	for _, p := range []string{"/a/0.html", "/a/6.html", "/a/01.html", "/a/img/2-3.png", "/a/img/1-4.png", "/a/1.css"} {
		if code, _, _ := get(t, http.DefaultClient, srv.URL+p); code != 404 {
			t.Errorf("%s: %d, want 404", p, code)
		}
	}
	req, uniq, nf := h.Stats()
	if nf != 6 || uniq < len(seen) || req < uniq {
		t.Errorf("stats: %d requests, %d unique, %d not found", req, uniq, nf)
	}
	h.Reset()
	if req, _, _ := h.Stats(); req != 0 {
		t.Errorf("Reset left %d requests", req)
	}
}
