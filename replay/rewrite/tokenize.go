package rewrite

import "bytes"

// This file holds the HTML tokenizer of HTML. It splits a byte stream into the tokens of
// golang.org/x/net/html's Tokenizer (the tests and fuzzers hold it to that) at a fraction of its
// cost: text and raw text are skipped with bytes.IndexByte, tags are parsed in place without
// allocating, and long text, scripts and comments stream through in pieces instead of being
// buffered whole. Only a tag must fit in the caller's buffer; one that does not is passed through
// untouched (see forceSkip).
//
// One deliberate difference: <noscript> content is tokenized as markup (as x/net does after
// NextIsNotRawText), so that the URLs in it are rewritten too.

// tokKind is the kind of a token returned by scanner.next.
type tokKind uint8

const (
	tokNone     tokKind = iota // more input is needed
	tokText                    // text, or bytes passed through without being parsed
	tokRawText                 // (a piece of) the text of script, style, textarea, title and the like
	tokStartTag                // a whole start tag; scanner.attrs and nameEnd describe it
	tokEndTag                  // a whole end tag
	tokComment                 // (a piece of) a comment, doctype, bogus comment or processing instruction
)

type scanMode uint8

const (
	modeData scanMode = iota
	modeRawText
	modeScript
	modePlaintext
	modeComment // inside "<!--"
	modeBogus   // inside "<!x", "<?" or "</x": until ">"
	modeSkipTag // inside a tag too long to buffer
)

// attrSpan locates one attribute in a tag token; offsets are from the token's "<".
type attrSpan struct {
	keyStart, keyEnd int
	valStart, valEnd int  // the value, without quotes
	end              int  // the end of the attribute: after its closing quote, value or name
	quote            byte // '"' or '\'' when quoted, else 0
	hasVal           bool // the attribute has "="
}

// scanner is a resumable HTML tokenizer. Its caller passes the unconsumed input to next, which
// returns the kind and length of the token at its start.
type scanner struct {
	mode    scanMode
	rawTag  string      // the raw-text element being read, lower-case
	script  scriptState // where in a script's escaping rules the last piece ended
	dashes  uint8       // comment state: the dashes just read (at most 2)
	opening bool        // comment state: nothing but dashes read since "<!--"
	bang    bool        // comment state: "--!" just read
	open    tagScan     // the state of a tag cut off by the end of the input so far
	tagAt   int         // where to resume it, from the tag's "<"
	tagOpen bool        // the last call stopped inside a tag; the next one resumes it
	skip    tagScan     // the state of a tag being skipped
	skipRaw string      // the raw-text element that the skipped start tag opens
	attrs   []attrSpan  // the attributes of the last start tag, empty names left out
	nameEnd int         // the end of the last tag's name
}

// next returns the kind and length of the token at the start of b, or tokNone when b is empty or
// the token may continue past it (never when eof is set: then every byte is consumed).
func (s *scanner) next(b []byte, eof bool) (tokKind, int) {
	if len(b) == 0 {
		return tokNone, 0
	}
	switch s.mode {
	case modeRawText:
		return s.rawText(b, eof)
	case modeScript:
		return s.scriptText(b, eof)
	case modePlaintext:
		return tokRawText, len(b)
	case modeComment:
		return s.comment(b, 0)
	case modeBogus:
		return s.bogus(b, 0)
	case modeSkipTag:
		return s.skipTag(b)
	}
	if b[0] != '<' {
		if i := bytes.IndexByte(b, '<'); i >= 0 {
			return tokText, i
		}
		return tokText, len(b)
	}
	if len(b) < 4 && !eof {
		return tokNone, 0 // every decision below needs at most 3 bytes after "<"
	}
	if len(b) < 2 {
		return tokText, 1
	}
	switch c := b[1]; {
	case isASCIILetter(c):
		return s.tag(b, 1, eof, tokStartTag)
	case c == '/':
		switch {
		case len(b) < 3:
			return tokText, 2
		case isASCIILetter(b[2]):
			return s.tag(b, 2, eof, tokEndTag)
		case b[2] == '>':
			return tokComment, 3 // "</>": x/net returns an empty comment
		}
		s.mode = modeBogus
		return s.bogus(b, 2)
	case c == '!':
		if len(b) >= 4 && b[2] == '-' && b[3] == '-' {
			s.mode, s.dashes, s.opening, s.bang = modeComment, 0, true, false
			return s.comment(b, 4)
		}
		s.mode = modeBogus // a doctype ends at the first ">" too
		return s.bogus(b, 2)
	case c == '?':
		s.mode = modeBogus
		return s.bogus(b, 1)
	}
	if i := bytes.IndexByte(b[1:], '<'); i >= 0 {
		return tokText, i + 1
	}
	return tokText, len(b)
}

