package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteSite: every URL of the site is a file under the folder with the
// bytes benchsite serves, / as index.html, and nothing else is written.
func TestWriteSite(t *testing.T) {
	s, err := newSite(3, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := writeSite(s, dir); err != nil {
		t.Fatal(err)
	}
	files := 0
	err = filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if files != len(s.paths) {
		t.Errorf("%d files written, want one per URL: %d", files, len(s.paths))
	}
	for _, p := range s.paths {
		name := strings.TrimPrefix(p, "/")
		if p == "/" {
			name = "index.html"
		}
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Errorf("URL %s: %v", p, err)
			continue
		}
		if !bytes.Equal(got, s.res[p].body) {
			t.Errorf("URL %s: file holds %d bytes that differ from the %d served", p, len(got), len(s.res[p].body))
		}
	}
}
