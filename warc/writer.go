package warc

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/klauspost/compress/gzip"
)

// Writer writes records to one stream, each record a gzip member when gzipped.
// It does not rotate; FileWriter is built on it. A Writer is not safe for
// concurrent use.
type Writer struct {
	enc        *encoder
	w          io.Writer
	gzipped    bool
	off        int64
	filename   string
	warcinfoID string
}

// WriterOption configures a Writer.
type WriterOption func(*writerConfig)

type writerConfig struct {
	level      int
	now        func() time.Time
	newID      func() string
	filename   string
	offset     int64
	warcinfoID string
}

// WithGzipLevel sets the compression level (default gzip.DefaultCompression).
func WithGzipLevel(level int) WriterOption { return func(c *writerConfig) { c.level = level } }

// WithClock sets the clock used for records without a Date (default time.Now).
func WithClock(now func() time.Time) WriterOption { return func(c *writerConfig) { c.now = now } }

// WithRecordIDs sets the generator of record IDs (default NewRecordID).
func WithRecordIDs(newID func() string) WriterOption {
	return func(c *writerConfig) { c.newID = newID }
}

// WithFilename sets the Filename of the returned entries (default "").
func WithFilename(name string) WriterOption { return func(c *writerConfig) { c.filename = name } }

// WithOffset sets the offset of the first byte written, when appending to a
// file that already holds data (default 0).
func WithOffset(off int64) WriterOption { return func(c *writerConfig) { c.offset = off } }

// WithWarcinfoID sets the WARC-Warcinfo-ID written in every record but
// warcinfo records (default: none, until WriteWarcinfo is called).
func WithWarcinfoID(id string) WriterOption { return func(c *writerConfig) { c.warcinfoID = id } }

// NewWriter returns a Writer writing WARC/1.1 records to w, gzipped (one member
// per record) or plain.
func NewWriter(w io.Writer, gzipped bool, opts ...WriterOption) (*Writer, error) {
	c := writerConfig{level: gzip.DefaultCompression}
	for _, o := range opts {
		o(&c)
	}
	if c.level < gzip.HuffmanOnly || c.level > gzip.BestCompression {
		return nil, fmt.Errorf("warc: new writer: bad gzip level %d", c.level)
	}
	return newStreamWriter(newEncoder(c.level, c.now, c.newID), w, gzipped, c), nil
}

func newStreamWriter(enc *encoder, w io.Writer, gzipped bool, c writerConfig) *Writer {
	return &Writer{enc: enc, w: w, gzipped: gzipped, off: c.offset, filename: c.filename, warcinfoID: c.warcinfoID}
}

// Offset returns the offset of the next byte to be written.
func (w *Writer) Offset() int64 { return w.off }

// Write writes the records in order and returns their entries. Missing standard
// fields and digests are filled in as FileWriter.Write describes.
func (w *Writer) Write(recs ...*Record) ([]Entry, error) {
	entries := make([]Entry, 0, len(recs))
	for _, rec := range recs {
		p, err := w.enc.prepare(rec, w.warcinfoID)
		if err != nil {
			return entries, fmt.Errorf("warc: write %s record: %w", rec.Type, err)
		}
		e, err := w.writePrepared(p)
		if err != nil {
			return entries, err
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// WriteWarcinfo writes a warcinfo record whose block holds fields (as
// application/warc-fields) and whose WARC-Filename is filename (omitted when
// ""), and makes its ID the WARC-Warcinfo-ID of the records written after it.
func (w *Writer) WriteWarcinfo(filename string, fields Header) (Entry, error) {
	return w.writeWarcinfo("", time.Time{}, filename, fields)
}

// writePrepared encodes p straight to the output.
func (w *Writer) writePrepared(p *prepared) (Entry, error) {
	p.setWarcinfoID(w.warcinfoID)
	cw := countWriter{w: w.w}
	if err := w.enc.encode(&cw, p, w.gzipped); err != nil {
		w.off += cw.n
		return Entry{}, fmt.Errorf("warc: write %s: %w", p.entry.ID, err)
	}
	return w.record(p, cw.n), nil
}

// writeRun writes records encoded earlier, back to back in data, in one write.
func (w *Writer) writeRun(ps []*prepared, sizes []int, data []byte) ([]Entry, error) {
	n, err := w.w.Write(data)
	if err != nil {
		w.off += int64(n)
		return nil, fmt.Errorf("warc: write %s: %w", ps[0].entry.ID, err)
	}
	es := make([]Entry, len(ps))
	for i, p := range ps {
		es[i] = w.record(p, int64(sizes[i]))
	}
	return es, nil
}

func (w *Writer) record(p *prepared, n int64) Entry {
	e := p.entry
	e.Filename, e.Offset, e.Length = w.filename, w.off, n
	w.off += n
	return e
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// writeWarcinfo writes the warcinfo record that opens a file, with the given ID.
func (w *Writer) writeWarcinfo(id string, date time.Time, filename string, fields Header) (Entry, error) {
	block := appendFieldsBlock(nil, fields)
	rec := &Record{Type: TypeWarcinfo, ID: id, Date: date, ContentType: "application/warc-fields",
		Block: bytes.NewReader(block), BlockSize: int64(len(block))}
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
