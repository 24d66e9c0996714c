package record

import (
	"fmt"
	"io"
	"os"
	"sync"
)

// spoolMemory is how much of a recorded message a spool keeps in memory before
// it moves the whole message to a temporary file. Most pages and images fit.
const spoolMemory = 2 << 20

var spoolBufs = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// spool holds the bytes of one recorded message: in memory while small, in a
// temporary file once it outgrows spoolMemory. It is written by one goroutine
// at a time, then read with ReadAt.
type spool struct {
	dir  string // where temporary files go ("" = os.TempDir)
	buf  *[]byte
	file *os.File
	size int64
	err  error // first write error; the spool keeps its size from then on
}

func newSpool(dir string) *spool {
	return &spool{dir: dir, buf: spoolBufs.Get().(*[]byte)}
}

// Write appends p. After a failed write (full disk) later writes are dropped
// and Err reports the failure.
func (s *spool) Write(p []byte) (int, error) {
	if s.err != nil {
		return len(p), nil
	}
	if s.file == nil && int64(len(*s.buf))+int64(len(p)) > spoolMemory {
		if err := s.spill(); err != nil {
			s.err = err
			return len(p), nil
		}
	}
	if s.file != nil {
		if _, err := s.file.Write(p); err != nil {
			s.err = fmt.Errorf("spool: %w", err)
			return len(p), nil
		}
	} else {
		*s.buf = append(*s.buf, p...)
	}
	s.size += int64(len(p))
	return len(p), nil
}

func (s *spool) spill() error {
	f, err := os.CreateTemp(s.dir, "vellum-spool-*")
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	_ = os.Remove(f.Name()) // unlinked: the space returns when the file closes, even after a crash
	if _, err := f.Write(*s.buf); err != nil {
		f.Close()
		return fmt.Errorf("spool: %w", err)
	}
	s.file = f
	s.release()
	return nil
}

// Size is the number of bytes held.
func (s *spool) Size() int64 { return s.size }

// Err is the first write failure, if any.
func (s *spool) Err() error { return s.err }

// Bytes returns the content when it is held in memory, else nil.
func (s *spool) Bytes() []byte {
	if s.file != nil || s.buf == nil {
		return nil
	}
	return *s.buf
}

// ReadAt implements io.ReaderAt.
func (s *spool) ReadAt(p []byte, off int64) (int, error) {
	if s.file != nil {
		if off >= s.size {
			return 0, io.EOF
		}
		if max := s.size - off; int64(len(p)) > max {
			n, err := s.file.ReadAt(p[:max], off)
			if err == nil {
				err = io.EOF
			}
			return n, err
		}
		return s.file.ReadAt(p, off)
	}
	b := *s.buf
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Reset empties the spool for a new message.
func (s *spool) Reset() {
	if s.file != nil {
		s.file.Close()
		s.file = nil
	}
	if s.buf == nil {
		s.buf = spoolBufs.Get().(*[]byte)
	}
	*s.buf = (*s.buf)[:0]
	s.size, s.err = 0, nil
}

// Close releases the memory or the temporary file.
func (s *spool) Close() error {
	var err error
	if s.file != nil {
		err = s.file.Close()
		s.file = nil
	}
	s.release()
	return err
}

func (s *spool) release() {
	if s.buf != nil {
		if cap(*s.buf) <= 4*spoolMemory {
			*s.buf = (*s.buf)[:0]
			spoolBufs.Put(s.buf)
		}
		s.buf = nil
	}
}
