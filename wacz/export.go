package wacz

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/warc"
)

// Source is what Export reads of an archive's index.
type Source interface {
	CaptureCounts(ctx context.Context) (map[string]int64, error)
	CapturesOfFile(ctx context.Context, filename string) ([]index.Capture, error)
	PageAt(ctx context.Context, urlkey, ts string) (index.Page, bool, error)
}

// Selection is the set of captures to export, by WARC file.
type Selection struct {
	files map[string]map[int64]bool // filename → offsets of selected captures
	n     int
}

// NewSelection returns an empty selection.
func NewSelection() *Selection { return &Selection{files: map[string]map[int64]bool{}} }

// Add selects a capture.
func (s *Selection) Add(c index.Capture) {
	offs := s.files[c.Filename]
	if offs == nil {
		offs = map[int64]bool{}
		s.files[c.Filename] = offs
	}
	if !offs[c.Offset] {
		offs[c.Offset] = true
		s.n++
	}
}

// Len is the number of captures selected.
func (s *Selection) Len() int { return s.n }

// ExportStats says what Export wrote.
type ExportStats struct {
	WholeFiles int   // WARC files copied whole
	PartFiles  int   // WARC files of which only the selected records were copied
	Records    int   // index lines
	Pages      int   // pages.jsonl lines
	Bytes      int64 // WARC bytes written
}

// Progress is told the WARC bytes read so far of the total to read.
type Progress func(done, total int64)

// Export copies the selected captures of the archive at root into w: a WARC
// file whose every capture is selected is copied whole; of another, only the
// selected records and those written with them (their request and metadata
// records, linked by WARC-Concurrent-To, and the file's warcinfo) are copied,
// byte for byte (each gzip member as it is), into a new file named after it
// with "-part". The pages are those of the index whose response is exported.
// It does not Close w.
func Export(ctx context.Context, w *Writer, root string, src Source, sel *Selection, progress Progress) (ExportStats, error) {
	var st ExportStats
	counts, err := src.CaptureCounts(ctx)
	if err != nil {
		return st, err
	}
	names := make([]string, 0, len(sel.files))
	var total int64
	for name := range sel.files {
		names = append(names, name)
		if fi, err := os.Stat(filepath.Join(root, filepath.FromSlash(name))); err == nil {
			total += fi.Size()
		}
	}
	sort.Strings(names)
	e := &exporter{ctx: ctx, w: w, root: root, src: src, st: &st, total: total, progress: progress, used: map[string]bool{}}
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		offs := sel.files[name]
		if int64(len(offs)) >= counts[name] {
			err = e.whole(name)
		} else {
			err = e.part(name, offs)
		}
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

type exporter struct {
	ctx      context.Context
	w        *Writer
	root     string
	src      Source
	st       *ExportStats
	done     int64
	total    int64
	progress Progress
	used     map[string]bool
}

// zipName is a name under archive/ for the file name, unique in the WACZ.
func (e *exporter) zipName(name, suffix string) string {
	base := path.Base(name)
	ext := ".warc.gz"
	if !strings.HasSuffix(base, ext) {
		ext = ".warc"
	}
	stem := strings.TrimSuffix(base, ext) + suffix
	out := stem + ext
	for i := 2; e.used[out]; i++ {
		out = fmt.Sprintf("%s-%d%s", stem, i, ext)
	}
	e.used[out] = true
	return out
}

// tick reports progress after n more bytes were read.
func (e *exporter) tick(n int64) {
	e.done += n
	if e.progress != nil {
		e.progress(e.done, e.total)
	}
}

// whole copies a file as it is; its index lines come from the index.
func (e *exporter) whole(name string) error {
	caps, err := e.src.CapturesOfFile(e.ctx, name)
	if err != nil {
		return err
	}
	f, err := os.Open(filepath.Join(e.root, filepath.FromSlash(name)))
	if err != nil {
		return fmt.Errorf("export %s: %w", name, err)
	}
	defer f.Close()
	dst, err := e.w.CreateWARC(e.zipName(name, ""))
	if err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	for {
		n, rerr := f.Read(buf)
		if n > 0 {
			if _, err := dst.Write(buf[:n]); err != nil {
				return fmt.Errorf("export %s: %w", name, err)
			}
			e.tick(int64(n))
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("export %s: %w", name, rerr)
		}
		if err := e.ctx.Err(); err != nil {
			return err
		}
	}
	e.st.Bytes += dst.Offset()
	for _, c := range caps {
		if err := e.addCapture(dst, c, c.Offset); err != nil {
			return err
		}
	}
	e.st.WholeFiles++
	return dst.Close()
}

// addCapture indexes a capture copied to dst at off and lists its page.
func (e *exporter) addCapture(dst *WARCFile, c index.Capture, off int64) error {
	if c.Length <= 0 {
		return nil // shares a gzip member: no range reaches it alone
	}
	t, err := warc.ParseTimestamp14(c.Timestamp)
	if err != nil {
		return nil
	}
	ent := warc.Entry{ID: c.RecordID, Type: c.Type, TargetURI: c.URL, Date: t, Offset: off, Length: c.Length,
		PayloadDigest: c.Digest, MIME: c.MIME, Status: c.Status}
	if err := dst.Add(ent); err != nil {
		return err
	}
	e.st.Records++
	if c.Type != warc.TypeResponse || c.MIME != "text/html" {
		return nil
	}
	// One indexed read a capture: reading every page of the URL for each
	// of its captures made an export of a URL's history quadratic.
	p, ok, err := e.src.PageAt(e.ctx, c.URLKey, c.Timestamp)
	if err != nil || !ok {
		return err
	}
	if p.ConcurrentTo != "" && p.ConcurrentTo != c.RecordID {
		return nil // the page of another capture of that second
	}
	e.st.Pages++
	return e.w.AddPage(pageOf(p, t))
}

func pageOf(p index.Page, t time.Time) Page {
	return Page{ID: strings.TrimSuffix(strings.TrimPrefix(p.RecordID, "<urn:uuid:"), ">"), URL: p.URL, TS: t,
		Title: p.Title, Text: p.Text}
}
