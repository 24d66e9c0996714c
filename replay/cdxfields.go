package replay

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vellumhq/vellum/index"
)

// cdxField is one field of a CDX API result.
type cdxField uint8

const (
	fieldURLKey cdxField = iota
	fieldTimestamp
	fieldURL
	fieldMIME
	fieldStatus
	fieldDigest
	fieldLength
	fieldOffset
	fieldFilename
	fieldLine // a filter without a field name: the whole CDXJ line
)

var cdxFieldNames = [...]string{"urlkey", "timestamp", "url", "mime", "status", "digest", "length", "offset", "filename"}

// cdxFieldAliases are the other names pywb accepts for fields.
var cdxFieldAliases = map[string]cdxField{
	"original": fieldURL, "u": fieldURL, "mimetype": fieldMIME, "m": fieldMIME, "statuscode": fieldStatus,
	"l": fieldLength, "o": fieldOffset, "d": fieldDigest, "t": fieldTimestamp, "k": fieldURLKey, "f": fieldFilename,
}

// The fields each format writes when fl= does not say.
var (
	cdxjFields = []cdxField{fieldURL, fieldMIME, fieldStatus, fieldDigest, fieldLength, fieldOffset, fieldFilename}
	allFields  = []cdxField{fieldURLKey, fieldTimestamp, fieldURL, fieldMIME, fieldStatus, fieldDigest, fieldLength, fieldOffset, fieldFilename}
)

func cdxFieldNamed(name string) (cdxField, bool) {
	for i, n := range cdxFieldNames {
		if n == name {
			return cdxField(i), true
		}
	}
	f, ok := cdxFieldAliases[name]
	return f, ok
}

// appendValue appends the value of field f of c. ok is false when c has
// none: a status of 0 or an empty digest, which CDXJ lines leave out.
func appendValue(b []byte, c *index.Capture, f cdxField) (_ []byte, ok bool) {
	switch f {
	case fieldStatus:
		return strconv.AppendInt(b, int64(c.Status), 10), c.Status != 0
	case fieldLength:
		return strconv.AppendInt(b, c.Length, 10), true
	case fieldOffset:
		return strconv.AppendInt(b, c.Offset, 10), true
	case fieldLine:
		b = appendCDXJ(b, c, nil)
		return b[:len(b)-1], true
	}
	s := fieldString(c, f)
	return append(b, s...), f != fieldDigest || s != ""
}

// fieldString is the value of a text field of c.
func fieldString(c *index.Capture, f cdxField) string {
	switch f {
	case fieldURLKey:
		return c.URLKey
	case fieldTimestamp:
		return c.Timestamp
	case fieldURL:
		return c.URL
	case fieldMIME:
		return c.MIME
	case fieldDigest:
		return c.Digest
	case fieldFilename:
		return c.Filename
	}
	return ""
}

// appendJSONFields appends `"name":"value"` members, comma-separated, for
// the fields c has. Every value is a JSON string, as in pywb.
func appendJSONFields(b []byte, c *index.Capture, fields []cdxField) []byte {
	first := true
	for _, f := range fields {
		if f == fieldStatus && c.Status == 0 || f == fieldDigest && c.Digest == "" {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, cdxFieldNames[f]...)
		b = append(b, `":`...)
		switch f {
		case fieldStatus, fieldLength, fieldOffset:
			b = append(b, '"')
			b, _ = appendValue(b, c, f)
			b = append(b, '"')
		default:
			b = appendJSONString(b, fieldString(c, f))
		}
	}
	return b
}

// appendCDXJ appends c's CDXJ line ("urlkey timestamp {json}\n") with the
// given JSON fields (nil: those of Vellum's CDXJ files; urlkey and timestamp
// are never repeated in the JSON).
func appendCDXJ(b []byte, c *index.Capture, fields []cdxField) []byte {
	if fields == nil {
		fields = cdxjFields
	}
	b = append(b, c.URLKey...)
	b = append(b, ' ')
	b = append(b, c.Timestamp...)
	b = append(b, " {"...)
	var buf [len(cdxFieldNames)]cdxField
	json := buf[:0]
	for _, f := range fields {
		if f != fieldURLKey && f != fieldTimestamp {
			json = append(json, f)
		}
	}
	b = appendJSONFields(b, c, json)
	return append(b, "}\n"...)
}

