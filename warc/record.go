package warc

import (
	"crypto/rand"
	"errors"
	"io"
	"slices"
	"strings"
	"time"
)

// WARC-Type values.
const (
	TypeWarcinfo = "warcinfo"
	TypeRequest  = "request"
	TypeResponse = "response"
	TypeRevisit  = "revisit"
	TypeResource = "resource"
	TypeMetadata = "metadata"
)

// ProfileIdenticalPayloadDigest is the WARC-Profile of a revisit record whose
// payload is identical to the one it refers to.
const ProfileIdenticalPayloadDigest = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"

// Record is one record to write.
type Record struct {
	Type      string
	TargetURI string    // written without angle brackets
	Date      time.Time // zero: the writer's clock; written in UTC, second precision
	ID        string    // "": a new "<urn:uuid:...>"
	// ContentType is the Content-Type of the block ("" omits the field), e.g.
	// "application/http; msgtype=response".
	ContentType string
	// Header holds further fields, written after the standard ones in order
	// (WARC-IP-Address, WARC-Concurrent-To, WARC-Truncated, WARC-Refers-To-*,
	// WARC-Profile, ...). A WARC-Block-Digest or WARC-Payload-Digest given here
	// is written as given, never recomputed; a Content-Length here is ignored.
	Header Header
	// Block is the record's content (nil: empty). The writer may read it twice:
	// once for the digests, once for the output.
	Block     io.ReaderAt
	BlockSize int64
}

// NewRecordID returns a new random record ID, "<urn:uuid:...>" (UUID version 4).
func NewRecordID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // never fails
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	b := make([]byte, 0, 47)
	b = append(b, "<urn:uuid:"...)
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[c>>4], hexDigits[c&15])
	}
	return string(append(b, '>'))
}

const hexDigits = "0123456789abcdef"

// Field is one named field of a WARC record header.
type Field struct{ Name, Value string }

// Header holds the named fields of a WARC record header in order.
// Names compare case-insensitively; the zero value is an empty header.
type Header struct {
	fields []Field
}

// Add appends a field, keeping any fields of the same name.
func (h *Header) Add(name, value string) {
	h.fields = append(h.fields, Field{Name: name, Value: value})
}

// Set replaces all fields named name by one field with value, at the position of
// the first of them (or at the end when there was none).
func (h *Header) Set(name, value string) {
	i := h.index(name)
	if i < 0 {
		h.Add(name, value)
		return
	}
	h.fields[i] = Field{Name: name, Value: value}
	out := h.fields[:i+1]
	for _, f := range h.fields[i+1:] {
		if !strings.EqualFold(f.Name, name) {
			out = append(out, f)
		}
	}
	h.fields = out
}

// Del removes all fields named name.
func (h *Header) Del(name string) {
	h.fields = deleteNamed(h.fields, name)
}

// Get returns the value of the first field named name, or "" when there is none.
func (h Header) Get(name string) string {
	if i := h.index(name); i >= 0 {
		return h.fields[i].Value
	}
	return ""
}

// Has reports whether a field named name is present (even with an empty value).
func (h Header) Has(name string) bool { return h.index(name) >= 0 }

// Fields returns a copy of the fields in order.
func (h Header) Fields() []Field { return slices.Clone(h.fields) }

// Len returns the number of fields.
func (h Header) Len() int { return len(h.fields) }

// Clone returns an independent copy of h.
func (h Header) Clone() Header { return Header{fields: slices.Clone(h.fields)} }

func (h Header) index(name string) int {
	for i, f := range h.fields {
		if strings.EqualFold(f.Name, name) {
			return i
		}
	}
	return -1
}

// deleteNamed removes the fields named name from fs in place.
func deleteNamed(fs []Field, name string) []Field {
	return slices.DeleteFunc(fs, func(f Field) bool { return strings.EqualFold(f.Name, name) })
}

// appendHeader appends the WARC header block (version line, fields, blank line).
// CR and LF inside names or values are replaced by spaces so a value can never
// start a new field.
func appendHeader(b []byte, h Header) []byte {
	b = append(b, "WARC/1.1\r\n"...)
	for _, f := range h.fields {
		b = appendClean(b, f.Name)
		b = append(b, ": "...)
		b = appendClean(b, f.Value)
		b = append(b, "\r\n"...)
	}
	return append(b, "\r\n"...)
}

func appendClean(b []byte, s string) []byte {
	if strings.IndexByte(s, '\r') < 0 && strings.IndexByte(s, '\n') < 0 {
		return append(b, s...)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return b
}

// appendFieldsBlock appends h as an application/warc-fields block ("name: value" lines).
func appendFieldsBlock(b []byte, h Header) []byte {
	for _, f := range h.fields {
		b = appendClean(b, f.Name)
		b = append(b, ": "...)
		b = appendClean(b, f.Value)
		b = append(b, "\r\n"...)
	}
	return b
}

// Sentinel errors. Errors returned by this package wrap them, so test with errors.Is.
var (
	// ErrTruncated reports a record cut short: the input ended inside its header,
	// its block or its gzip member.
	ErrTruncated = errors.New("warc: truncated record")
	// ErrMalformed reports bytes that are not a WARC record where one was expected:
	// a bad version line, header, Content-Length, gzip member or record end.
	ErrMalformed = errors.New("warc: malformed record")
	// ErrLocked reports an ".open" file still locked by a live writer.
	ErrLocked = errors.New("warc: file locked by a live writer")
	// ErrNotWARC reports a file that is empty or does not start with a WARC
	// record (VerifyFile).
	ErrNotWARC = errors.New("warc: not a WARC file")
	// ErrClosed reports a write to a closed FileWriter.
	ErrClosed = errors.New("warc: writer closed")
)
