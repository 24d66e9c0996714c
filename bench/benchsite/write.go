package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// writeSite writes every URL of s under dir as a static web server would serve
// it: / as index.html, every other path as the file of that name. The bodies
// are the ones served from memory (not gzipped: the server that serves dir
// compresses), so a capture of either has the same content.
func writeSite(s *site, dir string) error {
	for _, p := range s.paths {
		name := p
		if strings.HasSuffix(name, "/") {
			name += "index.html"
		}
		f := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(name, "/")))
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
		if err := os.WriteFile(f, s.res[p].body, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
	}
	return nil
}
