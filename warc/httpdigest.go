package warc

import (
	"crypto/sha256"
	"hash"
	"io"
)

// HTTPDigester computes the digests of an application/http block fed through
// Write in any slicing: the block digest over every byte, and the payload digest
// over the entity after the HTTP header with chunked transfer-coding removed but
// content-coding kept (gzip stays gzip), as iipc/warc-specifications issue #22
// asks. It also exposes the parsed status and media type.
type HTTPDigester struct {
	block   hash.Hash // nil: not computed
	payload hash.Hash
	raw     hash.Hash // entity with chunk framing; nil unless wanted (verification)
	head    httpHead
	chunk   dechunker
}

// NewHTTPDigester returns a digester computing sha256 digests.
func NewHTTPDigester() *HTTPDigester {
	return newHTTPDigester(sha256.New(), sha256.New(), nil)
}

func newHTTPDigester(block, payload, raw hash.Hash) *HTTPDigester {
	d := &HTTPDigester{block: block, payload: payload, raw: raw}
	d.chunk.w = payload
	return d
}

var _ io.Writer = (*HTTPDigester)(nil)

// Write feeds block bytes. It never fails.
func (d *HTTPDigester) Write(p []byte) (int, error) {
	if d.block != nil {
		d.block.Write(p)
	}
	body := p
	if !d.head.done {
		if d.head.failed {
			return len(p), nil
		}
		body = p[d.head.feed(p):]
		if !d.head.done || len(body) == 0 {
			return len(p), nil
		}
	}
	if d.raw != nil {
		d.raw.Write(body)
	}
	if d.head.chunked {
		_, _ = d.chunk.Write(body)
	} else {
		d.payload.Write(body)
	}
	return len(p), nil
}

// BlockDigest returns "sha256:<hex>" of every byte written.
func (d *HTTPDigester) BlockDigest() string { return formatSHA256(d.block.Sum(nil)) }

// PayloadDigest returns "sha256:<hex>" of the de-chunked entity. When the HTTP
// header never completed, it is the digest of no bytes; it is never "".
func (d *HTTPDigester) PayloadDigest() string { return formatSHA256(d.payload.Sum(nil)) }

// Status returns the HTTP status code of a response header, or 0 (a request,
// no complete header, no valid status line).
func (d *HTTPDigester) Status() int { return d.head.Status() }

// MIME returns the media type of the HTTP Content-Type, lowercased and without
// parameters, or "" when there is none or the header did not complete.
func (d *HTTPDigester) MIME() string { return d.head.MIME() }
