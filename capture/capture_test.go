package capture_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http/httputil"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/capture/extract"
	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/internal/testsite"
	"github.com/vellumhq/vellum/warc"
)

func TestArticleIsArchivedExactlyWithEveryRequisite(t *testing.T) {
	site := testsite.New(t)
	cfg := testConfig(t)
	res := run(t, cfg, site.ArticleURL())

	if len(res.Seeds) != 1 || !res.Seeds[0].OK() {
		t.Fatalf("seed result: %+v", res.Seeds)
	}
	seed := res.Seeds[0]
	if seed.Status != 200 || len(seed.Timestamp) != 14 {
		t.Errorf("status %d, timestamp %q", seed.Status, seed.Timestamp)
	}
	if want := "/web/" + seed.Timestamp + "/" + site.ArticleURL(); seed.ReplayPath() != want {
		t.Errorf("replay path %q, want %q", seed.ReplayPath(), want)
	}

	recs := readArchive(t, cfg.Archive)
	if recs[0].Type() != "warcinfo" {
		t.Errorf("first record is %s, want warcinfo", recs[0].Type())
	}
	info := string(recs[0].Block)
	for _, want := range []string{"software: Vellum/", "run-id: " + res.RunID, "robots: obey"} {
		if !strings.Contains(info, want) {
			t.Errorf("warcinfo lacks %q:\n%s", want, info)
		}
	}

	// The article's response record holds exactly the bytes the server wrote.
	resp := one(t, recs, "response", site.ArticleURL())
	if !bytes.Equal(resp.Block, site.ArticleBytes()) {
		t.Errorf("article response block differs from the server's bytes (%d vs %d bytes)", len(resp.Block), len(site.ArticleBytes()))
	}
	// Its payload digest covers the de-chunked, still gzipped entity.
	_, chunked := httpBody(site.ArticleBytes())
	entity, err := io.ReadAll(httputil.NewChunkedReader(bytes.NewReader(chunked)))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(entity)
	if got, want := resp.Header.Get("WARC-Payload-Digest"), "sha256:"+hex.EncodeToString(sum[:]); got != want {
		t.Errorf("payload digest %s, want %s", got, want)
	}
	if resp.Header.Get("WARC-IP-Address") != "127.0.0.1" {
		t.Errorf("WARC-IP-Address %q", resp.Header.Get("WARC-IP-Address"))
	}
	// The request record is the request as sent, like a browser's.
	req := one(t, recs, "request", site.ArticleURL())
	if !strings.HasPrefix(string(req.Block), "GET "+testsite.ArticlePath+" HTTP/1.1\r\n") ||
		!strings.Contains(string(req.Block), "\r\nAccept-Encoding: gzip\r\n") {
		t.Errorf("request record (%d bytes, %v):\n%s", len(req.Block), req.Header.Fields(), req.Block)
	}
	if req.Header.Get("WARC-Concurrent-To") != resp.Header.Get("WARC-Record-ID") {
		t.Errorf("request not concurrent to its response")
	}

	// Every requisite, on the site and on the CDN, once; robots.txt of both hosts too.
	for _, p := range testsite.MainRequisites {
		one(t, recs, "response", site.URL(p))
		if n := site.HitCount(p); n != 1 {
			t.Errorf("%s fetched %d times, want once", p, n)
		}
	}
	for _, p := range testsite.CDNRequisites {
		one(t, recs, "response", site.CDN.URL+p)
	}
	one(t, recs, "response", site.URL("/robots.txt"))
	one(t, recs, "response", site.CDN.URL+"/robots.txt")
	if n := site.HitCount("/img/not-a-requisite.png"); n != 0 {
		t.Errorf("a URL inside a CSS comment was fetched")
	}
	// Depth 0: linked pages are not captured.
	if n := site.HitCount("/2014/08/other.html"); n != 0 {
		t.Errorf("depth 0 fetched a linked page")
	}
	for _, h := range site.Hits() {
		if h.Path == "/img/lead-400.jpg" && h.Header.Get("Referer") != site.ArticleURL() {
			t.Errorf("requisite fetched without the page as Referer: %q", h.Header.Get("Referer"))
		}
	}

	checkArticleMetadata(t, recs, site, resp.Header.Get("WARC-Record-ID"))
	checkIndexRebuild(t, cfg.Archive, site)
}

