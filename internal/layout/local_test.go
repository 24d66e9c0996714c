package layout

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestHaveLocal(t *testing.T) {
	archive := t.TempDir()
	name := Day(time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)) + "/a.warc.gz"
	have := HaveLocal(archive)
	if have(name) {
		t.Fatalf("HaveLocal(%s) before the file is there", name)
	}
	path := filepath.Join(archive, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !have(name) {
		t.Errorf("HaveLocal(%s) = false for a file in the archive", name)
	}
}
