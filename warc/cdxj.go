package warc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// CDXJ returns the record's CDXJ line (without newline) in pywb's format:
//
//	<surt> <14-digit timestamp> {"url":...,"mime":...,"status":...,"digest":...,"length":...,"offset":...,"filename":...}
//
// Values are JSON strings as pywb writes them; "status" is omitted when 0 and
// "digest" (the payload digest, exactly as in the header) when absent. The error
// reports a URL that cannot be turned into a SURT key.
func (e Entry) CDXJ() (string, error) {
	key, err := SURT(e.TargetURI)
	if err != nil {
		return "", fmt.Errorf("warc: cdxj of record %s: %w", e.ID, err)
	}
	var b bytes.Buffer
	b.WriteString(key)
	b.WriteByte(' ')
	b.WriteString(Timestamp14(e.Date))
	b.WriteString(` {"url":`)
	writeJSONString(&b, e.TargetURI)
	b.WriteString(`,"mime":`)
	writeJSONString(&b, e.MIME)
	if e.Status != 0 {
		b.WriteString(`,"status":`)
		writeJSONString(&b, strconv.Itoa(e.Status))
	}
	if e.PayloadDigest != "" {
		b.WriteString(`,"digest":`)
		writeJSONString(&b, e.PayloadDigest)
	}
	b.WriteString(`,"length":`)
	writeJSONString(&b, strconv.FormatInt(e.Length, 10))
	b.WriteString(`,"offset":`)
	writeJSONString(&b, strconv.FormatInt(e.Offset, 10))
	b.WriteString(`,"filename":`)
	writeJSONString(&b, e.Filename)
	b.WriteByte('}')
	return b.String(), nil
}

// writeJSONString writes s as a JSON string without escaping HTML characters
// (as Python's json.dumps); invalid UTF-8 becomes U+FFFD.
func writeJSONString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	if plainJSON(s) {
		b.WriteString(s)
		b.WriteByte('"')
		return
	}
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[r>>4])
			b.WriteByte(hexDigits[r&15])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
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
			s = string(v)
		}
		c.Fields[k] = s
	}
	return c, nil
}
