package replay

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTimeMapListsACaptureInTwoFilesOnce: the same capture in two files (a
// copy of a WARC file beside it) is one memento: TimeMaps list it once.
func TestTimeMapListsACaptureInTwoFilesOnce(t *testing.T) {
	f := storyArchive(t, Options{})
	data, err := os.ReadFile(filepath.Join(f.root, filepath.FromSlash(f.files[0])))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(filepath.Join(f.root, filepath.FromSlash(f.files[0])))
	if err := os.WriteFile(filepath.Join(dir, "copy-00000.warc.gz"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := f.idx.Rebuild(context.Background(), f.root); err != nil {
		t.Fatal(err)
	}
	if all, _ := f.idx.Captures(context.Background(), "example,news)/story.html"); len(all) != 6 {
		t.Fatalf("the copy is not indexed: %d captures of the story", len(all))
	}
	link := body(t, f.get(t, "/web/timemap/link/"+story))
	for _, ts := range []string{"20140812093000", "20140813093000", "20150102030405"} {
		if n := strings.Count(link, "</web/"+ts+"/"+story+">"); n != 1 {
			t.Errorf("link TimeMap lists the memento of %s %d times:\n%s", ts, n, link)
		}
	}
	if js := body(t, f.get(t, "/web/timemap/json/"+story)); strings.Count(js, "\n") != 3 {
		t.Errorf("JSON TimeMap:\n%s", js)
	}
	// The calendar lists the captures of a year: 2014's at /web/2014*/.
	if cal := body(t, f.get(t, "/web/2014*/"+story)); strings.Count(cal, `href="/web/20140812093000/`+story+`"`) != 1 {
		t.Errorf("calendar lists the first capture other than once:\n%s", cal)
	}
}

// TestRedirectToTheClosestMementoIsNoMemento: /web/2014/<url> redirects to
// the closest memento; only the memento carries Memento-Datetime.
func TestRedirectToTheClosestMementoIsNoMemento(t *testing.T) {
	f := storyArchive(t, Options{})
	r := f.get(t, "/web/2014/"+story)
	if r.StatusCode != http.StatusFound || r.Header.Get("Location") != "/web/20150102030405/"+story {
		t.Fatalf("redirect: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if md := r.Header.Get("Memento-Datetime"); md != "" {
		t.Errorf("the redirect carries Memento-Datetime %q", md)
	}
	if !strings.Contains(r.Header.Get("Link"), `rel="timemap"`) {
		t.Errorf("the redirect has no Link to the TimeMap: %q", r.Header.Get("Link"))
	}
	if m := f.get(t, "/web/20150102030405/"+story); m.StatusCode != 200 || m.Header.Get("Memento-Datetime") != "Fri, 02 Jan 2015 03:04:05 GMT" {
		t.Errorf("memento: %d, Memento-Datetime %q", m.StatusCode, m.Header.Get("Memento-Datetime"))
	}
}