// tag returns a start or end tag whose name starts at b[from], or tokNone when it is incomplete.
// An incomplete tag at the end of the input is passed through as text.
//
// The caller passes the same tag again with more input after a tokNone, and the scan resumes.
func (s *scanner) tag(b []byte, from int, eof bool, kind tokKind) (tokKind, int) {
	if !s.tagOpen {
		s.attrs, s.open, s.tagAt = s.attrs[:0], tagScan{}, from
	}
	end, done := s.runTag(&s.open, b, s.tagAt, true)
	s.tagOpen = !done && !eof
	if !done {
		if eof {
			return tokText, len(b)
		}
		s.tagAt = end
		return tokNone, 0
	}
	if kind == tokStartTag {
		s.enterRaw(b[from:s.nameEnd])
	}
	return kind, end
}

// forceSkip passes through the start of a tag that does not fit in the caller's buffer, b, and
// skips the rest of it as it arrives.
func (s *scanner) forceSkip(b []byte) (tokKind, int) {
	from := 1
	if len(b) > 1 && b[1] == '/' {
		from = 2
	}
	s.skip, s.skipRaw, s.nameEnd, s.tagOpen = tagScan{}, "", -1, false
	s.runTag(&s.skip, b, from, false)
	if from == 1 && s.nameEnd > 0 {
		s.skipRaw = rawTextElement(b[1:s.nameEnd])
	}
	s.mode = modeSkipTag
	return tokText, len(b)
}

func (s *scanner) skipTag(b []byte) (tokKind, int) {
	end, done := s.runTag(&s.skip, b, 0, false)
	if done {
		s.mode = modeData
		if s.skipRaw != "" {
			s.enterRaw([]byte(s.skipRaw))
		}
	}
	return tokText, end
}

// enterRaw switches to raw text after a start tag named name, as x/net does.
func (s *scanner) enterRaw(name []byte) {
	switch s.rawTag = rawTextElement(name); s.rawTag {
	case "":
	case "script":
		s.mode, s.script = modeScript, scData
	case "plaintext":
		s.mode = modePlaintext
	default:
		s.mode = modeRawText
	}
}

// rawTextElement returns the lower-case name of the raw-text element named name, or "".
func rawTextElement(name []byte) string {
	return rawTextNames[rawTextTable.lookup(name)]
}

var (
	rawTextNames = []string{"", "script", "style", "title", "textarea", "iframe", "noembed", "noframes", "xmp", "plaintext"}
	rawTextTable = newNameTable[uint8](rawTextNames)
)

// rawText returns the text of a raw-text element up to its end tag.
func (s *scanner) rawText(b []byte, eof bool) (tokKind, int) {
	for i := 0; ; i++ {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			return tokRawText, len(b)
		}
		i += j
		match, need := matchEndTag(b, i, s.rawTag)
		switch {
		case need && !eof:
			if i == 0 {
				return tokNone, 0
			}
			return tokRawText, i
		case match:
			s.mode = modeData
			if i == 0 {
				return s.next(b, eof)
			}
			return tokRawText, i
		}
	}
}

// bogus returns a bogus comment or doctype (or a piece of one) whose text starts at b[from].
func (s *scanner) bogus(b []byte, from int) (tokKind, int) {
	if i := bytes.IndexByte(b[from:], '>'); i >= 0 {
		s.mode = modeData
		return tokComment, from + i + 1
	}
	return tokComment, len(b)
}

// comment returns a comment (or a piece of one) whose text starts at b[from], with x/net's rules
// for where it ends ("-->", "--!>", and "<!-->" or "<!--->" at its opening).
func (s *scanner) comment(b []byte, from int) (tokKind, int) {
	for i := from; i < len(b); i++ {
		c := b[i]
		if s.bang {
			s.bang = false
			switch c {
			case '>':
				s.mode = modeData
				return tokComment, i + 1
			case '-':
				s.dashes, s.opening = 1, false
				continue
			}
			s.dashes, s.opening = 0, false
			continue
		}
		switch c {
		case '-':
			if s.dashes < 2 {
				s.dashes++
			}
			continue
		case '>':
			if s.dashes >= 2 || s.opening {
				s.mode = modeData
				return tokComment, i + 1
			}
		case '!':
			if s.dashes >= 2 {
				s.bang = true
				continue
			}
		}
		s.dashes, s.opening = 0, false
	}
	return tokComment, len(b)
}

// matchEndTag reports whether b[i:] starts with "</" + tag (ASCII case-insensitive) and a byte
// that ends a tag name; need is set when b ends before that is known.
func matchEndTag(b []byte, i int, tag string) (match, need bool) {
	if i+1 >= len(b) {
		return false, true
	}
	if b[i+1] != '/' {
		return false, false
	}
	return matchName(b, i+2, tag)
}

// matchName reports whether b[i:] starts with name (ASCII case-insensitive, name lower-case) and
// then whitespace, "/" or ">"; need is set when b ends before that is known.
func matchName(b []byte, i int, name string) (match, need bool) {
	for k := 0; k < len(name); k++ {
		if i+k >= len(b) {
			return false, true
		}
		if b[i+k]|0x20 != name[k] {
			return false, false
		}
	}
	if i+len(name) >= len(b) {
		return false, true
	}
	switch b[i+len(name)] {
	case ' ', '\n', '\r', '\t', '\f', '/', '>':
		return true, false
	}
	return false, false
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// equalFoldASCII reports whether b equals the lower-case ASCII string s, ignoring ASCII case.
func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
