package warc

import (
	"bytes"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
)

// Problem is one finding of VerifyFile.
type Problem struct {
	Offset   int64  // offset of the record (its gzip member) or of the damage
	RecordID string // "" when unknown
	Msg      string // a warning's starts with "warning: "
	// Warning marks a finding that does not make the file invalid: the
	// record is whole, but readers must take care with it.
	Warning bool
}

// VerifyStats counts what VerifyFile saw.
type VerifyStats struct {
	Records  int // records whose header could be read
	Problems int // findings that make the file invalid
	Warnings int
}

// mandatoryFields must appear in every record.
var mandatoryFields = []string{"WARC-Record-ID", "WARC-Date", "WARC-Type", "Content-Length"}

// VerifyFile checks the framing and both digests of every record of the WARC
// file at path (WARC/1.0 or 1.1, plain or gzipped; digests in sha1, sha256,
// sha512 or md5, in hex, base32 or base64) and calls fn for each problem:
// truncation, bytes that are not a record, a damaged gzip member, a missing
// mandatory field, a block or payload digest mismatch, a block shorter than its
// Content-Length, a record not followed by CRLFCRLF, or, in a gzipped file, a
// record that does not fill exactly one gzip member. After damage it carries on
// with the next record it can find. A payload digest matches when it covers the
// de-chunked entity or, as older writers computed it, the entity with its chunk
// framing. A revisit's payload digest, being the original's, is not checked.
// The error reports trouble opening the file, and a file that is empty or
// does not start with a WARC record header (it wraps ErrNotWARC); damage is a
// Problem.
func VerifyFile(path string, fn func(Problem)) (VerifyStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return VerifyStats{}, fmt.Errorf("warc: verify %s: %w", path, err)
	}
	defer f.Close()
	return verifyReader(f, fn)
}

func verifyReader(r io.Reader, fn func(Problem)) (VerifyStats, error) {
	var st VerifyStats
	report := func(p Problem) {
		if p.Warning {
			st.Warnings++
		} else {
			st.Problems++
		}
		if fn != nil {
			fn(p)
		}
	}
	rd, err := NewReader(r)
	if err != nil {
		return st, err
	}
	if err := rd.startsLikeWARC(); err != nil {
		return st, err
	}
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return st, nil
		}
		if err != nil {
			report(Problem{Offset: rd.errOffset, RecordID: rd.errHeaders.Get("WARC-Record-ID"), Msg: err.Error()})
			if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrMalformed) {
				return st, nil // an I/O error: nothing more can be read
			}
			continue
		}
		st.Records++
		id := rec.Header.Get("WARC-Record-ID")
		msgs, warnings := checkRecord(rec, rd.ms != nil)
		for _, msg := range msgs {
			report(Problem{Offset: rec.Offset, RecordID: id, Msg: msg})
		}
		for _, msg := range warnings {
			report(Problem{Offset: rec.Offset, RecordID: id, Msg: "warning: " + msg, Warning: true})
		}
	}
}

