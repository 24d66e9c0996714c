package warc

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// finalize makes the current file final: fsync, CDXJ beside it, rename, fsync
// of the directory. The next file gets a new warcinfo ID. Called with fw.mu held.
func (fw *FileWriter) finalize() (ClosedFile, error) {
	c := fw.cur
	fw.cur = nil
	fw.infoID = fw.enc.newID()
	defer c.f.Close() // releases the lock, after the rename
	fail := func(err error) (ClosedFile, error) {
		return ClosedFile{}, fmt.Errorf("warc: close %s: %w", c.openPath, err)
	}
	sum, err := c.hasher.finish(c.w.Offset())
	if err != nil {
		return fail(err)
	}
	if err := c.f.Sync(); err != nil {
		return fail(err)
	}
	if err := writeCDXJ(cdxjPath(c.finalPath), c.cdxj); err != nil {
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

// writeCDXJ writes lines, sorted bytewise, to path through a temporary file
// that is fsynced and renamed into place.
func writeCDXJ(path string, lines []string) error {
	sort.Strings(lines)
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("warc: write %s: %w", path, err)
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	_, err = f.WriteString(b.String())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("warc: write %s: %w", path, err)
	}
	return nil
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
