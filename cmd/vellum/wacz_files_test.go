package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestWACZFilesLeftAndModes: an archive's own export imported into it adds
// nothing; a failed export leaves nothing in its folder; an exported WACZ
// and an imported WARC have the mode of the files capture writes (0644 less
// the umask), not os.CreateTemp's 0600.
func TestWACZFilesLeftAndModes(t *testing.T) {
	archive, _, _ := captureFixture(t)
	dir := t.TempDir()
	ref, err := os.OpenFile(filepath.Join(t.TempDir(), "ref"), os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	refInfo, _ := ref.Stat()
	ref.Close()
	want := refInfo.Mode().Perm()

	out := filepath.Join(dir, "x.wacz")
	if r := vellum(t, nil, "export", "--archive", archive, "--wacz", out); r.code != 0 {
		t.Fatalf("export: %d %s%s", r.code, r.stdout, r.stderr)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != want {
		t.Errorf("exported WACZ: %v %v, want mode %v", fi.Mode(), err, want)
	}

	r := vellum(t, nil, "import", "--archive", archive, out)
	if r.code != 0 || strings.Contains(r.stdout, "added") ||
		!regexp.MustCompile(`(?m)^\S+\.warc\.gz: already in the archive as warcs/\d{4}/`).MatchString(r.stdout) {
		t.Errorf("import of the archive's own export: %d %s%s", r.code, r.stdout, r.stderr)
	}

	fresh := filepath.Join(t.TempDir(), "fresh")
	if r := vellum(t, nil, "import", "--archive", fresh, out); r.code != 0 {
		t.Fatalf("import: %d %s%s", r.code, r.stdout, r.stderr)
	}
	imported, _ := filepath.Glob(filepath.Join(fresh, "warcs", "imported", "*", "*"))
	if len(imported) == 0 {
		t.Fatal("nothing imported")
	}
	for _, p := range imported {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("imported %s: %v %v, want mode %v", p, fi.Mode(), err, want)
		}
	}

	// The WARC files gone from under the index: the export fails midway.
	warcs := filepath.Join(archive, "warcs")
	if err := os.Rename(warcs, warcs+".away"); err != nil {
		t.Fatal(err)
	}
	failDir := t.TempDir()
	r = vellum(t, nil, "export", "--archive", archive, "--wacz", filepath.Join(failDir, "y.wacz"))
	if err := os.Rename(warcs+".away", warcs); err != nil {
		t.Fatal(err)
	}
	if r.code == 0 {
		t.Fatalf("export without its WARC files succeeded: %s", r.stdout)
	}
	if left, _ := os.ReadDir(failDir); len(left) != 0 {
		var names []string
		for _, e := range left {
			names = append(names, e.Name())
		}
		t.Errorf("a failed export left %v in its folder", names)
	}
}
