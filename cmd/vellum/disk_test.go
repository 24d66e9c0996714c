package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vellumhq/vellum/internal/testsite"
)

// tinyDisk mounts a small tmpfs for the test, or reports why it cannot.
func tinyDisk(t *testing.T, size string) (string, bool) {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Logf("cannot mount a tmpfs to fill (needs root): %v %s", err, out)
		return "", false
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir, true
}

// TestFullDiskDuringCapture fills the archive's disk mid-capture: the
// capture says so in one line, and once space is back every record written
// before the disk filled is intact and indexed.
func TestFullDiskDuringCapture(t *testing.T) {
	disk, ok := tinyDisk(t, "3m")
	if !ok {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must be able to mount a tmpfs for this test")
		}
		return
	}
	site := testsite.New(t)
	bad := testsite.NewBad(t)
	archive := filepath.Join(disk, "archive")
	r := vellum(t, nil, "capture", "--archive", archive, "--delay", "0", "--max-size", "8000000", "--retries", "0",
		site.ArticleURL(), bad.URL+"/noise", site.URL("/about.html"))
	if r.code == 0 || !strings.Contains(r.stdout, "no space left on device") {
		t.Fatalf("capture on a full disk: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	if testing.Verbose() {
		t.Logf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "ok ") {
		t.Errorf("the article, captured before the disk filled, should be ok:\n%s", r.stdout)
	}
	if last := lastLine(r.stderr); !strings.Contains(last, "is full") || !strings.Contains(last, archive) {
		t.Errorf("last stderr line %q", last)
	}
	// Space comes back: the next command repairs what the failed write left.
	if out, err := exec.Command("mount", "-o", "remount,size=64m", disk).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v %s", err, out)
	}
	ix := vellum(t, nil, "index", "--archive", archive)
	if ix.code != 0 {
		t.Fatalf("index after the disk was freed: %s%s", ix.stdout, ix.stderr)
	}
	if v := vellum(t, nil, "verify", archive); v.code != 0 {
		t.Errorf("WARCs after a full disk do not verify:\n%s", v.stdout)
	}
	cdx := vellum(t, nil, "index", "--archive", archive)
	if !strings.Contains(cdx.stdout, "captures") {
		t.Errorf("index: %s", cdx.stdout)
	}
	_, content := startServe(t, archive)
	site.Main.Close()
	res := getBody(t, content+"/web/2099/"+site.ArticleURL())
	if !strings.Contains(res, "Borderland river floods") {
		t.Errorf("the article captured before the disk filled does not replay")
	}
}
