package replay

import (
	"compress/flate"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// keptHeaders pass through to a replayed response as archived; any other
// archived field is sent as X-Archive-Orig-<name>, as pywb does, so nothing
// archived can set cookies, policies or caching rules on the replay origin.
// CORS fields (Access-Control-*) are never kept: an archived
// "Access-Control-Allow-Origin: *" would let any web page read the archive.
var keptHeaders = map[string]bool{
	"Content-Type": true, "Content-Language": true, "Content-Disposition": true,
	"Last-Modified": true, "Etag": true,
}

// hopHeaders describe one connection, not the archived resource.
var hopHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Transfer-Encoding": true,
	"Te": true, "Trailer": true, "Upgrade": true, "Content-Length": true,
}

// copyArchivedHeader puts the archived header fields into h. With raw (id_)
// the archived Content-Encoding is kept, since the body is sent unchanged.
func copyArchivedHeader(h, archived http.Header, raw bool) {
	for name, vals := range archived {
		switch {
		case hopHeaders[name]:
		case keptHeaders[name], raw && name == "Content-Encoding":
			h[name] = vals
		case name == "Location", name == "Content-Encoding":
			// Location is rewritten by the caller; Content-Encoding depends on whether the body is decoded.
		default:
			h["X-Archive-Orig-"+name] = vals
		}
	}
}

var gzipReaders sync.Pool // *gzip.Reader

// decodedBody returns the entity with its Content-Encoding removed.
func decodedBody(p *payload) (io.Reader, error) {
	switch enc := strings.ToLower(strings.TrimSpace(p.header.Get("Content-Encoding"))); enc {
	case "", "identity":
		return p.body, nil
	case "gzip", "x-gzip":
		zr, _ := gzipReaders.Get().(*gzip.Reader)
		var err error
		if zr == nil {
			zr, err = gzip.NewReader(p.body)
		} else {
			err = zr.Reset(p.body)
		}
		if err != nil {
			return nil, fmt.Errorf("gzip body: %w", err)
		}
		p.closer = multiCloser{p.closer, closerFunc(func() error { gzipReaders.Put(zr); return nil })}
		return zr, nil
	case "deflate":
		return flate.NewReader(p.body), nil
	default:
		return nil, fmt.Errorf("content encoding %q", enc)
	}
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

type multiCloser []io.Closer

func (m multiCloser) Close() error {
	var first error
	for _, c := range m {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// parseRange reads a single "bytes=a-b", "bytes=a-" or "bytes=-n" range
// within size; ok is false for no range, several ranges or one that cannot
// be satisfied.
func parseRange(v string, size int64) (start, end int64, ok bool) {
	spec, found := strings.CutPrefix(strings.TrimSpace(v), "bytes=")
	if !found || strings.Contains(spec, ",") || size <= 0 {
		return 0, 0, false
	}
	a, b, found := strings.Cut(spec, "-")
	if !found {
		return 0, 0, false
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	switch {
	case a == "" && b != "":
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return 0, 0, false
		}
		return max(size-n, 0), size - 1, true
	case a != "":
		s, err := strconv.ParseInt(a, 10, 64)
		if err != nil || s < 0 || s >= size {
			return 0, 0, false
		}
		e := size - 1
		if b != "" {
			if e, err = strconv.ParseInt(b, 10, 64); err != nil || e < s {
				return 0, 0, false
			}
			e = min(e, size-1)
		}
		return s, e, true
	}
	return 0, 0, false
}

// rangeUnsatisfiable reports a well-formed single range that starts past the end.
func rangeUnsatisfiable(v string, size int64) bool {
	spec, found := strings.CutPrefix(strings.TrimSpace(v), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return false
	}
	a, _, _ := strings.Cut(spec, "-")
	s, err := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
	return err == nil && s >= size
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
