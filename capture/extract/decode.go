package extract

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
)

// Parsing has bounds of its own, apart from what is recorded: the record
// keeps every byte sent (up to --max-size), while links and metadata come
// from at most MaxParseBytes of decoded body. See docs/decisions.md.
const (
	// MaxParseBytes is how many decoded bytes of a page or stylesheet are
	// read for parsing. HTML pages of news sites are mostly under 1 MiB, the
	// heaviest (inline JSON state) a few MiB.
	MaxParseBytes = 8 << 20
	// maxExpansion is the most decoded bytes per encoded byte read that a
	// body may produce once past expansionFloor. HTML compresses 3-10 times,
	// 20-50 when very repetitive; a decompression bomb does 1000.
	maxExpansion   = 100
	expansionFloor = 1 << 20
)

// bodyReader reads an entity without its Content-Encoding, within the parse
// bounds. It ends (io.EOF) at a bound, and Cut then says which.
type bodyReader struct {
	src     *countingReader // the encoded bytes
	dec     io.Reader
	closer  io.Closer // the decompressor, if any
	decoded int64
	cut     string
	bounded bool // cut at a bound, before the end of the encoded bytes
}

// newBodyReader decodes entity as encoding says ("", identity, gzip,
// x-gzip, deflate); other encodings are an error.
func newBodyReader(encoding string, entity []byte) (*bodyReader, error) {
	b := &bodyReader{src: &countingReader{r: bytes.NewReader(entity)}}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "identity", "none":
		b.dec = b.src
	case "gzip", "x-gzip":
		zr, err := newGzipReader(b.src)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		b.dec, b.closer = zr, pooledGzip{zr}
	case "deflate": // zlib-wrapped as the standard says, or raw as some servers send it
		if zr, err := zlib.NewReader(b.src); err == nil {
			b.dec, b.closer = zr, zr
		} else {
			b.src = &countingReader{r: bytes.NewReader(entity)}
			fr := flate.NewReader(b.src)
			b.dec, b.closer = fr, fr
		}
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q", encoding)
	}
	return b, nil
}

// gzipReaders keeps gzip readers for reuse: each new one allocates a 32 KiB
// window and Huffman tables, and most pages and stylesheets arrive gzipped.
var gzipReaders sync.Pool // *gzip.Reader

func newGzipReader(r io.Reader) (*gzip.Reader, error) {
	if zr, ok := gzipReaders.Get().(*gzip.Reader); ok {
		if err := zr.Reset(r); err != nil {
			gzipReaders.Put(zr)
			return nil, err
		}
		return zr, nil
	}
	return gzip.NewReader(r)
}

// pooledGzip closes a gzip reader by handing it back to gzipReaders.
type pooledGzip struct{ zr *gzip.Reader }

func (p pooledGzip) Close() error {
	err := p.zr.Close()
	gzipReaders.Put(p.zr)
	return err
}

// readChunk bounds one Read, so that the expansion guard acts within 64 KiB.
const readChunk = 64 << 10

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.cut != "" {
		return 0, io.EOF
	}
	if b.decoded >= MaxParseBytes {
		var one [1]byte
		if n, _ := io.ReadFull(b.dec, one[:]); n > 0 {
			b.cut, b.bounded = cutAtSize(b.decoded), true
		}
		return 0, io.EOF
	}
	if left := min(MaxParseBytes-b.decoded, readChunk); int64(len(p)) > left {
		p = p[:left]
	}
	n, err := b.dec.Read(p)
	b.decoded += int64(n)
	switch {
	case err != nil && err != io.EOF && b.decoded > 0: // a cut-off body still parses as far as it goes
		b.cut = fmt.Sprintf("the body could not be decoded past %d bytes: %v", b.decoded, err)
		err = io.EOF
	case err == nil && b.decoded > expansionFloor && b.decoded > maxExpansion*b.src.n:
		b.bounded = true
		b.cut = fmt.Sprintf("reading stopped at %d decoded bytes: the body expands over %d times (decompression bomb)",
			b.decoded, maxExpansion)
	}
	return n, err
}

func cutAtSize(n int64) string { return fmt.Sprintf("only the first %d decoded bytes were read", n) }

// Cut says why reading stopped before the end of the body; "" when it did not.
func (b *bodyReader) Cut() string { return b.cut }

// Close releases the decompressor; the reader is at its end after it.
func (b *bodyReader) Close() error {
	if b.closer == nil {
		return nil
	}
	c := b.closer
	b.closer, b.dec = nil, eof{}
	return c.Close()
}

type eof struct{}

func (eof) Read([]byte) (int, error) { return 0, io.EOF }

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// DecodeEntity returns an entity without its Content-Encoding, for parsing
// (the archive keeps the bytes as sent), within the parse bounds; cut says
// why it ends early, "" when it does not.
func DecodeEntity(encoding string, data []byte) (body []byte, cut string, err error) {
	r, err := newBodyReader(encoding, data)
	if err != nil {
		return nil, "", err
	}
	defer r.Close()
	if r.dec == r.src { // no encoding: a slice of data will do
		if len(data) > MaxParseBytes {
			return data[:MaxParseBytes], cutAtSize(MaxParseBytes), nil
		}
		return data, "", nil
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return nil, "", err
	}
	return out, r.Cut(), nil
}
