package capture_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/vellumhq/vellum/internal/testsite"
)

// pageMetadata returns the JSON of the metadata record written for the
// response record of url (found by WARC-Concurrent-To, whatever its target).
func pageMetadata(t *testing.T, recs []rec, url string) map[string]any {
	t.Helper()
	resp := one(t, recs, "response", url)
	id := resp.Header.Get("WARC-Record-ID")
	for _, r := range recs {
		if r.Type() != "metadata" || r.Header.Get("WARC-Concurrent-To") != id {
			continue
		}
		var md map[string]any
		if err := json.Unmarshal(r.Block, &md); err != nil {
			t.Fatalf("metadata of %s: %v", url, err)
		}
		return md
	}
	t.Fatalf("no metadata record for %s", url)
	return nil
}

// entityOf returns the body of a recorded HTTP response as the server sent
// it (chunk framing removed, any Content-Encoding kept).
func entityOf(t *testing.T, block []byte) []byte {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(block)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// TestParseBombsAreBoundedAndArchivedWhole captures pages that are cheap to
// send and costly to parse. Each must end ok with its response record
// holding every byte sent, its requisites before the bound found, and its
// metadata record saying what was not read.
func TestParseBombsAreBoundedAndArchivedWhole(t *testing.T) {
	srv := testsite.NewBombs(t)
	gzipBomb := func(size int64) []byte {
		var b bytes.Buffer
		if err := testsite.WriteGzipBomb(&b, size); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	cases := []struct {
		name, path  string
		sent        []byte
		truncated   bool // links and metadata come from the start of the page only
		textSkipped bool
		late        bool // /late.png is after the bound
	}{
		// 1 GiB of <p> from about 1 MB of gzip.
		{name: "gzip bomb", path: "/gzip-bomb?size=1073741824", sent: gzipBomb(1 << 30), truncated: true, textSkipped: true},
		// 8 MiB of <p> from about 8 KB of gzip.
		{name: "small gzip bomb", path: "/gzip-bomb?size=8388608", sent: gzipBomb(8 << 20), truncated: true, textSkipped: true},
		// 12 MiB of links, the last requisite after them.
		{name: "links", path: "/links?size=12582912", sent: testsite.LinksPage(12 << 20), truncated: true, textSkipped: true, late: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			seed := srv.URL + tc.path
			res := run(t, cfg, seed)
			if !res.Seeds[0].OK() {
				t.Errorf("seed: %s", res.Seeds[0].Line())
			}
			recs := readArchive(t, cfg.Archive) // and every WARC verifies
			resp := one(t, recs, "response", seed)
			if body := entityOf(t, resp.Block); !bytes.Equal(body, tc.sent) {
				t.Errorf("response record holds %d body bytes, %d were sent", len(body), len(tc.sent))
			}
			if len(find(recs, "response", srv.URL+"/early.png")) != 1 {
				t.Error("the requisite before the filler was not captured")
			}
			if got := len(find(recs, "response", srv.URL+"/late.png")); tc.late && got != 0 {
				t.Error("a requisite after the parse bound was captured")
			}
			md := pageMetadata(t, recs, seed)
			if tr, _ := md["truncated"].(string); tc.truncated != (tr != "") {
				t.Errorf("metadata truncated = %q, want it set: %v", tr, tc.truncated)
			}
			if ts, _ := md["text_skipped"].(string); tc.textSkipped != (ts != "") {
				t.Errorf("metadata text_skipped = %q, want it set: %v", ts, tc.textSkipped)
			}
			if md["title"] != "Bomb" {
				t.Errorf("title %q: the page's head was not read", md["title"])
			}
		})
	}
}

// TestDeeplyNestedPageKeepsItsLinks captures a page of 1,000,000 nested
// <div>s: its requisite and link after them are still found, and the
// metadata record says the text could not be extracted.
func TestDeeplyNestedPageKeepsItsLinks(t *testing.T) {
	srv := testsite.NewBombs(t)
	for _, n := range []int{1_000_000, 600} {
		t.Run(strconv.Itoa(n)+" divs", func(t *testing.T) {
			cfg := testConfig(t)
			cfg.Depth = 1
			seed := srv.URL + "/deep?n=" + strconv.Itoa(n)
			res := run(t, cfg, seed)
			if !res.Seeds[0].OK() {
				t.Errorf("seed: %s", res.Seeds[0].Line())
			}
			recs := readArchive(t, cfg.Archive)
			for _, u := range []string{"/early.png", "/deep.png", "/after-deep"} {
				if len(find(recs, "response", srv.URL+u)) != 1 {
					t.Errorf("%s not captured", u)
				}
			}
			md := pageMetadata(t, recs, seed)
			if ts, _ := md["text_skipped"].(string); ts == "" {
				t.Errorf("metadata does not say the text was not extracted: %v", md["text_skipped"])
			}
			if md["title"] != "Bomb" {
				t.Errorf("title %q", md["title"])
			}
		})
	}
}
