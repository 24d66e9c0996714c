package replay

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/warc"
)

// payload is an archived HTTP response, read from its WARC record and ready
// to serve.
type payload struct {
	status int
	header http.Header // the archived response header (hop-by-hop fields still in)
	body   io.Reader   // the entity: de-chunked, still content-encoded as archived
	size   int64       // entity length when known (Content-Length of a non-chunked response), else -1
	closer io.Closer
}

func (p *payload) Close() error { return p.closer.Close() }

// errUnreadable marks a capture whose WARC file is missing or damaged: the
// server reports it and keeps serving.
var errUnreadable = errors.New("capture unreadable")

// load reads the record of c from the store. A revisit is resolved to the
// payload of the response it refers to, keeping the revisit's own HTTP
// header when it has one.
func (s *Server) load(ctx context.Context, c index.Capture) (*payload, error) {
	rc, rec, err := s.openRecord(ctx, c)
	if err != nil {
		return nil, err
	}
	switch rec.Header.Get("WARC-Type") {
	case warc.TypeResponse:
		return parseHTTP(rec.Block, rc, c)
	case warc.TypeResource:
		return &payload{status: http.StatusOK, header: http.Header{"Content-Type": {rec.Header.Get("Content-Type")}},
			body: rec.Block, size: contentLength(rec.Header.Get("Content-Length")), closer: rc}, nil
	case warc.TypeRevisit:
		own, _ := parseHTTP(rec.Block, rc, c) // a revisit may hold the HTTP header (and no body)
		orig, err := s.resolveRevisit(ctx, c)
		if err != nil {
			rc.Close()
			return nil, err
		}
		if own != nil && own.status != 0 {
			orig.status, orig.header = own.status, own.header
		}
		rc.Close()
		return orig, nil
	}
	rc.Close()
	return nil, fmt.Errorf("%w: %s at %d is a %s record", errUnreadable, c.Filename, c.Offset, rec.Header.Get("WARC-Type"))
}

func (s *Server) openRecord(ctx context.Context, c index.Capture) (io.Closer, *warc.ReadRecord, error) {
	if err := storage.CheckKey(c.Filename); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errUnreadable, err)
	}
	off, n, skip := c.Offset, c.Length, int64(0)
	if n <= 0 {
		n = -1
	}
	if inGzipStream(c) {
		off, skip = 0, c.Offset
	}
	rc, err := s.store.Open(ctx, c.Filename, off, n)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %v", errUnreadable, c.Filename, err)
	}
	rd, err := warc.NewReader(rc)
	if err != nil {
		rc.Close()
		return nil, nil, fmt.Errorf("%w: %s at %d: %v", errUnreadable, c.Filename, c.Offset, err)
	}
	both := multiCloser{rd, rc} // the reader's pooled buffers first, then the file
	if skip > 0 {
		if err := rd.Discard(skip); err != nil {
			both.Close()
			return nil, nil, fmt.Errorf("%w: %s at %d: %v", errUnreadable, c.Filename, c.Offset, err)
		}
	}
	rec, err := rd.Next()
	if err != nil {
		both.Close()
		return nil, nil, fmt.Errorf("%w: %s at %d: %v", errUnreadable, c.Filename, c.Offset, err)
	}
	return both, rec, nil
}

// inGzipStream reports whether c lies inside a gzip stream shared with
// other records (a WARC gzipped whole): the index then gives its offset in
// the decompressed stream and no length (index.ReadFile), and the file is
// read from its start.
func inGzipStream(c index.Capture) bool {
	return c.Length == 0 && c.Offset > 0 && strings.HasSuffix(c.Filename, ".gz")
}

// resolveRevisit finds the response a revisit stands for: the capture of
// WARC-Refers-To-Target-URI at WARC-Refers-To-Date, else the latest earlier
// response of the same URL with the same payload digest.
func (s *Server) resolveRevisit(ctx context.Context, c index.Capture) (*payload, error) {
	target := c.RefersToURL
	if target == "" {
		target = c.URL
	}
	key, err := warc.SURT(target)
	if err != nil {
		return nil, fmt.Errorf("%w: revisit of %q: %v", errUnreadable, target, err)
	}
	ts := c.RefersToTimestamp
	if ts == "" {
		ts = c.Timestamp
	}
	cands, err := s.idx.Closest(ctx, key, ts, 20)
	if err != nil {
		return nil, err
	}
	for _, o := range cands {
		if o.Type != warc.TypeResponse || (c.Digest != "" && o.Digest != c.Digest) {
			continue
		}
		if p, err := s.load(ctx, o); err == nil {
			return p, nil
		}
	}
	return nil, fmt.Errorf("%w: revisit of %s at %s: the original response is not in the archive", errUnreadable, target, ts)
}

// parseHTTP reads the HTTP response header of a record block; the body
// reader removes chunked framing (warc.NewDechunkReader).
func parseHTTP(block io.Reader, rc io.Closer, c index.Capture) (*payload, error) {
	br := httpReaders.Get().(*bufio.Reader)
	br.Reset(block)
	release := closerFunc(func() error { br.Reset(nil); httpReaders.Put(br); return nil })
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		rc.Close()
		release()
		return nil, fmt.Errorf("%w: %s at %d: bad HTTP response: %v", errUnreadable, c.Filename, c.Offset, err)
	}
	size, body := int64(-1), io.Reader(resp.Body)
	switch {
	case len(resp.TransferEncoding) == 0:
		size = resp.ContentLength
	case resp.TransferEncoding[0] == "chunked":
		// net/http's chunked reader fails at the first byte of a body some
		// tools stored de-chunked under a chunked header (pywb issue 584),
		// and the page came out empty; ours reads such a body as stored.
		body = warc.NewDechunkReader(br)
	}
	return &payload{status: resp.StatusCode, header: resp.Header, body: body, size: size, closer: multiCloser{rc, release}}, nil
}

// httpReaders are the buffered readers HTTP headers of records are parsed with.
var httpReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 16<<10) }}

func contentLength(v string) int64 {
	var n int64
	if _, err := fmt.Sscan(strings.TrimSpace(v), &n); err != nil {
		return -1
	}
	return n
}
