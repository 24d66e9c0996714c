package warc

import (
	"bytes"
	"fmt"
	"io"
	"math"
)

// ReadRecord is one record read by a Reader.
type ReadRecord struct {
	Version string // the version line: "WARC/1.0", "WARC/1.1", ...
	Header  Header
	// Offset is the record's position in the file; in a gzipped file, that of
	// the gzip member holding its start.
	Offset int64
	// Length is the record's length in the file, including the CRLFCRLF after
	// its block; in a gzipped file, that of its gzip member(s). It is known once
	// the record has been read to its end (Block returned io.EOF, or EntryOf was
	// called); it stays 0 for a record sharing its gzip member with the next.
	Length int64
	// Block yields exactly Content-Length bytes; it is valid until the next
	// call to Next. A short block yields an error wrapping ErrTruncated.
	Block io.Reader

	r          *Reader
	start      int64 // decompressed position of the record
	off        int64 // Offset without the reader's base
	size       int64 // Content-Length
	remaining  int64 // block bytes not yet read
	head       *httpHead
	done       bool  // read to its end, trailer included
	err        error // sticky read error
	errSeen    bool  // err was returned to the caller
	badTrailer bool  // the block was not followed by CRLFCRLF
	aligned    bool  // gzip: starts a member
	endAligned bool  // gzip: ends where a member ends
	spans      bool  // gzip: a member boundary lies inside the record
}

type blockReader struct{ rec *ReadRecord }

func (b blockReader) Read(p []byte) (int, error) {
	rec := b.rec
	if rec.err != nil {
		rec.errSeen = true
		return 0, rec.err
	}
	if rec.remaining == 0 {
		rec.end()
		return 0, io.EOF
	}
	if int64(len(p)) > rec.remaining {
		p = p[:rec.remaining]
	}
	r := rec.r
	n, err := r.br.Read(p)
	rec.remaining -= int64(n)
	if rec.head != nil && !rec.head.done && !rec.head.failed {
		rec.head.feed(p[:n])
	}
	if r.ms != nil && r.ms.popBefore(r.pos(), rec.start) {
		rec.spans = true
	}
	switch {
	case err == io.EOF && rec.remaining > 0:
		rec.err = fmt.Errorf("warc: block of record at offset %d: %w: input ends %d bytes short of Content-Length %d",
			rec.Offset, ErrTruncated, rec.remaining, rec.size)
	case err != nil && err != io.EOF:
		rec.err = fmt.Errorf("warc: block of record at offset %d: %w", rec.Offset, err)
	}
	if rec.err != nil {
		if n > 0 {
			return n, nil // the error comes with the next call
		}
		rec.errSeen = true
		return 0, rec.err
	}
	return n, nil
}

// end consumes the CRLFCRLF after the block and works out the record's length.
func (rec *ReadRecord) end() {
	if rec.done {
		return
	}
	rec.done = true
	r := rec.r
	want := []byte("\r\n\r\n")
	b, _ := r.br.Peek(4)
	if bytes.Equal(b, want) {
		_, _ = r.br.Discard(4)
	} else {
		rec.badTrailer = true
		n := 0
		for n < len(b) && b[n] == want[n] {
			n++
		}
		_, _ = r.br.Discard(n)
	}
	end := r.pos()
	if r.ms == nil {
		rec.Length = end - rec.off
		return
	}
	_, _ = r.br.Peek(1) // reach the member end, if it is here
	if r.ms.popBefore(end, rec.start) {
		rec.spans = true
	}
	if m, ok := r.ms.front(); ok && !m.start && m.d == end {
		rec.endAligned = true
		rec.Length = m.c - rec.off
	}
}

// finish reads the rest of the record (its block and the CRLFCRLF after it).
func (rec *ReadRecord) finish() error {
	if rec.r == nil {
		return nil
	}
	if !rec.done && rec.err == nil {
		if _, err := io.Copy(io.Discard, blockReader{rec}); err != nil && rec.err == nil {
			rec.err = err
		}
	}
	return rec.err
}

// SharedMember reports whether the record shares a gzip member with other
// records, as in a WARC gzipped whole (one gzip stream for many records,
// which some tools write): no offset in the file reaches it alone. offset
// is then its position in the decompressed stream, where a Reader of the
// file from its start finds it after Discard(offset). Call it once the
// record was read to its end (Block returned io.EOF, or EntryOf).
func (rec *ReadRecord) SharedMember() (offset int64, shared bool) {
	if rec.r == nil || rec.r.ms == nil || rec.aligned && rec.endAligned {
		return 0, false
	}
	return rec.start, true
}

// gzipAlone reports whether the record fills exactly one gzip member.
func (rec *ReadRecord) gzipAlone() bool {
	return rec.aligned && rec.endAligned && !rec.spans
}

// ReadRecordAt reads the record at offset in ra, as an index locates it for
// replay; length is the record's length in the file (0 when unknown). The
// record's Offset is offset; its Block reads from ra.
func ReadRecordAt(ra io.ReaderAt, offset, length int64) (*ReadRecord, error) {
	if offset < 0 || length < 0 {
		return nil, fmt.Errorf("warc: read record at %d: bad offset or length %d", offset, length)
	}
	n := length
	if n == 0 {
		n = math.MaxInt64 - offset
	}
	rd, err := NewReader(io.NewSectionReader(ra, offset, n))
	if err != nil {
		return nil, fmt.Errorf("warc: read record at %d: %w", offset, err)
	}
	rd.base = offset
	rec, err := rd.Next()
	if err == io.EOF {
		return nil, fmt.Errorf("warc: read record at %d: %w: no record there", offset, ErrMalformed)
	}
	if err != nil {
		return nil, err
	}
	return rec, nil
}