func checkArticleMetadata(t *testing.T, recs []rec, site *testsite.Site, respID string) {
	t.Helper()
	meta := one(t, recs, "metadata", warc.PageInfoURI(site.ArticleURL()))
	if meta.Header.Get("Content-Type") != "application/json" || meta.Header.Get("WARC-Concurrent-To") != respID {
		t.Errorf("metadata record header: %v", meta.Header.Fields())
	}
	var md extract.Metadata
	if err := json.Unmarshal(meta.Block, &md); err != nil {
		t.Fatalf("metadata JSON: %v\n%s", err, meta.Block)
	}
	want := extract.Metadata{
		Title:        "Borderland river floods for the third time this year",
		Authors:      []string{"Ada Reporter", "Ben Photographer"},
		Published:    "2014-08-12T09:30:00+02:00",
		SiteName:     "The Example Gazette",
		CanonicalURL: site.ArticleURL(),
		Language:     "en",
		Description:  "Residents of the Borderland valley are cleaning up after the third flood of the year.",
		Image:        site.CDN.URL + "/cdn/og-lead.jpg",
	}
	got := md
	got.Text, got.Outlinks, got.Requisites = "", nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("metadata\n got %+v\nwant %+v", got, want)
	}
	if !strings.Contains(md.Text, testsite.ArticleText) || strings.Contains(md.Text, "All rights reserved") {
		t.Errorf("main text wrong: %q", md.Text)
	}
	if !contains(md.Outlinks, site.URL("/2014/08/other.html")) || !contains(md.Requisites, site.URL("/img/lazy.png")) {
		t.Errorf("outlinks %v / requisites %v", md.Outlinks, md.Requisites)
	}
}

