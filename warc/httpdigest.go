package warc

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
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

// HeaderLen returns the length of the HTTP header, blank line included, or -1
// while it has not completed.
func (d *HTTPDigester) HeaderLen() int {
	if !d.head.done {
		return -1
	}
	return d.head.n
}

// MIME returns the media type of the HTTP Content-Type, lowercased and without
// parameters, or "" when there is none or the header did not complete.
func (d *HTTPDigester) MIME() string { return d.head.MIME() }

const (
	// maxHTTPHeader bounds the HTTP header parsed inside a block; a longer header
	// counts as one that never completed.
	maxHTTPHeader = 1 << 20
	// maxHTTPLine bounds how much of one header line is kept for parsing.
	maxHTTPLine = 8 << 10
)

// httpHead parses an HTTP message header fed in any slicing. It keeps only what
// an index needs: the status, the media type and whether the body is chunked.
type httpHead struct {
	n       int    // header bytes consumed
	line    []byte // current line, capped at maxHTTPLine
	lines   int    // complete lines seen
	done    bool   // the blank line ending the header was seen
	failed  bool   // the header exceeded maxHTTPHeader
	status  int
	mime    string
	chunked bool
	encoded bool // a Content-Encoding other than identity
}

// feed consumes header bytes from p and returns how many belonged to the header;
// once done, the rest of p is the start of the body.
func (h *httpHead) feed(p []byte) int {
	i := 0
	for i < len(p) && !h.done && !h.failed {
		seg := p[i:]
		j := bytes.IndexByte(seg, '\n')
		if j >= 0 {
			seg = seg[:j+1]
		}
		if h.n+len(seg) > maxHTTPHeader {
			h.failed = true
			return len(p)
		}
		h.n += len(seg)
		i += len(seg)
		if room := maxHTTPLine - len(h.line); room > 0 {
			h.line = append(h.line, seg[:min(room, len(seg))]...)
		}
		if j >= 0 {
			h.endLine()
		}
	}
	return i
}

func (h *httpHead) endLine() {
	line := bytes.TrimRight(h.line, "\r\n")
	defer func() { h.line = h.line[:0] }()
	if len(line) == 0 {
		h.done = true
		return
	}
	h.lines++
	if h.lines == 1 {
		h.status = parseStatusLine(string(line))
		return
	}
	name, value, ok := bytes.Cut(line, []byte(":"))
	if !ok {
		return
	}
	name = bytes.TrimSpace(name)
	switch {
	case bytes.EqualFold(name, []byte("Content-Type")):
		if h.mime == "" {
			h.mime = mediaType(string(value))
		}
	case bytes.EqualFold(name, []byte("Content-Encoding")):
		v := strings.TrimSpace(string(value))
		h.encoded = h.encoded || (v != "" && !strings.EqualFold(v, "identity"))
	case bytes.EqualFold(name, []byte("Transfer-Encoding")):
		codings := strings.Split(string(value), ",")
		h.chunked = strings.EqualFold(strings.TrimSpace(codings[len(codings)-1]), "chunked")
	}
}

// Status returns the parsed status once the header completed, else 0.
func (h *httpHead) Status() int {
	if !h.done {
		return 0
	}
	return h.status
}

// MIME returns the parsed media type once the header completed, else "".
func (h *httpHead) MIME() string {
	if !h.done {
		return ""
	}
	return h.mime
}

// parseStatusLine returns the status code of "HTTP/1.1 200 OK", or 0 for
// anything else (a request line, garbage).
func parseStatusLine(line string) int {
	if !strings.HasPrefix(line, "HTTP/") {
		return 0
	}
	f := strings.Fields(line)
	if len(f) < 2 || len(f[1]) != 3 {
		return 0
	}
	n, err := strconv.Atoi(f[1])
	if err != nil || n < 100 {
		return 0
	}
	return n
}

// mediaType returns the lowercased media type of a Content-Type value, without
// parameters ("" when empty).
func mediaType(v string) string {
	mt, _, _ := strings.Cut(v, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

// digestValue is a parsed "algorithm:value" digest field.
type digestValue struct {
	alg  string   // normalised: "sha1", "sha256", "sha512" or "md5"
	sums [][]byte // every decoding of the value that has the algorithm's size
}

// newHash returns a hash for a normalised algorithm name, or nil when unsupported.
func newHash(alg string) hash.Hash {
	switch alg {
	case "sha1":
		return sha1.New()
	case "sha256":
		return sha256.New()
	case "sha512":
		return sha512.New()
	case "md5":
		return md5.New()
	}
	return nil
}

// parseDigest parses a WARC digest such as "sha256:<hex>" or "sha1:<base32>".
// Values in hex, base32 (padded or not) and base64 (standard or URL-safe) are
// accepted, as written by different tools.
func parseDigest(v string) (digestValue, error) {
	name, val, ok := strings.Cut(strings.TrimSpace(v), ":")
	if !ok || val == "" {
		return digestValue{}, fmt.Errorf("digest %q: want algorithm:value", v)
	}
	alg := strings.ReplaceAll(strings.ToLower(name), "-", "")
	h := newHash(alg)
	if h == nil {
		return digestValue{}, fmt.Errorf("digest %q: unsupported algorithm %q", v, name)
	}
	d := digestValue{alg: alg}
	for _, dec := range digestDecoders {
		if b, err := dec(val); err == nil && len(b) == h.Size() {
			d.sums = append(d.sums, b)
		}
	}
	if len(d.sums) == 0 {
		return digestValue{}, fmt.Errorf("digest %q: value is not hex, base32 or base64 of a %s sum", v, alg)
	}
	return d, nil
}

var digestDecoders = []func(string) ([]byte, error){
	hex.DecodeString,
	func(s string) ([]byte, error) { return base32.StdEncoding.DecodeString(strings.ToUpper(s)) },
	func(s string) ([]byte, error) {
		return base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(s))
	},
	base64.StdEncoding.DecodeString,
	base64.RawStdEncoding.DecodeString,
	base64.URLEncoding.DecodeString,
	base64.RawURLEncoding.DecodeString,
}

// matches reports whether sum is one of the decodings of d.
func (d digestValue) matches(sum []byte) bool {
	for _, s := range d.sums {
		if bytes.Equal(s, sum) {
			return true
		}
	}
	return false
}

// formatSHA256 renders a sha256 sum the way Vellum writes digests.
func formatSHA256(sum []byte) string {
	return "sha256:" + hex.EncodeToString(sum)
}
