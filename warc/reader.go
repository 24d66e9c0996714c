package warc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

const (
	// maxHeaderBytes bounds a WARC record header, so garbage cannot make the
	// reader allocate without bound.
	maxHeaderBytes = 512 << 10
	// maxFields bounds the number of fields of a WARC record header.
	maxFields = 4096
)

// Reader reads WARC records from WARC/1.0 or 1.1 files written by any tool:
// plain or gzipped (detected by magic bytes), one or many records per gzip
// member, target URIs with or without angle brackets.
//
// After Next returned an error other than io.EOF, calling it again skips ahead
// to the next plausible record (the next gzip member, or the next line starting
// with "WARC/") so later records can still be read; the input advances on every
// call, so such a loop always ends.
type Reader struct {
	closed     bool
	src        *source
	ms         *memberStream // nil for plain input
	br         *bufio.Reader // decompressed bytes (src.br itself for plain input)
	rec        *ReadRecord   // current record, until the next call to Next
	resync     bool
	errPos     int64 // decompressed position of the last error
	errOffset  int64 // file offset of the last error, for reports
	errHeaders Header
	base       int64 // added to every offset reported (ReadRecordAt)
	lineStart  bool  // the header parser stopped at the start of a line
}

// NewReader returns a Reader of r. When r is also an io.Seeker (an *os.File),
// resynchronisation after a damaged gzip member is more thorough.
func NewReader(r io.Reader) (*Reader, error) {
	src := newSource(r)
	rd := &Reader{src: src, br: src.br}
	magic, err := src.br.Peek(2)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("warc: new reader: %w", err)
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		rd.ms = &memberStream{src: src}
		rd.br = getBufReader(rd.ms)
	}
	return rd, nil
}

// pos returns the decompressed position of the next byte the parser consumes.
func (r *Reader) pos() int64 {
	if r.ms == nil {
		return r.src.pos()
	}
	return r.ms.out - int64(r.br.Buffered())
}

// Discard skips the first n bytes of the decompressed stream, before the
// first call to Next: how a record sharing its gzip member with others is
// reached (ReadRecord.SharedMember). Input ending first is ErrTruncated.
func (r *Reader) Discard(n int64) error {
	if r.closed {
		return errReaderClosed
	}
	got, err := io.CopyN(io.Discard, r.br, n)
	if err == io.EOF {
		return fmt.Errorf("warc: skip to offset %d of the decompressed stream: %w: input ends at %d", n, ErrTruncated, got)
	}
	if err != nil {
		return fmt.Errorf("warc: skip to offset %d of the decompressed stream: %w", n, err)
	}
	return nil
}

// errReaderClosed is what a Reader says after Close.
var errReaderClosed = errors.New("warc: reader closed")

// Close gives the reader's buffers and decompressor back for reuse by later
// readers. Neither the reader nor its records may be used afterwards. A
// reader that is never closed is simply collected; Close never fails.
func (r *Reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed, r.rec = true, nil
	if r.ms != nil {
		putBufReader(r.br)
		if r.ms.zr != nil {
			gzipReaders.Put(r.ms.zr)
			r.ms.zr = nil
		}
	}
	putBufReader(r.src.br)
	r.src.br, r.br = nil, nil
	return nil
}

// Next returns the next record. It returns io.EOF at a clean end of input, and
// an error wrapping ErrTruncated or ErrMalformed for damage (including damage
// found while skipping the rest of the previous record).
func (r *Reader) Next() (*ReadRecord, error) {
	if r.closed {
		return nil, errReaderClosed
	}
	if rec := r.rec; rec != nil {
		r.rec = nil
		if err := rec.finish(); err != nil {
			r.fail(rec.start, rec.Offset)
			if !rec.errSeen {
				rec.errSeen = true
				return nil, err
			}
		}
	}
	if r.resync {
		r.resync = false
		r.skipAhead()
	}
	rec, err := r.readHeader()
	if err != nil {
		return nil, err
	}
	r.rec = rec
	return rec, nil
}

func (r *Reader) fail(pos, offset int64) {
	r.resync, r.errPos, r.errOffset = true, pos, offset
}

