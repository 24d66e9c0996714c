package warc

import (
	"slices"
	"strings"
)

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
	if !strings.ContainsAny(s, "\r\n") {
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
