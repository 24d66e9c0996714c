package wacz

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/warc"
)

// part copies the selected captures of a file, with the records that belong
// with them, into a new WARC file: each record byte for byte, in file order.
func (e *exporter) part(name string, offs map[int64]bool) error {
	path := filepath.Join(e.root, filepath.FromSlash(name))
	var ents []warc.Entry
	shared := false
	err := warc.ScanFile(path, name, func(en warc.Entry) error {
		if en.Length <= 0 {
			shared = true
			return errStopScan
		}
		ents = append(ents, en)
		return nil
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return fmt.Errorf("export %s: %w", name, err)
	}
	if shared {
		// One gzip stream holds several records: no record can be cut out
		// of it, so the file goes whole.
		return e.whole(name)
	}
	keep := linked(ents, offs)
	caps, err := e.src.CapturesOfFile(e.ctx, name)
	if err != nil {
		return err
	}
	byOff := make(map[int64]index.Capture, len(caps))
	for _, c := range caps {
		byOff[c.Offset] = c
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("export %s: %w", name, err)
	}
	defer f.Close()
	dst, err := e.w.CreateWARC(e.zipName(name, "-part"))
	if err != nil {
		return err
	}
	for i, en := range ents {
		if !keep[i] {
			continue
		}
		off := dst.Offset()
		if _, err := io.Copy(dst, io.NewSectionReader(f, en.Offset, en.Length)); err != nil {
			return fmt.Errorf("export %s at %d: %w", name, en.Offset, err)
		}
		if c, ok := byOff[en.Offset]; ok && offs[en.Offset] {
			if err := e.addCapture(dst, c, off); err != nil {
				return err
			}
		}
		if err := e.ctx.Err(); err != nil {
			return err
		}
	}
	if fi, err := f.Stat(); err == nil {
		e.tick(fi.Size())
	}
	e.st.Bytes += dst.Offset()
	e.st.PartFiles++
	return dst.Close()
}

var errStopScan = errors.New("stop")

// linked marks the records to copy: the selected captures, the records
// concurrent to them either way (requests, metadata) and the file's
// warcinfo records.
func linked(ents []warc.Entry, offs map[int64]bool) []bool {
	keep := make([]bool, len(ents))
	ids := map[string]bool{}
	for i, en := range ents {
		if offs[en.Offset] && warc.Indexed(en) {
			keep[i] = true
			ids[en.ID] = true
		}
	}
	// A record concurrent to a kept one is kept; one a kept record names
	// as concurrent is kept too.
	named := map[string]bool{}
	for i, en := range ents {
		if keep[i] && en.ConcurrentTo != "" {
			named[en.ConcurrentTo] = true
		}
	}
	for i, en := range ents {
		switch {
		case keep[i]:
		case en.Type == warc.TypeWarcinfo:
			keep[i] = true
		case en.ConcurrentTo != "" && ids[en.ConcurrentTo] && !warc.Indexed(en):
			keep[i] = true
		case named[en.ID] && !warc.Indexed(en):
			keep[i] = true
		}
	}
	return keep
}