// appendCDXJSON appends c as one NDJSON line.
func appendCDXJSON(b []byte, c *index.Capture, fields []cdxField) []byte {
	if fields == nil {
		fields = allFields
	}
	b = append(b, '{')
	b = appendJSONFields(b, c, fields)
	return append(b, "}\n"...)
}

// appendCDXText appends c's fields separated by spaces, "-" for none.
func appendCDXText(b []byte, c *index.Capture, fields []cdxField) []byte {
	if fields == nil {
		fields = allFields
	}
	for i, f := range fields {
		if i > 0 {
			b = append(b, ' ')
		}
		n := len(b)
		var ok bool
		if b, ok = appendValue(b, c, f); !ok || len(b) == n {
			b = append(b[:n], '-')
		}
	}
	return append(b, '\n')
}

// appendMementoLink appends one link-format memento entry for c; its URI is
// prefix+timestamp+"/"+url, or the archived URL itself when prefix is "".
func appendMementoLink(b []byte, prefix string, c *index.Capture, rel string) []byte {
	b = append(b, '<')
	if prefix != "" {
		b = append(b, prefix...)
		b = append(b, c.Timestamp...)
		b = append(b, '/')
	}
	b = appendLinkURI(b, c.URL)
	b = append(b, `>; rel="`...)
	b = append(b, rel...)
	b = append(b, `"; datetime="`...)
	b = appendHTTPDate(b, c.Timestamp)
	return append(b, '"')
}

// appendLinkURI appends a URI for a <...> of link-format, escaping the few
// bytes that would end it early or split the list.
func appendLinkURI(b []byte, u string) []byte {
	for i := 0; i < len(u); i++ {
		switch c := u[i]; {
		case c <= ' ' || c == '<' || c == '>' || c == '"' || c == 0x7f:
			b = append(b, '%', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&15])
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendJSONString appends s as a JSON string without escaping HTML
// characters (as Python's json.dumps and Vellum's CDXJ files); invalid
// UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	plain := 0
	for plain < len(s) && s[plain] >= 0x20 && s[plain] < utf8.RuneSelf && s[plain] != '"' && s[plain] != '\\' {
		plain++
	}
	b = append(b, s[:plain]...)
	for i := plain; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, `\u00`...)
			b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		case c < utf8.RuneSelf:
			b = append(b, c)
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b = append(b, "\uFFFD"...)
			} else {
				b = append(b, s[i:i+n]...)
			}
			i += n
			continue
		}
		i++
	}
	return append(b, '"')
}

// cdxFilter is one filter= of a request: [!][=|~]field:expression.
type cdxFilter struct {
	field  cdxField
	invert bool
	op     byte // 0: contains, '=': equals, '~': regular expression at the start
	expr   []byte
	re     *regexp.Regexp
}

func parseCDXFilter(s string) (cdxFilter, error) {
	raw := s
	if len(s) > maxCDXFilterLen {
		return cdxFilter{}, fmt.Errorf("filter: longer than %d bytes", maxCDXFilterLen)
	}
	f := cdxFilter{field: fieldLine}
	if strings.HasPrefix(s, "!") {
		f.invert, s = true, s[1:]
	}
	if s != "" && (s[0] == '=' || s[0] == '~') {
		f.op, s = s[0], s[1:]
	}
	if name, expr, ok := strings.Cut(s, ":"); ok {
		field, known := cdxFieldNamed(name)
		if !known {
			return cdxFilter{}, fmt.Errorf("filter: unknown field %q in %q", name, raw)
		}
		f.field, s = field, expr
	}
	f.expr = []byte(s)
	if f.op == '~' {
		re, err := regexp.Compile(`^(?:` + s + `)`)
		if err != nil {
			// regexp quotes the expression as is: a newline in it would break the one-line answer.
			return cdxFilter{}, fmt.Errorf("filter: %q: %s", raw, strings.ReplaceAll(err.Error(), "\n", `\n`))
		}
		f.re = re
	}
	return f, nil
}

// match reports whether c passes the filter; scratch is reused for values.
func (f *cdxFilter) match(c *index.Capture, scratch *[]byte) bool {
	v, ok := appendValue((*scratch)[:0], c, f.field)
	*scratch = v
	if !ok {
		v = v[:0] // a missing field is "", as in pywb
	}
	var m bool
	switch f.op {
	case '=':
		m = bytes.Equal(v, f.expr)
	case '~':
		m = f.re.Match(v)
	default:
		m = bytes.Contains(v, f.expr)
	}
	return m != f.invert
}
