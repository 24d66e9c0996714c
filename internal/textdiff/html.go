package textdiff

import (
	"html/template"
	"strings"
)

// HTML renders ops as HTML: every text is escaped, inserted text is wrapped in
// <ins>, deleted text in <del>, and unchanged text is left plain. Newlines and
// other whitespace are kept as they are, so the caller shows the result in an
// element styled with white-space: pre-wrap.
func HTML(ops []Op) template.HTML {
	var b strings.Builder
	size := 0
	for _, op := range ops {
		size += len(op.Text) + len("<ins></ins>")
	}
	b.Grow(size)
	for _, op := range ops {
		if op.Text == "" {
			continue
		}
		text := template.HTMLEscapeString(op.Text)
		switch op.Kind {
		case Insert:
			b.WriteString("<ins>")
			b.WriteString(text)
			b.WriteString("</ins>")
		case Delete:
			b.WriteString("<del>")
			b.WriteString(text)
			b.WriteString("</del>")
		default:
			b.WriteString(text)
		}
	}
	return template.HTML(b.String()) // every text was escaped above
}
