package warc

import (
	"bufio"
	"bytes"
	"container/heap"
	"fmt"
	"io"
	"os"
	"slices"
)

// cdxjSortMem bounds the CDXJ bytes held in memory while sorting: a file's
// lines are sorted in memory up to this size, and beyond it in sorted runs of
// about this size that are then merged. Tests lower it.
var cdxjSortMem = 16 << 20

// cdxjSpool collects the CDXJ lines of a WARC file being written, unsorted, in
// "<name>.cdxj.open" beside it, so that memory does not grow with the file.
// The spool is temporary: commit sorts it into "<name>.cdxj" and removes it;
// RepairOpenFiles removes one left by a crash and indexes the WARC anew.
type cdxjSpool struct {
	path string
	f    *os.File
	w    *bufio.Writer
	size int64
	line []byte
}

// spoolPath returns the spool path of the CDXJ file cdxj.
func spoolPath(cdxj string) string { return cdxj + ".open" }

// newCDXJSpool creates the spool of the CDXJ file cdxj, replacing any left by
// a crashed writer.
func newCDXJSpool(cdxj string) (*cdxjSpool, error) {
	path := spoolPath(cdxj)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("warc: create %s: %w", path, err)
	}
	return &cdxjSpool{path: path, f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// add appends the CDXJ line of e when it gets one (InCDXJ). A write error is
// kept by the bufio.Writer and reported by commit.
func (s *cdxjSpool) add(e Entry) {
	if !InCDXJ(e) {
		return
	}
	line, err := e.appendCDXJ(s.line[:0])
	if err != nil {
		return // no SURT key: not indexable
	}
	s.line = append(line, '\n')
	n, _ := s.w.Write(s.line)
	s.size += int64(n)
}

// commit writes the sorted lines to the CDXJ file cdxj (through a temporary
// file, fsynced and renamed into place) and removes the spool.
func (s *cdxjSpool) commit(cdxj string) error {
	err := s.w.Flush()
	if err == nil {
		err = writeFileAtomic(cdxj, func(w io.Writer) error { return sortLines(s.f, s.size, w) })
	} else {
		err = fmt.Errorf("warc: write %s: %w", s.path, err)
	}
	s.discard()
	return err
}

// discard closes and removes the spool.
func (s *cdxjSpool) discard() {
	_ = s.f.Close()
	_ = os.Remove(s.path)
}

// sortLines writes the size bytes of f, lines ending in '\n', to w sorted
// bytewise. Up to cdxjSortMem bytes it sorts them in memory; beyond, it sorts
// runs of about that size in place in f and merges them.
func sortLines(f *os.File, size int64, w io.Writer) error {
	rd := bufio.NewReaderSize(io.NewSectionReader(f, 0, size), 64<<10)
	chunk := make([]byte, 0, min(size, int64(cdxjSortMem))+4<<10)
	var lines [][]byte
	var runs []int64 // where each run starts; then size
	bw := bufio.NewWriterSize(w, 64<<10)
	for start := int64(0); start < size; start += int64(len(chunk)) {
		var err error
		chunk, lines, err = readChunk(rd, chunk[:0], lines[:0], cdxjSortMem)
		if err != nil {
			return fmt.Errorf("sort %s: %w", f.Name(), err)
		}
		slices.SortFunc(lines, bytes.Compare)
		out := w
		if start > 0 || int64(len(chunk)) < size { // one run of several
			out = io.NewOffsetWriter(f, start)
			runs = append(runs, start)
		}
		bw.Reset(out)
		for _, l := range lines {
			_, _ = bw.Write(l)
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("sort %s: %w", f.Name(), err)
		}
	}
	if len(runs) == 0 {
		return nil
	}
	bw.Reset(w)
	if err := mergeRuns(f, append(runs, size), bw); err != nil {
		return err
	}
	return bw.Flush()
}

// readChunk reads whole lines from rd into chunk until it holds at least max
// bytes or rd ends, and returns chunk and the lines in it.
func readChunk(rd *bufio.Reader, chunk []byte, lines [][]byte, max int) ([]byte, [][]byte, error) {
	begin := len(chunk)
	for len(chunk) < max || begin != len(chunk) { // whole lines only
		b, err := rd.ReadSlice('\n')
		chunk = append(chunk, b...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(chunk) == begin {
			break
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF // a line without its newline
			}
			return chunk, lines, err
		}
		lines = append(lines, chunk[begin:len(chunk):len(chunk)])
		begin = len(chunk)
	}
	if len(chunk) == 0 {
		return chunk, lines, io.ErrUnexpectedEOF
	}
	return chunk, lines, nil
}

// mergeRuns merges the sorted runs of f between successive bounds into w, with
// read buffers that together take about cdxjSortMem bytes (at least 4 KiB a
// run).
func mergeRuns(f *os.File, bounds []int64, w io.Writer) error {
	k := len(bounds) - 1
	bufSize := min(max(cdxjSortMem/k, 4<<10), 64<<10)
	h := make(runHeap, 0, k)
	for i := range k {
		r := &run{rd: bufio.NewReaderSize(io.NewSectionReader(f, bounds[i], bounds[i+1]-bounds[i]), bufSize)}
		switch err := r.next(); err {
		case nil:
			h = append(h, r)
		case io.EOF:
		default:
			return fmt.Errorf("merge %s: %w", f.Name(), err)
		}
	}
	heap.Init(&h)
	for len(h) > 0 {
		r := h[0]
		if _, err := w.Write(r.line); err != nil {
			return err
		}
		switch err := r.next(); err {
		case nil:
			heap.Fix(&h, 0)
		case io.EOF:
			heap.Pop(&h)
		default:
			return fmt.Errorf("merge %s: %w", f.Name(), err)
		}
	}
	return nil
}

// run is a sorted run being merged; line is its smallest line not yet written.
type run struct {
	rd   *bufio.Reader
	line []byte // in rd's buffer, or long
	long []byte // a line longer than rd's buffer
}

// next reads the next line, returning io.EOF after the last.
func (r *run) next() error {
	b, err := r.rd.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		r.long = append(r.long[:0], b...)
		for err == bufio.ErrBufferFull {
			b, err = r.rd.ReadSlice('\n')
			r.long = append(r.long, b...)
		}
		b = r.long
	}
	switch {
	case err == nil:
		r.line = b
		return nil
	case err == io.EOF && len(b) == 0:
		return io.EOF
	case err == io.EOF:
		return io.ErrUnexpectedEOF // a line without its newline
	}
	return err
}

type runHeap []*run

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return bytes.Compare(h[i].line, h[j].line) < 0 }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(*run)) }
func (h *runHeap) Pop() any {
	old := *h
	r := old[len(old)-1]
	*h = old[:len(old)-1]
	return r
}

// writeFileAtomic writes path through a temporary file beside it that is
// filled by fill, fsynced and renamed into place.
func writeFileAtomic(path string, fill func(io.Writer) error) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("warc: write %s: %w", path, err)
	}
	err = fill(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("warc: write %s: %w", path, err)
	}
	return nil
}

// SortCDXJ writes the size bytes of f, CDXJ lines each ending in '\n', to w
// sorted bytewise, in bounded memory: beyond 16 MiB it sorts runs in place in
// f and merges them (f is changed). WACZ export sorts its index with it.
func SortCDXJ(f *os.File, size int64, w io.Writer) error { return sortLines(f, size, w) }
