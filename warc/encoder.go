package warc

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
)

const copyBufSize = 64 << 10

// encoder turns Records into WARC bytes: it fills the standard fields, computes
// digests and compresses. Writer and FileWriter share it; it is safe for
// concurrent use and pools its gzip writers and buffers.
type encoder struct {
	level int
	now   func() time.Time
	newID func() string
	zpool sync.Pool // *gzip.Writer at level
	spool sync.Pool // *gzip.Writer that stores (packed records)
	bpool sync.Pool // *[]byte of copyBufSize
}

func newEncoder(level int, now func() time.Time, newID func() string) *encoder {
	if now == nil {
		now = time.Now
	}
	if newID == nil {
		newID = NewRecordID
	}
	return &encoder{level: level, now: now, newID: newID}
}

// prepared is a record ready to be written: its final header and its Entry
// (without Filename, Offset and Length).
type prepared struct {
	fields   Header
	header   []byte
	block    io.ReaderAt
	size     int64
	entry    Entry
	autoInfo bool // WARC-Warcinfo-ID was filled by the writer
	packed   bool // the payload is compressed already: its member stores it
}

// standardFields are written from Record's fields (or computed), never copied
// from Record.Header a second time.
var standardFields = []string{"WARC-Type", "WARC-Record-ID", "WARC-Date", "WARC-Target-URI",
	"WARC-Warcinfo-ID", "Content-Type", "Content-Length", "WARC-Block-Digest", "WARC-Payload-Digest"}

