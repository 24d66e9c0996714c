package wacz

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/vellumhq/vellum/warc"
)

// blockLines is the number of CDXJ lines in each gzip block of a compressed
// index: pywb's and py-wacz's default, so a lookup inflates about 1 MB.
const blockLines = 3000

// Names of the index files inside a WACZ.
const (
	IndexCDXJ = "indexes/index.cdxj"
	IndexGz   = "indexes/index.cdx.gz"
	IndexIdx  = "indexes/index.idx"
)

// writeIndex sorts the spooled CDXJ lines and writes them as
// indexes/index.cdxj, or, above CompressIndexOver, as gzip blocks in
// indexes/index.cdx.gz listed by indexes/index.idx.
func (w *Writer) writeIndex() error {
	if _, err := w.cdxj.reader(); err != nil {
		return err
	}
	sorted, err := os.CreateTemp(w.opts.TempDir, "wacz-sorted-*")
	if err != nil {
		return fmt.Errorf("wacz: %w", err)
	}
	defer func() { _ = sorted.Close(); _ = os.Remove(sorted.Name()) }()
	bw := bufio.NewWriterSize(sorted, 64<<10)
	if err := warc.SortCDXJ(w.cdxj.f, w.cdxj.size, bw); err != nil {
		return fmt.Errorf("wacz: sort index: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("wacz: sort index: %w", err)
	}
	limit := w.opts.CompressIndexOver
	if limit == 0 {
		limit = 4 << 20
	}
	in := io.NewSectionReader(sorted, 0, w.cdxj.size)
	if limit > 0 && w.cdxj.size <= limit {
		r, err := w.addFile(IndexCDXJ, zip.Deflate, in)
		if err == nil {
			w.resources = append(w.resources, r)
		}
		return err
	}
	return w.writeBlocks(in)
}

// writeBlocks writes sorted CDXJ lines as indexes/index.cdx.gz, one gzip
// member per blockLines lines, and indexes/index.idx, one line per block:
// the block's first key and timestamp with its offset, length and digest.
func (w *Writer) writeBlocks(in io.Reader) error {
	fw, err := w.create(IndexGz, zip.Store)
	if err != nil {
		return err
	}
	h := sha256.New()
	out := &countWriter{w: io.MultiWriter(fw, h)}
	idx := []string{`!meta 0 {"format":"cdxj-gzip-1.0","filename":"index.cdx.gz"}`}
	var block bytes.Buffer
	zw := gzip.NewWriter(&block)
	first, lines := "", 0
	flush := func() error {
		if lines == 0 {
			return nil
		}
		if err := zw.Close(); err != nil {
			return err
		}
		sum := sha256.Sum256(block.Bytes())
		idx = append(idx, fmt.Sprintf(`%s {"offset":%d,"length":%d,"digest":"sha256:%s","filename":"index.cdx.gz"}`,
			first, out.n, block.Len(), hex.EncodeToString(sum[:])))
		if _, err := out.Write(block.Bytes()); err != nil {
			return err
		}
		block.Reset()
		zw.Reset(&block)
		lines = 0
		return nil
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if lines == 0 {
			first = keyAndTimestamp(line)
		}
		zw.Write([]byte(line))
		zw.Write([]byte{'\n'})
		if lines++; lines == blockLines {
			if err := flush(); err != nil {
				return fmt.Errorf("wacz: write %s: %w", IndexGz, err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("wacz: read sorted index: %w", err)
	}
	if err := flush(); err != nil {
		return fmt.Errorf("wacz: write %s: %w", IndexGz, err)
	}
	w.resources = append(w.resources, Resource{Name: "index.cdx.gz", Path: IndexGz,
		Hash: "sha256:" + hex.EncodeToString(h.Sum(nil)), Bytes: out.n})
	r, err := w.addFile(IndexIdx, zip.Deflate, strings.NewReader(strings.Join(idx, "\n")+"\n"))
	if err == nil {
		w.resources = append(w.resources, r)
	}
	return err
}

// keyAndTimestamp is the "<surt> <timestamp>" start of a CDXJ line.
func keyAndTimestamp(line string) string {
	sp := strings.IndexByte(line, ' ')
	if sp < 0 {
		return line
	}
	if sp2 := strings.IndexByte(line[sp+1:], ' '); sp2 >= 0 {
		return line[:sp+1+sp2]
	}
	return line
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

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// idxBlock is one line of index.idx after its !meta line.
type idxBlock struct {
	offset, length int64
	digest         string
}

// parseIdxLine reads the block an index.idx line locates.
func parseIdxLine(line string) (idxBlock, error) {
	l, err := warc.ParseCDXJ(line)
	if err != nil {
		return idxBlock{}, err
	}
	off, err1 := strconv.ParseInt(l.Fields["offset"], 10, 64)
	n, err2 := strconv.ParseInt(l.Fields["length"], 10, 64)
	if err1 != nil || err2 != nil || off < 0 || n <= 0 {
		return idxBlock{}, fmt.Errorf("bad offset or length")
	}
	return idxBlock{offset: off, length: n, digest: l.Fields["digest"]}, nil
}
