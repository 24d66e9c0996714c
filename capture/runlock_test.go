//go:build unix

package capture

import (
	"errors"
	"testing"

	"github.com/vellumhq/vellum/index"
)

func TestRunLockKeepsASecondProcessOff(t *testing.T) {
	dir := t.TempDir()
	const id = "20261125T120000Z-abcd"
	if runLive(dir, id) {
		t.Fatal("a run nobody started is live")
	}
	l, err := lockRun(dir, id)
	if err != nil {
		t.Fatal(err)
	}
	if !runLive(dir, id) {
		t.Error("a held run is not live")
	}
	// Another open file description, as another process would have.
	if _, err := lockRun(dir, id); !errors.Is(err, errRunBusy) {
		t.Errorf("second lock: %v, want errRunBusy", err)
	}
	l.release()
	if runLive(dir, id) {
		t.Error("a released run is still live")
	}
	l2, err := lockRun(dir, id)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	l2.release()
}

func TestAResumedRunWalksRedirectsAgain(t *testing.T) {
	a := &archived{
		caps: map[string]index.Capture{
			"http://h/go":   {URL: "http://h/go", Type: "response", MIME: "text/html", Status: 302, RecordID: "r1"},
			"http://h/page": {URL: "http://h/page", Type: "response", MIME: "text/html", Status: 200, RecordID: "r2"},
			"http://h/meta": {URL: "http://h/meta", Type: "response", MIME: "text/html", Status: 200, RecordID: "r3"},
			"http://h/img":  {URL: "http://h/img", Type: "response", MIME: "image/png", Status: 200, RecordID: "r4"},
			"http://h/same": {URL: "http://h/same", Type: "revisit", MIME: "warc/revisit", Status: 200, RecordID: "r5"},
		},
		withMeta: map[string]bool{"r3": true},
	}
	for u, want := range map[string]bool{
		"http://h/go":   false, // its target is not in the frontier: follow it again
		"http://h/page": false, // its metadata record was lost
		"http://h/meta": true,
		"http://h/img":  true,
		"http://h/same": true,
		"http://h/none": false,
	} {
		if got := a.complete(u); got != want {
			t.Errorf("complete(%s) = %v, want %v", u, got, want)
		}
	}
}
