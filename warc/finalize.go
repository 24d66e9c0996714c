package warc

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
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
	if err := c.f.Sync(); err != nil {
		return fail(err)
	}
	sum, err := c.hexSum()
	if err != nil {
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

// writeWarcinfo writes the warcinfo record that opens a file, with the given ID.
func (w *Writer) writeWarcinfo(id string, date time.Time, filename string, fields Header) (Entry, error) {
	block := appendFieldsBlock(nil, fields)
	rec := &Record{Type: TypeWarcinfo, ID: id, Date: date, ContentType: "application/warc-fields",
		Block: blockOf(block), BlockSize: int64(len(block))}
	if filename != "" {
		rec.Header.Add("WARC-Filename", filename)
	}
	p, err := w.enc.prepare(rec, "")
	if err != nil {
		return Entry{}, fmt.Errorf("warc: write warcinfo: %w", err)
	}
	e, err := w.writePrepared(p)
	if err == nil {
		w.warcinfoID = e.ID
	}
	return e, err
}
