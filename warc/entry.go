package warc

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Entry describes one record as written to, or read from, a WARC file: what an
// index and a CDXJ line need.
type Entry struct {
	ID, Type, TargetURI string // TargetURI without angle brackets
	Date                time.Time
	// Filename is the file as given to the writer or scanner: a slash-separated
	// path relative to the archive root, with its final name (never ".open").
	Filename string
	// Offset and Length locate the record in the file; in a gzipped file they
	// are those of its gzip member.
	Offset, Length int64
	// BlockDigest and PayloadDigest are exactly as in the header ("" when absent).
	BlockDigest, PayloadDigest string
	// MIME: for a response, the media type of its HTTP Content-Type, lowercased,
	// without parameters ("unk" when none); for a revisit, "warc/revisit"; for
	// other records the media type of the record's Content-Type ("unk" when none).
	MIME string
	// Status is the HTTP status of a response, and of a revisit whose block holds
	// the HTTP header; 0 otherwise.
	Status       int
	RefersToURI  string    // revisit: WARC-Refers-To-Target-URI
	RefersToDate time.Time // revisit: WARC-Refers-To-Date
	ConcurrentTo string    // WARC-Concurrent-To
	Truncated    string    // WARC-Truncated
}

// InCDXJ reports whether e gets a line in the CDXJ file beside its WARC:
// the captures (Indexed) and the pages' metadata records at
// "urn:pageinfo:<url>" (IsPageInfo), which replay nodes reading only CDXJ
// files need to find the pages' titles and text.
func InCDXJ(e Entry) bool { return Indexed(e) || IsPageInfo(e) }

// Indexed reports whether e is a capture replay can serve: responses,
// revisits and resources.
func Indexed(e Entry) bool {
	switch e.Type {
	case TypeResponse, TypeRevisit, TypeResource:
		return true
	}
	return false
}

// entryFromHeader fills the fields of an Entry that come from the WARC header.
// The writer and the reader both use it, so they agree.
func entryFromHeader(h Header) Entry {
	e := Entry{
		ID:            h.Get("WARC-Record-ID"),
		Type:          h.Get("WARC-Type"),
		TargetURI:     stripAngles(h.Get("WARC-Target-URI")),
		BlockDigest:   h.Get("WARC-Block-Digest"),
		PayloadDigest: h.Get("WARC-Payload-Digest"),
		RefersToURI:   stripAngles(h.Get("WARC-Refers-To-Target-URI")),
		ConcurrentTo:  h.Get("WARC-Concurrent-To"),
		Truncated:     h.Get("WARC-Truncated"),
	}
	e.Date, _ = parseWARCDate(h.Get("WARC-Date"))
	e.RefersToDate, _ = parseWARCDate(h.Get("WARC-Refers-To-Date"))
	ct := h.Get("Content-Type")
	switch {
	case e.Type == TypeRevisit:
		e.MIME = "warc/revisit"
	case e.Type == TypeResponse && sniffsHTTP(e.Type, ct):
		e.MIME = "" // from the HTTP header, filled by setHTTP
	default:
		e.MIME = mediaType(ct)
	}
	if e.MIME == "" {
		e.MIME = "unk"
	}
	return e
}

// setHTTP records what the HTTP header of the block says, for records whose
// block is parsed (see sniffsHTTP).
func (e *Entry) setHTTP(h *httpHead) {
	e.Status = h.Status()
	if e.Type == TypeResponse {
		e.MIME = h.MIME()
		if e.MIME == "" {
			e.MIME = "unk"
		}
	}
}

// sniffsHTTP reports whether the block of a record of this type and Content-Type
// is parsed as an HTTP message for the Entry's status and MIME.
func sniffsHTTP(recType, contentType string) bool {
	if recType != TypeResponse && recType != TypeRevisit {
		return false
	}
	mt := mediaType(contentType)
	return mt == "application/http" || mt == ""
}

func stripAngles(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '<' && s[len(s)-1] == '>' {
		return s[1 : len(s)-1]
	}
	return s
}

// formatWARCDate renders t as WARC-Date: UTC, second precision, RFC 3339.
func formatWARCDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

var warcDateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z",
	"2006-01-02T15:04Z",
	"2006-01-02T15:04:05",
	"2006-01-02",
	timestamp14Layout,
}

func parseWARCDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("warc: empty date")
	}
	for _, l := range warcDateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("warc: bad date %q", s)
}

// EntryOf returns the Entry of a record read by a Reader: the same Entry the
// writer returned for it. It reads the record to its end (to learn its length,
// and the HTTP status and media type from the start of its block), so call it
// after reading what you need of rec.Block, or instead of reading it.
func EntryOf(rec *ReadRecord, filename string) (Entry, error) {
	e := entryFromHeader(rec.Header)
	e.Filename = filename
	e.Offset = rec.Offset
	if err := rec.finish(); err != nil {
		return e, fmt.Errorf("warc: entry of record at offset %d: %w", rec.Offset, err)
	}
	if rec.head != nil {
		e.setHTTP(rec.head)
	}
	e.Length = rec.Length
	return e, nil
}

// ScanFile calls fn with the Entry of every record of the WARC file at path, in
// file order. filename is the name recorded in the entries. It stops at the
// first damaged record, or when fn returns an error, and returns that error.
func ScanFile(path, filename string, fn func(Entry) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("warc: scan %s: %w", path, err)
	}
	defer f.Close()
	r, err := NewReader(f)
	if err != nil {
		return fmt.Errorf("warc: scan %s: %w", path, err)
	}
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("warc: scan %s: %w", path, err)
		}
		e, err := EntryOf(rec, filename)
		if err != nil {
			return fmt.Errorf("warc: scan %s: %w", path, err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
}
