package warc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
)

const readBufSize = 64 << 10

// source is the raw input: a bufio.Reader whose consumed position is known and
// which can seek back when the input is seekable (for gzip resynchronisation).
type source struct {
	cr     countReader
	br     *bufio.Reader
	seeker io.Seeker // nil when the input cannot seek
	base   int64     // seeker position of offset 0
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Buffers and decompressors of readers are pooled: replay opens a reader for
// every request, and allocating 64 KiB buffers and a gzip state each time
// made the garbage collector the biggest cost of serving a record.
var (
	bufReaders  sync.Pool // *bufio.Reader of readBufSize
	gzipReaders sync.Pool // *gzip.Reader
)

func getBufReader(r io.Reader) *bufio.Reader {
	if br, ok := bufReaders.Get().(*bufio.Reader); ok {
		br.Reset(r)
		return br
	}
	return bufio.NewReaderSize(r, readBufSize)
}

func putBufReader(br *bufio.Reader) {
	if br != nil {
		br.Reset(nil)
		bufReaders.Put(br)
	}
}

func newSource(r io.Reader) *source {
	s := &source{cr: countReader{r: r}}
	s.br = getBufReader(&s.cr)
	if sk, ok := r.(io.Seeker); ok {
		if base, err := sk.Seek(0, io.SeekCurrent); err == nil {
			s.seeker, s.base = sk, base
		}
	}
	return s
}

// pos returns the offset of the next byte to be consumed.
func (s *source) pos() int64 { return s.cr.n - int64(s.br.Buffered()) }

func (s *source) seek(off int64) error {
	if _, err := s.seeker.Seek(s.base+off, io.SeekStart); err != nil {
		return err
	}
	s.cr.n = off
	s.br.Reset(&s.cr)
	return nil
}

// mark is a gzip member boundary: a start or end at decompressed offset d and
// compressed offset c.
type mark struct {
	d, c  int64
	start bool
}

// memberStream presents the concatenated content of the gzip members of src
// and records where members start and end. Empty members leave no marks, so
// the marks between two positions are bounded by the bytes between them.
type memberStream struct {
	src      *source
	zr       *gzip.Reader
	out      int64 // decompressed bytes produced
	memberC  int64 // compressed offset of the current (or last) member
	inMember bool
	marks    markQueue // pending marks, oldest first
	// lastStart is the newest member start dropped by popBefore: the member
	// holding positions before the pending marks.
	lastStart mark
	err       error // sticky
	errC      int64 // compressed offset of the member that failed
}

func (m *memberStream) Read(p []byte) (int, error) {
	for {
		if m.err != nil {
			return 0, m.err
		}
		if !m.inMember {
			if m.err = m.startMember(); m.err != nil {
				return 0, m.err
			}
		}
		n, err := m.zr.Read(p)
		m.out += int64(n)
		switch {
		case err == io.EOF:
			m.inMember = false
			if last, ok := m.marks.last(); ok && last.start && last.d == m.out {
				m.marks.dropLast() // an empty member: forget it
			} else {
				m.marks.push(mark{d: m.out, c: m.src.pos()})
			}
		case err != nil:
			m.err, m.errC = m.memberErr(err), m.memberC
		}
		if n > 0 {
			return n, nil
		}
	}
}

func (m *memberStream) startMember() error {
	c := m.src.pos()
	if _, err := m.src.br.Peek(1); err != nil {
		return err // io.EOF: a clean end
	}
	m.memberC = c
	var err error
	if m.zr == nil {
		if zr, ok := gzipReaders.Get().(*gzip.Reader); ok {
			m.zr, err = zr, zr.Reset(m.src.br)
		} else {
			m.zr, err = gzip.NewReader(m.src.br)
		}
	} else {
		err = m.zr.Reset(m.src.br)
	}
	if err != nil {
		m.errC = c
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: gzip header at offset %d cut short", ErrTruncated, c)
		}
		return fmt.Errorf("%w: no gzip member at offset %d: %v", ErrMalformed, c, err)
	}
	m.zr.Multistream(false)
	m.inMember = true
	m.marks.push(mark{d: m.out, c: c, start: true})
	return nil
}