func isStandard(name string) bool {
	for _, s := range standardFields {
		if strings.EqualFold(s, name) {
			return true
		}
	}
	return false
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// prepare builds the header of rec, reading its block once for digests (unless
// both are given) and for the HTTP status and media type.
func (e *encoder) prepare(rec *Record, warcinfoID string) (*prepared, error) {
	if rec.Block == nil && rec.BlockSize != 0 {
		return nil, fmt.Errorf("nil Block with BlockSize %d", rec.BlockSize)
	}
	if rec.BlockSize < 0 {
		return nil, fmt.Errorf("negative BlockSize %d", rec.BlockSize)
	}
	given := rec.Header
	p := &prepared{block: rec.Block, size: rec.BlockSize}
	p.fields.fields = make([]Field, 0, 10+given.Len())
	h := &p.fields
	typ := firstNonEmpty(rec.Type, given.Get("WARC-Type"))
	if typ == "" {
		return nil, errors.New("no WARC-Type")
	}
	h.Add("WARC-Type", typ)
	id := firstNonEmpty(rec.ID, given.Get("WARC-Record-ID"))
	if id == "" {
		id = e.newID()
	}
	h.Add("WARC-Record-ID", id)
	date := given.Get("WARC-Date")
	if !rec.Date.IsZero() || date == "" {
		d := rec.Date
		if d.IsZero() {
			d = e.now()
		}
		date = formatWARCDate(d)
	}
	h.Add("WARC-Date", date)
	if uri := stripAngles(firstNonEmpty(rec.TargetURI, given.Get("WARC-Target-URI"))); uri != "" {
		h.Add("WARC-Target-URI", uri)
	}
	if info := given.Get("WARC-Warcinfo-ID"); info != "" {
		h.Add("WARC-Warcinfo-ID", info)
	} else if typ != TypeWarcinfo && warcinfoID != "" {
		h.Add("WARC-Warcinfo-ID", warcinfoID)
		p.autoInfo = true
	}
	ct := firstNonEmpty(rec.ContentType, given.Get("Content-Type"))
	if ct != "" {
		h.Add("Content-Type", ct)
	}
	for _, f := range given.fields {
		if !isStandard(f.Name) {
			h.Add(f.Name, f.Value)
		}
	}
	head, err := e.digests(p, typ, ct, given)
	if err != nil {
		return nil, err
	}
	h.Add("Content-Length", strconv.FormatInt(p.size, 10))
	p.header = appendHeader(make([]byte, 0, 1024), *h)
	p.entry = entryFromHeader(*h)
	if sniffsHTTP(typ, ct) {
		if head == nil {
			if head, err = e.sniff(p.block, p.size); err != nil {
				return nil, err
			}
		}
		p.entry.setHTTP(head)
		p.packed = typ == TypeResponse && head.done && (head.encoded || packedType(head.mime))
	} else if typ == TypeResource {
		p.packed = packedType(mediaType(ct))
	}
	return p, nil
}

// packedType says whether a media type is compressed in itself (images,
// audio and video in their usual formats, WOFF fonts, archives): deflating
// it again gains almost nothing and costs what deflating text does.
func packedType(mt string) bool {
	switch mt {
	case "image/jpeg", "image/png", "image/gif", "image/webp", "image/avif", "image/heic",
		"font/woff", "font/woff2", "application/font-woff", "application/font-woff2",
		"application/zip", "application/gzip", "application/x-gzip", "application/zstd",
		"application/x-bzip2", "application/x-xz", "application/x-7z-compressed":
		return true
	}
	return strings.HasPrefix(mt, "video/") ||
		(strings.HasPrefix(mt, "audio/") && mt != "audio/wav" && mt != "audio/x-wav" && mt != "audio/aiff")
}

// digests adds WARC-Block-Digest and WARC-Payload-Digest (given ones as given,
// missing ones computed) and returns the parsed HTTP header when it parsed one.
func (e *encoder) digests(p *prepared, typ, ct string, given Header) (*httpHead, error) {
	block, payload := given.Get("WARC-Block-Digest"), given.Get("WARC-Payload-Digest")
	wantPayload := payload == "" && (typ == TypeResponse || typ == TypeResource)
	var head *httpHead
	if block == "" || wantPayload {
		if typ == TypeResponse && mediaType(ct) == "application/http" {
			d := NewHTTPDigester()
			if err := e.readBlock(p.block, p.size, d); err != nil {
				return nil, err
			}
			block = firstNonEmpty(block, d.BlockDigest())
			if wantPayload {
				payload = d.PayloadDigest()
			}
			head = &d.head
		} else {
			hs := sha256.New()
			if err := e.readBlock(p.block, p.size, hs); err != nil {
				return nil, err
			}
			sum := formatSHA256(hs.Sum(nil))
			block = firstNonEmpty(block, sum)
			if wantPayload {
				payload = sum
			}
		}
	}
	p.fields.Add("WARC-Block-Digest", block)
	if payload != "" {
		p.fields.Add("WARC-Payload-Digest", payload)
	}
	return head, nil
}

// sniff parses the HTTP header at the start of a block.
func (e *encoder) sniff(ra io.ReaderAt, size int64) (*httpHead, error) {
	head := &httpHead{}
	buf := e.getBuf()
	defer e.putBuf(buf)
	for off := int64(0); off < size && !head.done && !head.failed; {
		n := int(min(int64(len(*buf)), size-off, 4096))
		if err := readFullAt(ra, (*buf)[:n], off); err != nil {
			return nil, err
		}
		head.feed((*buf)[:n])
		off += int64(n)
	}
	return head, nil
}

// readBlock writes the size bytes of ra to w.
func (e *encoder) readBlock(ra io.ReaderAt, size int64, w io.Writer) error {
	buf := e.getBuf()
	defer e.putBuf(buf)
	for off := int64(0); off < size; {
		n := int(min(int64(len(*buf)), size-off))
		if err := readFullAt(ra, (*buf)[:n], off); err != nil {
			return err
		}
		if _, err := w.Write((*buf)[:n]); err != nil {
			return err
		}
		off += int64(n)
	}
	return nil
}

func readFullAt(ra io.ReaderAt, p []byte, off int64) error {
	n, err := ra.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("read block at %d: %w", off+int64(n), err)
}

// encode writes the whole record (a gzip member when gzipped) to dst.
func (e *encoder) encode(dst io.Writer, p *prepared, gzipped bool) error {
	out := dst
	var zw *gzip.Writer
	if gzipped {
		pool, level := &e.zpool, e.level
		if p.packed {
			// A gzip member of stored blocks: measured on the bench site
			// (half its record bytes are gzipped pages and images), half the
			// compression CPU for 1% more bytes. See docs/decisions.md.
			pool, level = &e.spool, gzip.NoCompression
		}
		zw = getGzip(pool, level, dst)
		defer pool.Put(zw)
		out = zw
	}
	if _, err := out.Write(p.header); err != nil {
		return err
	}
	if err := e.readBlock(p.block, p.size, out); err != nil {
		return err
	}
	if _, err := io.WriteString(out, "\r\n\r\n"); err != nil {
		return err
	}
	if zw != nil {
		return zw.Close()
	}
	return nil
}

func getGzip(pool *sync.Pool, level int, dst io.Writer) *gzip.Writer {
	if zw, ok := pool.Get().(*gzip.Writer); ok {
		zw.Reset(dst)
		return zw
	}
	zw, err := gzip.NewWriterLevel(dst, level)
	if err != nil { // the level was validated by the constructors
		zw = gzip.NewWriter(dst)
	}
	return zw
}

func (e *encoder) getBuf() *[]byte {
	if b, ok := e.bpool.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, copyBufSize)
	return &b
}

func (e *encoder) putBuf(b *[]byte) { e.bpool.Put(b) }

// setWarcinfoID rewrites a writer-filled WARC-Warcinfo-ID (after a rotation).
func (p *prepared) setWarcinfoID(id string) {
	if !p.autoInfo || p.fields.Get("WARC-Warcinfo-ID") == id {
		return
	}
	p.fields.Set("WARC-Warcinfo-ID", id)
	p.header = appendHeader(nil, p.fields)
}
