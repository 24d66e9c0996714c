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

// WriteCDXJ writes the CDXJ file beside the finished WARC file at path
// ("x.warc.gz" or "x.warc" → "x.cdxj"), sorted, as FileWriter does for the
// files it writes: for a WARC file of another tool brought into the archive,
// so that nodes reading only CDXJ files find it. filename is the name its
// lines give (relative to the archive root). A damaged file gets the lines of
// the records before the damage. It returns the CDXJ file's path.
func WriteCDXJ(path, filename string) (string, error) {
	cdxj := cdxjPath(path)
	spool, err := newCDXJSpool(cdxj)
	if err != nil {
		return "", err
	}
	defer spool.discard()
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("warc: cdxj of %s: %w", path, err)
	}
	defer f.Close()
	r, err := NewReader(f)
	if err != nil {
		return "", fmt.Errorf("warc: cdxj of %s: %w", path, err)
	}
	defer r.Close()
	for {
		rec, err := r.Next()
		if err != nil {
			break // io.EOF, or damage: the index reports it
		}
		e, err := EntryOf(rec, filename)
		if err != nil {
			break
		}
		if off, shared := rec.SharedMember(); shared {
			e.Offset, e.Length = off, 0 // as the index has it: no range reaches it alone
		}
		spool.add(e)
	}
	return cdxj, spool.commit(cdxj)
}