// checkIndexRebuild compares the index filled during the capture with one
// rebuilt from the WARCs alone.
func checkIndexRebuild(t *testing.T, archive string, site *testsite.Site) {
	t.Helper()
	ctx := context.Background()
	idx, err := index.Open(ctx, filepath.Join(archive, layout.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	caps, _ := idx.AllCaptures(ctx)
	pages, _ := idx.AllPages(ctx)
	if len(caps) < len(testsite.MainRequisites)+4 || len(pages) != 1 {
		t.Fatalf("index after capture: %d captures, %d pages", len(caps), len(pages))
	}
	if pages[0].Title != "Borderland river floods for the third time this year" {
		t.Errorf("page title in index: %q", pages[0].Title)
	}
	st, err := idx.Rebuild(ctx, archive)
	if err != nil || len(st.Problems) > 0 {
		t.Fatalf("rebuild: %v %v", err, st.Problems)
	}
	caps2, _ := idx.AllCaptures(ctx)
	pages2, _ := idx.AllPages(ctx)
	if !reflect.DeepEqual(caps, caps2) {
		t.Errorf("rebuilt captures differ: %d vs %d rows", len(caps), len(caps2))
	}
	if !reflect.DeepEqual(pages, pages2) {
		t.Errorf("rebuilt pages differ: %d vs %d rows", len(pages), len(pages2))
		for i := range min(len(pages), len(pages2)) {
			a, b := reflect.ValueOf(pages[i]), reflect.ValueOf(pages2[i])
			for f := range a.NumField() {
				if !reflect.DeepEqual(a.Field(f).Interface(), b.Field(f).Interface()) {
					t.Errorf("page %d field %s: %q vs %q", i, a.Type().Field(f).Name, a.Field(f).Interface(), b.Field(f).Interface())
				}
			}
		}
	}
}

func TestDepthOneFollowsLinksInScopeAndObeysRobots(t *testing.T) {
	site := testsite.New(t)
	cfg := testConfig(t)
	cfg.Depth = 1
	cfg.Delay = 100 * time.Millisecond
	res := run(t, cfg, site.ArticleURL())
	if res.Failed() != 0 {
		t.Fatalf("seeds: %+v", res.Seeds)
	}
	recs := readArchive(t, cfg.Archive)
	for _, p := range []string{"/", "/2014/08/other.html", "/2014/08/story2.html", "/latin1.html", "/about.html"} {
		one(t, recs, "response", site.URL(p))
		one(t, recs, "metadata", warc.PageInfoURI(site.URL(p)))
	}
	// The 301 is its own request/response pair, then its target.
	redirect := one(t, recs, "response", site.URL("/old-story"))
	if !strings.HasPrefix(string(redirect.Block), "HTTP/1.1 301 ") {
		t.Errorf("redirect record: %.60q", redirect.Block)
	}
	one(t, recs, "request", site.URL("/old-story"))
	if n := site.HitCount("/private/secret.html"); n != 0 {
		t.Errorf("robots.txt disallowed /private/ but it was fetched %d times", n)
	}
	if n := site.HitCount("/elsewhere.html"); n != 0 {
		t.Errorf("a page on another host was followed with --scope host")
	}
	if n := site.HitCount("/css/site.css"); n != 1 {
		t.Errorf("a stylesheet shared by every page was fetched %d times", n)
	}
	// The latin-1 page's title comes out right.
	var md extract.Metadata
	if err := json.Unmarshal(one(t, recs, "metadata", warc.PageInfoURI(site.URL("/latin1.html"))).Block, &md); err != nil {
		t.Fatal(err)
	}
	if md.Title != testsite.Latin1Title {
		t.Errorf("latin-1 title %q", md.Title)
	}
	// Pages of one host are fetched one at a time with the delay between them.
	var pageTimes []time.Time
	for _, h := range site.Hits() {
		if strings.HasSuffix(h.Path, ".html") || h.Path == "/" || h.Path == "/old-story" {
			pageTimes = append(pageTimes, h.Time)
		}
	}
	for i := 1; i < len(pageTimes); i++ {
		if gap := pageTimes[i].Sub(pageTimes[i-1]); gap < 90*time.Millisecond {
			t.Errorf("two pages %s apart, delay is %s", gap, cfg.Delay)
		}
	}
}

func TestIgnoreRobotsFetchesDisallowedPages(t *testing.T) {
	site := testsite.New(t)
	cfg := testConfig(t)
	cfg.Depth = 1
	cfg.IgnoreRobots = true
	run(t, cfg, site.ArticleURL())
	if n := site.HitCount("/private/secret.html"); n != 1 {
		t.Errorf("--ignore-robots: /private/secret.html fetched %d times, want 1", n)
	}
	if n := site.HitCount("/robots.txt"); n != 0 {
		t.Errorf("--ignore-robots still fetched robots.txt")
	}
}

func TestMaxPagesAndPageScope(t *testing.T) {
	site := testsite.New(t)
	cfg := testConfig(t)
	cfg.Depth = 2
	cfg.MaxPages = 3
	run(t, cfg, site.ArticleURL())
	pages := 0
	for _, h := range site.Hits() {
		if strings.HasSuffix(h.Path, ".html") || h.Path == "/" || h.Path == "/old-story" {
			pages++
		}
	}
	if pages != 3 {
		t.Errorf("--max-pages 3 fetched %d pages", pages)
	}

	site2 := testsite.New(t)
	cfg2 := testConfig(t)
	cfg2.Depth, cfg2.Scope = 1, capture.ScopePage
	run(t, cfg2, site2.ArticleURL())
	if n := site2.HitCount("/2014/08/other.html"); n != 0 {
		t.Errorf("--scope page followed a link")
	}
}
