package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/vellumhq/vellum/internal/testsite"
	"github.com/vellumhq/vellum/warc"
)

// cdxjByURL returns, for each URL, the CDXJ JSON fields of the lines listing it.
func cdxjByURL(t *testing.T, lines []string) map[string][]map[string]string {
	t.Helper()
	out := map[string][]map[string]string{}
	for _, l := range lines {
		parts := strings.SplitN(l, " ", 3)
		if len(parts) != 3 {
			t.Fatalf("bad CDXJ line %q", l)
		}
		var f map[string]string
		if err := json.Unmarshal([]byte(parts[2]), &f); err != nil {
			t.Fatalf("bad CDXJ JSON %q: %v", l, err)
		}
		out[f["url"]] = append(out[f["url"]], f)
	}
	return out
}

// TestOtherToolsNeverTakeTheMetadataForThePage: the article metadata is
// written at urn:pageinfo:<url>, so a pywb-like indexer (npm warcio's
// cdx-index, which skips the same records pywb does) lists only the
// response under the page's URL, and replay elsewhere cannot serve the JSON
// in place of the page.
func TestOtherToolsNeverTakeTheMetadataForThePage(t *testing.T) {
	site := testsite.New(t)
	archive, warcPath := captureArticle(t, site)
	page := site.ArticleURL()

	var metaAt []string
	for _, r := range archiveRecords(t, archive, "") {
		if r.typ == warc.TypeMetadata {
			metaAt = append(metaAt, r.uri)
		}
	}
	found := false
	for _, u := range metaAt {
		if !strings.HasPrefix(u, "urn:pageinfo:") {
			t.Errorf("metadata record at %q: not under urn:pageinfo:", u)
		}
		found = found || u == "urn:pageinfo:"+page
	}
	if !found {
		t.Errorf("no metadata record at urn:pageinfo:%s; metadata records at %q", page, metaAt)
	}

	theirs := cdxjByURL(t, warcioCDXJ(t, warcPath))
	if got := theirs[page]; len(got) != 1 || got[0]["mime"] != "text/html" || got[0]["status"] != "200" {
		t.Errorf("warcio (a pywb-like indexer) lists under the page's URL %v, want only its HTML response", got)
	}
	if got := theirs["urn:pageinfo:"+page]; len(got) != 1 || got[0]["mime"] != "application/json" {
		t.Errorf("warcio lists under urn:pageinfo: %v, want the metadata record", got)
	}

	data, err := os.ReadFile(strings.TrimSuffix(warcPath, ".warc.gz") + ".cdxj")
	if err != nil {
		t.Fatal(err)
	}
	ours := cdxjByURL(t, strings.Split(strings.TrimSpace(string(data)), "\n"))
	if got := ours[page]; len(got) != 1 || got[0]["mime"] != "text/html" {
		t.Errorf("our CDXJ lists under the page's URL %v, want only its response", got)
	}

	// The calendar still has the page's title, read from the new form.
	ui, _ := startServe(t, archive)
	if body := getBody(t, ui+"/web/*/"+page); !strings.Contains(body, "Borderland river floods for the third time") {
		t.Errorf("the calendar has no title:\n%.400s", body)
	}
}
