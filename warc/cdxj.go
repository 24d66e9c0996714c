package warc

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CDXJ returns the record's CDXJ line (without newline) in pywb's format:
//
//	<surt> <14-digit timestamp> {"url":...,"mime":...,"status":...,"digest":...,"length":...,"offset":...,"filename":...}
//
// Values are JSON strings as pywb writes them; "status" is omitted when 0 and
// "digest" (the payload digest, exactly as in the header) when absent. The error
// reports a URL that cannot be turned into a SURT key.
func (e Entry) CDXJ() (string, error) {
	b, err := e.appendCDXJ(nil)
	return string(b), err
}

// appendCDXJ appends the record's CDXJ line (without newline) to b.
func (e Entry) appendCDXJ(b []byte) ([]byte, error) {
	key, err := SURT(e.TargetURI)
	if err != nil {
		return b, fmt.Errorf("warc: cdxj of record %s: %w", e.ID, err)
	}
	b = append(b, key...)
	b = append(b, ' ')
	b = append(b, Timestamp14(e.Date)...)
	b = append(b, ` {"url":`...)
	b = appendJSONString(b, e.TargetURI)
	b = append(b, `,"mime":`...)
	b = appendJSONString(b, e.MIME)
	if e.Status != 0 {
		b = append(b, `,"status":"`...)
		b = strconv.AppendInt(b, int64(e.Status), 10)
		b = append(b, '"')
	}
	if e.PayloadDigest != "" {
		b = append(b, `,"digest":`...)
		b = appendJSONString(b, e.PayloadDigest)
	}
	b = append(b, `,"length":"`...)
	b = strconv.AppendInt(b, e.Length, 10)
	b = append(b, `","offset":"`...)
	b = strconv.AppendInt(b, e.Offset, 10)
	b = append(b, `","filename":`...)
	b = appendJSONString(b, e.Filename)
	return append(b, '}'), nil
}

// appendJSONString appends s as a JSON string without escaping HTML characters
// (as Python's json.dumps); invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	if plainJSON(s) {
		b = append(b, s...)
		return append(b, '"')
	}
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\')
			b = utf8.AppendRune(b, r)
		case r < 0x20:
			b = append(b, `\u00`...)
			b = append(b, hexDigits[r>>4], hexDigits[r&15])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

// plainJSON reports whether s is printable ASCII needing no JSON escape.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// CDXJLine is a parsed CDXJ line.
type CDXJLine struct {
	URLKey, Timestamp string
	// Fields holds the JSON object's members; numbers and booleans are kept as
	// their JSON text, null as "".
	Fields map[string]string
}

// ErrBadCDXJ reports a line that is not "<key> <timestamp> {json}".
var ErrBadCDXJ = errors.New("warc: bad CDXJ line")

// ParseCDXJ parses one CDXJ line ("<urlkey> <timestamp> {json}").
func ParseCDXJ(line string) (CDXJLine, error) {
	line = strings.TrimRight(line, "\r\n")
	key, rest, ok1 := strings.Cut(line, " ")
	ts, obj, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || key == "" || ts == "" || !strings.HasPrefix(obj, "{") {
		return CDXJLine{}, fmt.Errorf("%w: %.80q", ErrBadCDXJ, line)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(obj), &raw); err != nil {
		return CDXJLine{}, fmt.Errorf("%w: %v", ErrBadCDXJ, err)
	}
	c := CDXJLine{URLKey: key, Timestamp: ts, Fields: make(map[string]string, len(raw))}
	for k, v := range raw {
		var s string
		switch {
		case len(v) > 0 && v[0] == '"':
			if err := json.Unmarshal(v, &s); err != nil {
				return CDXJLine{}, fmt.Errorf("%w: field %q: %v", ErrBadCDXJ, k, err)
			}
		case string(v) == "null":
		default:
			// A number, a boolean, or an object or array kept as its JSON
			// text, whose bytes are made valid UTF-8 as a string's are
			// (encoding/json puts U+FFFD for an invalid byte): the line
			// written again says the same.
			s = strings.ToValidUTF8(string(v), "\uFFFD")
		}
		c.Fields[k] = s
	}
	return c, nil
}