func (r *Reader) readHeader() (*ReadRecord, error) {
	// Tolerate blank lines between records.
	for {
		b, err := r.br.Peek(1)
		if err != nil {
			if err == io.EOF {
				return nil, io.EOF
			}
			r.fail(r.pos(), r.base+r.errOffsetHere())
			return nil, fmt.Errorf("warc: read record at offset %d: %w", r.errOffset, err)
		}
		if b[0] != '\r' && b[0] != '\n' {
			break
		}
		_, _ = r.br.Discard(1)
	}
	start := r.pos()
	rec := &ReadRecord{r: r, start: start, off: start}
	if r.ms != nil {
		r.ms.popBefore(start, start)
		r.ms.popEndsAt(start)
		if m, ok := r.ms.front(); ok && m.start && m.d == start {
			rec.off, rec.aligned = m.c, true
		} else {
			rec.off = r.ms.lastStart.c
		}
	}
	rec.Offset = r.base + rec.off
	r.errHeaders = Header{}
	if err := r.parseHeader(rec); err != nil {
		r.fail(start, rec.Offset)
		r.errHeaders = rec.Header
		return nil, fmt.Errorf("warc: read record at offset %d: %w", rec.Offset, err)
	}
	r.lineStart = false
	if sniffsHTTP(rec.Header.Get("WARC-Type"), rec.Header.Get("Content-Type")) {
		rec.head = &httpHead{}
	}
	rec.Block = blockReader{rec}
	return rec, nil
}

func (r *Reader) errOffsetHere() int64 {
	if r.ms != nil {
		return r.ms.memberC
	}
	return r.src.pos()
}

// parseHeader reads the version line and the named fields up to the blank line.
func (r *Reader) parseHeader(rec *ReadRecord) error {
	total := 0
	readLine := func() (string, error) {
		line, err := r.br.ReadSlice('\n')
		total += len(line)
		r.lineStart = err == nil
		switch {
		case err == bufio.ErrBufferFull || total > maxHeaderBytes:
			return "", fmt.Errorf("%w: header longer than %d bytes", ErrMalformed, maxHeaderBytes)
		case err == io.EOF:
			return "", fmt.Errorf("%w: input ends inside the header", ErrTruncated)
		case err != nil:
			return "", err
		}
		return strings.TrimRight(string(line), "\r\n"), nil
	}
	version, err := readLine()
	if err != nil {
		return err
	}
	if !strings.HasPrefix(version, "WARC/") {
		return fmt.Errorf("%w: want a WARC/ version line, found %.40q", ErrMalformed, version)
	}
	rec.Version = strings.TrimSpace(version)
	for {
		line, err := readLine()
		if err != nil {
			return err
		}
		if line == "" {
			break
		}
		if line[0] == ' ' || line[0] == '\t' { // folded continuation
			if n := len(rec.Header.fields); n > 0 {
				rec.Header.fields[n-1].Value += " " + strings.TrimSpace(line)
				continue
			}
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return fmt.Errorf("%w: bad header line %.40q", ErrMalformed, line)
		}
		if rec.Header.Len() >= maxFields {
			return fmt.Errorf("%w: more than %d header fields", ErrMalformed, maxFields)
		}
		rec.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	cl := rec.Header.Get("Content-Length")
	if cl == "" {
		return fmt.Errorf("%w: no Content-Length", ErrMalformed)
	}
	n, err := strconv.ParseInt(cl, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("%w: bad Content-Length %q", ErrMalformed, cl)
	}
	rec.size, rec.remaining = n, n
	return nil
}

// skipAhead moves past the point of the last error to the next plausible record
// start: a line beginning with "WARC/" or, in gzipped input, a member start.
// It always consumes input unless already past the error position.
func (r *Reader) skipAhead() {
	if r.ms != nil && r.ms.err != nil && !errors.Is(r.ms.err, io.EOF) {
		r.ms.recover()
		r.br.Reset(r.ms) // drop what the damaged member yielded
		return
	}
	lineStart := r.lineStart
	r.lineStart = false
	for {
		b, err := r.br.Peek(5)
		if len(b) == 0 {
			if err != nil && r.ms != nil && r.ms.err != nil && !errors.Is(r.ms.err, io.EOF) {
				r.skipAhead() // the damage is in the gzip stream itself
			}
			return
		}
		pos := r.pos()
		if pos > r.errPos {
			if lineStart && bytes.HasPrefix(b, []byte("WARC/")) {
				return
			}
			if r.ms != nil {
				r.ms.popBefore(pos, pos)
				if m, ok := r.ms.front(); ok && m.start && m.d == pos {
					return
				}
			}
		}
		buf, _ := r.br.Peek(r.br.Buffered())
		n := len(buf)
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			n = i + 1
		}
		if r.ms != nil {
			if m, ok := r.ms.nextStartAfter(pos); ok {
				n = int(min(int64(n), m.d-pos))
			}
		}
		lineStart = buf[n-1] == '\n'
		_, _ = r.br.Discard(n)
	}
}