func (m *memberStream) memberErr(err error) error {
	var corrupt flate.CorruptInputError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: gzip member at offset %d cut short", ErrTruncated, m.memberC)
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader), errors.As(err, &corrupt):
		return fmt.Errorf("%w: bad gzip member at offset %d: %v", ErrMalformed, m.memberC, err)
	}
	return fmt.Errorf("warc: read gzip member at offset %d: %w", m.memberC, err)
}

// recover skips past a damaged member: it continues at the next gzip magic
// after the damaged member's start (or after the current position when the
// input cannot seek). Without one, reading ends.
func (m *memberStream) recover() {
	if m.src.seeker != nil && m.src.pos() > m.errC+1 {
		if err := m.src.seek(m.errC + 1); err != nil {
			m.err = io.EOF // the damage was reported; nothing more can be read
			return
		}
	}
	m.inMember, m.lastStart = false, mark{}
	m.marks.reset()
	magic := []byte{0x1f, 0x8b, 0x08}
	for {
		b, err := m.src.br.Peek(3)
		if len(b) < 3 {
			m.err = err
			if m.err == nil {
				m.err = io.EOF
			}
			return
		}
		if bytes.Equal(b, magic) {
			m.err = nil
			return
		}
		buf, _ := m.src.br.Peek(m.src.br.Buffered())
		skip := 1
		if i := bytes.IndexByte(buf[1:], 0x1f); i >= 0 {
			skip = i + 1
		} else if len(buf) > 2 {
			skip = len(buf) - 2
		}
		_, _ = m.src.br.Discard(skip)
	}
}

// popBefore drops the marks before decompressed offset d and returns whether
// any dropped mark lay strictly after lo.
func (m *memberStream) popBefore(d, lo int64) (after bool) {
	for {
		f, ok := m.marks.front()
		if !ok || f.d >= d {
			return after
		}
		if f.d > lo {
			after = true
		}
		if f.start {
			m.lastStart = f
		}
		m.marks.pop()
	}
}

// popEndsAt drops the member ends at decompressed offset d (before a record
// that starts there).
func (m *memberStream) popEndsAt(d int64) {
	for f, ok := m.marks.front(); ok && !f.start && f.d == d; f, ok = m.marks.front() {
		m.marks.pop()
	}
}

// front returns the oldest pending mark.
func (m *memberStream) front() (mark, bool) { return m.marks.front() }

// nextStartAfter returns the first member start after decompressed offset d.
func (m *memberStream) nextStartAfter(d int64) (mark, bool) {
	for _, mk := range m.marks.items() {
		if mk.start && mk.d > d {
			return mk, true
		}
	}
	return mark{}, false
}

// markQueue is a FIFO of marks that reuses its array.
type markQueue struct {
	q    []mark
	head int
}

func (q *markQueue) push(m mark) {
	if q.head > 1024 && q.head > len(q.q)/2 { // compact
		n := copy(q.q, q.q[q.head:])
		q.q, q.head = q.q[:n], 0
	}
	q.q = append(q.q, m)
}

func (q *markQueue) pop() {
	if q.head++; q.head == len(q.q) {
		q.reset()
	}
}

func (q *markQueue) reset() { q.q, q.head = q.q[:0], 0 }

func (q *markQueue) items() []mark { return q.q[q.head:] }

func (q *markQueue) front() (mark, bool) {
	if q.head == len(q.q) {
		return mark{}, false
	}
	return q.q[q.head], true
}

func (q *markQueue) last() (mark, bool) {
	if q.head == len(q.q) {
		return mark{}, false
	}
	return q.q[len(q.q)-1], true
}

func (q *markQueue) dropLast() {
	if q.q = q.q[:len(q.q)-1]; q.head == len(q.q) {
		q.reset()
	}
}
