package testsite

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image/color"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// Bomb pages: cheap to send, costly to parse. Their bodies are generated as
// they are sent, so a 10 GiB bomb costs the server a few megabytes.
const (
	// BombHead starts every bomb page: a title and one requisite that a
	// parser reaches before the filler.
	BombHead = `<!doctype html><html><head><title>Bomb</title></head><body><img src="/early.png">`
	// LateImage is the requisite put after the filler of the links page.
	LateImage = `<img src="/late.png">`
)

// NewBombs starts a server of hostile pages on 127.0.0.1 (see BombHandler);
// it stops when the test ends.
func NewBombs(t testing.TB) *httptest.Server {
	t.Helper()
	return listen(t, "127.0.0.1", BombHandler())
}

// BombHandler serves pages that are cheap to send and costly to parse:
//
//	/gzip-bomb?size=N   a gzip body that expands to N bytes (BombHead, then <p> repeated)
//	/links?size=N       N bytes of plain HTML: BombHead, links to /l/1, /l/2…, then LateImage
//	/deep?n=N           BombHead, N nested <div>s, then <img src="/deep.png"> and a link to /after-deep
//	/early.png, /late.png, /deep.png   small images
func BombHandler() http.Handler {
	png := PNG(2, 2, color.RGBA{R: 200, A: 255})
	mux := http.NewServeMux()
	for _, p := range []string{"/early.png", "/late.png", "/deep.png"} {
		mux.HandleFunc("GET "+p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Write(png)
		})
	}
	mux.HandleFunc("GET /gzip-bomb", func(w http.ResponseWriter, r *http.Request) {
		n := sizeParam(r, "size", 8<<20)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", "gzip")
		WriteGzipBomb(w, n)
	})
	mux.HandleFunc("GET /links", func(w http.ResponseWriter, r *http.Request) {
		page := LinksPage(sizeParam(r, "size", 10<<20))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(page)))
		w.Write(page)
	})
	mux.HandleFunc("GET /deep", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(DeepPage(int(sizeParam(r, "n", 1_000_000))))
	})
	return mux
}

func sizeParam(r *http.Request, name string, def int64) int64 {
	if n, err := strconv.ParseInt(r.URL.Query().Get(name), 10, 64); err == nil && n > 0 {
		return n
	}
	return def
}

// LinksPage is the body of /links?size=n.
func LinksPage(n int64) []byte {
	var b bytes.Buffer
	b.WriteString(BombHead)
	for i := 1; int64(b.Len()+len(LateImage)) < n; i++ {
		fmt.Fprintf(&b, "<a href=\"/l/%d\">link %d</a>\n", i, i)
	}
	b.WriteString(LateImage)
	return b.Bytes()
}

// DeepPage is the body of /deep?n=n.
func DeepPage(n int) []byte {
	var b bytes.Buffer
	b.WriteString(BombHead)
	for range n {
		b.WriteString("<div>")
	}
	b.WriteString(`<p>Deep down.</p><img src="/deep.png"><a href="/after-deep">on</a>`)
	return b.Bytes()
}

// WriteGzipBomb writes one gzip member whose content is BombHead followed
// by "<p>" repeated to size bytes in all (rounded down to whole <p>s). The
// filler is compressed once, as a run of deflate blocks ending on a sync
// flush, and that run is written again and again: each copy refers only to
// bytes it produced itself, so the copies make one valid deflate stream.
func WriteGzipBomb(w io.Writer, size int64) error {
	const unit = "<p>"
	chunk := bytes.Repeat([]byte(unit), (1<<20)/len(unit)) // decoded bytes per copy
	head := []byte(BombHead)
	fill := max(size-int64(len(head)), 0)
	fill -= fill % int64(len(unit))
	crc := crc32.NewIEEE()
	var total uint32 // the decoded size modulo 2^32, as gzip's trailer wants it
	if _, err := w.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}); err != nil {
		return err
	}
	emit := func(data []byte) ([]byte, error) {
		var seg bytes.Buffer
		fw, _ := flate.NewWriter(&seg, flate.BestCompression)
		fw.Write(data)
		fw.Flush() // byte-aligned, not final
		_, err := w.Write(seg.Bytes())
		crc.Write(data)
		total += uint32(len(data))
		return seg.Bytes(), err
	}
	if _, err := emit(head); err != nil {
		return err
	}
	var seg []byte
	for ; fill >= int64(len(chunk)); fill -= int64(len(chunk)) {
		if seg == nil {
			var err error
			if seg, err = emit(chunk); err != nil {
				return err
			}
			continue
		}
		if _, err := w.Write(seg); err != nil {
			return err
		}
		crc.Write(chunk)
		total += uint32(len(chunk))
	}
	if fill > 0 {
		if _, err := emit(chunk[:fill]); err != nil {
			return err
		}
	}
	trailer := []byte{0x03, 0x00} // an empty final fixed-Huffman block
	trailer = binary.LittleEndian.AppendUint32(trailer, crc.Sum32())
	trailer = binary.LittleEndian.AppendUint32(trailer, total)
	_, err := w.Write(trailer)
	return err
}
