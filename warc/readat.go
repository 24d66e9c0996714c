package warc

import (
	"fmt"
	"io"
	"math"
)

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