// checkRecord reads rec's block and returns what is wrong with the record,
// and what readers should be warned of.
func checkRecord(rec *ReadRecord, gzipped bool) (msgs, warnings []string) {
	h := rec.Header
	for _, name := range mandatoryFields {
		if !h.Has(name) {
			msgs = append(msgs, "missing mandatory field "+name)
		}
	}
	if d := h.Get("WARC-Date"); d != "" {
		if _, err := parseWARCDate(d); err != nil {
			msgs = append(msgs, fmt.Sprintf("bad WARC-Date %q", d))
		}
	}
	var writers []io.Writer
	block, bsum, msgs := digestWriter(h, "WARC-Block-Digest", msgs)
	if bsum != nil {
		writers = append(writers, bsum)
	}
	var payload digestValue
	var psum, praw hash.Hash
	if h.Get("WARC-Type") != TypeRevisit {
		payload, psum, msgs = digestWriter(h, "WARC-Payload-Digest", msgs)
	}
	var hd *HTTPDigester // parses an HTTP response's framing, digest or not
	isHTTP := mediaType(h.Get("Content-Type")) == "application/http"
	switch {
	case psum != nil && isHTTP:
		praw = newHash(payload.alg)
		hd = newHTTPDigester(nil, psum, praw)
		writers = append(writers, hd)
	case psum != nil:
		writers = append(writers, psum)
	case isHTTP && h.Get("WARC-Type") == TypeResponse:
		hd = newHTTPDigester(nil, discardHash{}, nil)
		writers = append(writers, hd)
	}
	if _, err := io.Copy(io.MultiWriter(writers...), rec.Block); err != nil {
		return append(msgs, err.Error()), warnings
	}

	if bsum != nil && !block.matches(bsum.Sum(nil)) {
		msgs = append(msgs, fmt.Sprintf("WARC-Block-Digest mismatch: header %s, computed %s:%x",
			h.Get("WARC-Block-Digest"), block.alg, bsum.Sum(nil)))
	}
	if psum != nil && !payload.matches(psum.Sum(nil)) && (praw == nil || !payload.matches(praw.Sum(nil))) {
		msgs = append(msgs, fmt.Sprintf("WARC-Payload-Digest mismatch: header %s, computed %s:%x",
			h.Get("WARC-Payload-Digest"), payload.alg, psum.Sum(nil)))
	}
	if rec.badTrailer {
		msgs = append(msgs, "record not followed by CRLFCRLF")
	}
	if gzipped && !rec.gzipAlone() {
		msgs = append(msgs, "record does not fill exactly one gzip member")
	}
	// On a damaged record, odd framing is more damage, not a warning.
	if len(msgs) == 0 && hd != nil && hd.head.chunked && hd.chunk.notChunks(true) && h.Get("WARC-Truncated") == "" {
		warnings = append(warnings, "HTTP header says Transfer-Encoding: chunked but the body is not in chunks "+
			"(stored de-chunked, as pywb recorded some responses); readers must use the body as stored")
	}
	return msgs, warnings
}

// discardHash is a hash.Hash that keeps nothing, for parsing without digesting.
type discardHash struct{}

func (discardHash) Write(p []byte) (int, error) { return len(p), nil }
func (discardHash) Sum(b []byte) []byte         { return b }
func (discardHash) Reset()                      {}
func (discardHash) Size() int                   { return 0 }
func (discardHash) BlockSize() int              { return 1 }

// digestWriter parses the digest field name of h and returns a hash to feed
// with the data it covers (nil when the field is absent or unusable).
func digestWriter(h Header, name string, msgs []string) (digestValue, hash.Hash, []string) {
	v := h.Get(name)
	if v == "" {
		return digestValue{}, nil, msgs
	}
	d, err := parseDigest(v)
	if err != nil {
		return d, nil, append(msgs, fmt.Sprintf("bad %s: %v", name, err))
	}
	return d, newHash(d.alg), msgs
}

// startsLikeWARC returns an error wrapping ErrNotWARC when the input is empty
// or does not start (after blank lines, decompressed) with a WARC version
// line: such a file is not a damaged WARC, and its bytes are nothing to show.
// A read error is left for Next to report.
func (r *Reader) startsLikeWARC() error {
	b, err := r.br.Peek(maxLeadingBlank + len(warcMagic))
	if len(b) == 0 && err == io.EOF {
		return fmt.Errorf("%w: the file is empty", ErrNotWARC)
	}
	b = bytes.TrimLeft(b, "\r\n")
	switch {
	case bytes.HasPrefix(b, warcMagic):
		return nil
	case len(b) < len(warcMagic) && bytes.HasPrefix(warcMagic, b) && err != nil:
		return nil // cut short inside the version line: truncation, for Next
	case len(b) < len(warcMagic) && err != nil && err != io.EOF:
		return nil // unreadable (a damaged gzip member): for Next
	}
	return ErrNotWARC
}

var warcMagic = []byte("WARC/")

// maxLeadingBlank is how many blank-line bytes may precede the first record.
const maxLeadingBlank = 64
