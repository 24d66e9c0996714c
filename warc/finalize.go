package warc

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// finalize makes the current file final: flush, fsync, CDXJ beside it, rename,
// fsync of the directory. The next file gets a new warcinfo ID. Called with
// fw.mu held.
func (fw *FileWriter) finalize() (ClosedFile, error) {
	c := fw.cur
	fw.cur = nil
	fw.infoID = fw.enc.newID()
	c.flushTimer.Stop()
	defer c.f.Close()      // releases the lock, after the rename
	defer c.cdxj.discard() // on failure; commit discards it too
	fail := func(err error) (ClosedFile, error) {
		c.removeIfEmpty()
		return ClosedFile{}, fmt.Errorf("warc: close %s: %w", c.openPath, err)
	}
	sum, err := c.out.finish()
	if err != nil {
		return fail(err)
	}
	if err := c.f.Sync(); err != nil {
		return fail(err)
	}
	if err := c.cdxj.commit(cdxjPath(c.finalPath)); err != nil {
		return ClosedFile{}, err
	}
	if err := os.Rename(c.openPath, c.finalPath); err != nil {
		return fail(err)
	}
	if err := syncDir(filepath.Dir(c.finalPath)); err != nil {
		return ClosedFile{}, err
	}
	abs, err := filepath.Abs(c.finalPath)
	if err != nil {
		abs = c.finalPath
	}
	return ClosedFile{Path: abs, Filename: c.rel, Size: c.w.Offset(), SHA256: sum, Records: c.records}, nil
}

// syncDir fsyncs a directory so that renames in it are durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("warc: sync dir %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("warc: sync dir %s: %w", dir, err)
	}
	return nil
}

// cdxjPath returns the CDXJ path beside a WARC: "x-00001.warc.gz" → "x-00001.cdxj".
func cdxjPath(warcPath string) string {
	p := strings.TrimSuffix(warcPath, ".open")
	for _, ext := range []string{".gz", ".warc"} {
		p = strings.TrimSuffix(p, ext)
	}
	return p + ".cdxj"
}

// relSlash returns path relative to root, slash-separated.
func relSlash(root, path string) (string, error) {
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return "", err
	}
	return filepath.ToSlash(rel), nil
}
