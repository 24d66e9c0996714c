package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/vellumhq/vellum/internal/testsite"
)

// Seeds typed without a scheme all get http://, localhost:PORT included.
func TestCaptureSeedsWithoutAScheme(t *testing.T) {
	bad := testsite.NewBad(t)
	port := bad.URL[strings.LastIndexByte(bad.URL, ':')+1:]
	archive := filepath.Join(t.TempDir(), "archive")
	seeds := []string{"localhost:" + port + "/page.html", "127.0.0.1:" + port + "/photo.png"}
	r := vellum(t, nil, append([]string{"capture", "--archive", archive, "--delay", "0", "--no-progress"}, seeds...)...)
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, s := range seeds {
		if !strings.Contains(r.stdout, "ok     200 "+s+"  http://127.0.0.1:8080/web/") || !strings.Contains(r.stdout, "/http://"+s+"\n") {
			t.Errorf("no ok line replaying %s at http://%s:\n%s", s, s, r.stdout)
		}
	}
}
