package cssurl

import "bytes"

// Kind says what a URL span is, which decides how it is fetched and rewritten.
type Kind uint8

const (
	// URL is the value of url(x), url("x") or src("x") anywhere but in an @import or @namespace.
	URL Kind = iota + 1
	// Import is the URL of an @import: @import "x", @import url(x), url("x") or src("x").
	Import
	// ImageSet is a string in image-set() or -webkit-image-set(): an image URL without url().
	ImageSet
)

// Span is a URL found in a stylesheet: p[Start:End] is its raw text, escapes not decoded
// (Unescape decodes them): the contents of a string without its quotes, or the value of an
// unquoted url token without the whitespace around it. It is never empty.
type Span struct {
	Start, End int
	Quote      byte // '"' or '\'' when the URL is a string, 0 for an unquoted url token
	Kind       Kind
}

// maxFuncs is how many open functions a Scanner tells apart. Deeper ones (and what is in them)
// count as functions other than url(), src() and image-set(), so that memory stays bounded
// whatever the input; stylesheets nest two or three functions.
const maxFuncs = 64

type funcKind uint8

const (
	fnOther funcKind = iota
	fnURL            // url( holding a string, or src(
	fnImageSet
)

type atRule uint8

const (
	atNone atRule = iota
	atImport
	atNamespace
	atOther
)

type skipKind uint8

const (
	skipNone skipKind = iota
	skipComment
	skipString
	skipURL
)

// Scanner finds the URLs of a stylesheet that may arrive in pieces. It is a reduced CSS Syntax
// Level 3 tokenizer: it knows comments, strings, escapes, identifiers, functions, url tokens,
// at-keywords and blocks, which is all that finding URLs needs. The zero value is ready to scan a
// stylesheet from its start.
type Scanner struct {
	at           atRule // the at-rule whose prelude is being read
	importWanted bool   // @import takes the first string or url as its URL
	funcs        [maxFuncs]funcKind
	nfuncs       int // open functions and parentheses; only the innermost maxFuncs are kept
	skip         skipKind
	skipQuote    byte
	skipEsc      bool // the last byte skipped was an unpaired backslash
	skipStar     bool // the last byte of a skipped comment was "*"
}

// Reset readies s for a new stylesheet.
func (s *Scanner) Reset() { *s = Scanner{} }

// Scan appends the URLs in p, the stylesheet's next piece, to dst. Unless final (p is the
// stylesheet's end), it stops before a token that p may cut short and returns how much of p it
// read, n: the state is then the state before that token, and the next call is to begin with
// p[n:] followed by more input. Span offsets are into p, all below n.
func (s *Scanner) Scan(dst []Span, p []byte, final bool) ([]Span, int) {
	i := 0
	if s.skip != skipNone {
		if i = s.skipToken(p); s.skip != skipNone {
			return dst, len(p)
		}
	}
	for i < len(p) {
		ch := p[i]
		switch {
		case ch == '/':
			if i+1 >= len(p) && !final {
				return dst, i
			}
			if i+1 >= len(p) || p[i+1] != '*' {
				i++
				continue
			}
			end := bytes.Index(p[i+2:], []byte("*/"))
			if end < 0 {
				if !final {
					return dst, i
				}
				i = len(p)
				continue
			}
			i += end + 4
		case ch == '"' || ch == '\'':
			end := stringEnd(p, i)
			if end == len(p) && !final {
				return dst, i
			}
			switch {
			case end < len(p) && p[end] == ch: // a string
				dst = s.stringURL(dst, i+1, end, ch, false)
				end++
			case end == len(p): // a string ended by the end of the stylesheet
				ve := end
				if oddBackslashes(p[i+1:]) { // a backslash at the very end is nothing
					ve--
				}
				dst = s.stringURL(dst, i+1, ve, ch, false)
			default: // a bad string, ended by a newline before which it stops
				dst = s.stringURL(dst, i+1, end, ch, true)
			}
			i = end
		case ch == '@':
			ok, need := startsIdent(p, i+1, final)
			if !ok {
				if need {
					return dst, i
				}
				i++
				continue
			}
			end, need := identEnd(p, i+1, final)
			if need {
				return dst, i
			}
			switch name := p[i+1 : end]; {
			case nameIs(name, "import"):
				s.at, s.importWanted = atImport, true
			case nameIs(name, "namespace"):
				s.at, s.importWanted = atNamespace, false
			default:
				s.at, s.importWanted = atOther, false
			}
			i = end
		case ch == '-' || ch == '\\' || nameStart(ch):
			ok, need := startsIdent(p, i, final)
			if !ok {
				if need {
					return dst, i
				}
				i++
				continue
			}
			end, need := identEnd(p, i, final)
			if need {
				return dst, i
			}
			if end >= len(p) || p[end] != '(' {
				i = end
				continue
			}
			name := p[i:end]
			if !nameIs(name, "url") {
				switch {
				case nameIs(name, "src"):
					s.push(fnURL)
				case nameIs(name, "image-set") || nameIs(name, "-webkit-image-set"):
					s.push(fnImageSet)
				default:
					s.push(fnOther)
				}
				i = end + 1
				continue
			}
			j := end + 1
			for j < len(p) && isSpace(p[j]) {
				j++
			}
			if j >= len(p) && !final {
				return dst, i
			}
			if j < len(p) && (p[j] == '"' || p[j] == '\'') {
				s.push(fnURL) // url("x") is a function holding a string
				i = j
				continue
			}
			next, ve, ok, need := urlEnd(p, j, final)
			if need {
				return dst, i
			}
			if kind := s.urlKind(); kind != 0 && ok && ve > j {
				dst = append(dst, Span{Start: j, End: ve, Kind: kind})
			} else {
				s.importWanted = false // an empty or bad url ends the search for an @import's URL
			}
			i = next
		case '0' <= ch && ch <= '9':
			// A number and its unit, so that "12url(" is a dimension, not a url token.
			start := i
			for i < len(p) && ('0' <= p[i] && p[i] <= '9' || p[i] == '.') {
				i++
			}
			ok, need := startsIdent(p, i, final)
			if need {
				return dst, start
			}
			if ok {
				if i, need = identEnd(p, i, final); need {
					return dst, start
				}
			}
		case ch == '(':
			s.push(fnOther)
			i++
		case ch == ')':
			s.pop()
			i++
		case ch == ';' || ch == '{' || ch == '}':
			s.at, s.importWanted, s.nfuncs = atNone, false, 0
			i++
		default:
			i++
		}
	}
	return dst, len(p)
}

// stringURL appends the string whose contents are p[vs:ve] to dst when it is a URL in its place.
// A bad string (cut by a newline) is no URL.
func (s *Scanner) stringURL(dst []Span, vs, ve int, quote byte, bad bool) []Span {
	kind := s.stringKind()
	if ve == vs {
		s.importWanted = false // an empty string ends the search for an @import's URL
	}
	if kind != 0 && ve > vs && !bad {
		dst = append(dst, Span{Start: vs, End: ve, Quote: quote, Kind: kind})
	}
	return dst
}

// stringKind returns the kind of URL a string is in the current context, or 0 when it is none.
// The first string or url of an @import's prelude is its URL, even empty or bad.
func (s *Scanner) stringKind() Kind {
	switch top := s.top(); {
	case s.at == atNamespace:
	case s.at == atImport && s.importWanted && (s.nfuncs == 0 || s.nfuncs == 1 && top == fnURL):
		s.importWanted = false
		return Import
	case top == fnURL:
		return URL
	case top == fnImageSet:
		return ImageSet
	}
	return 0
}

// urlKind returns the kind of URL an unquoted url token is, or 0 in an @namespace.
func (s *Scanner) urlKind() Kind {
	switch {
	case s.at == atNamespace:
		return 0
	case s.at == atImport && s.importWanted && s.nfuncs == 0:
		s.importWanted = false
		return Import
	}
	return URL
}

func (s *Scanner) push(f funcKind) {
	if s.nfuncs < len(s.funcs) {
		s.funcs[s.nfuncs] = f
	}
	s.nfuncs++
}

func (s *Scanner) pop() {
	if s.nfuncs > 0 {
		s.nfuncs--
	}
}

// top returns the innermost open function, or fnOther when there is none or it was not kept.
func (s *Scanner) top() funcKind {
	if s.nfuncs == 0 || s.nfuncs > len(s.funcs) {
		return fnOther
	}
	return s.funcs[s.nfuncs-1]
}

// Skip passes over p, the start of a token that Scan stopped before and that is too long for the
// caller to hold back: the next calls to Scan pass over the rest of that token (a comment, string
// or url token) unread, and go on scanning after its end. Any other token is not skipped: what
// follows p is scanned as if it began a token.
func (s *Scanner) Skip(p []byte) {
	switch {
	case len(p) > 1 && p[0] == '/' && p[1] == '*':
		s.skip, s.skipStar = skipComment, p[len(p)-1] == '*'
	case len(p) > 0 && (p[0] == '"' || p[0] == '\''):
		s.skip, s.skipQuote, s.skipEsc = skipString, p[0], oddBackslashes(p[1:])
	case len(p) > 4 && equalFold(p[:4], "url("):
		s.skip, s.skipEsc = skipURL, oddBackslashes(p[4:])
	}
}

// oddBackslashes reports whether b ends inside an escape.
func oddBackslashes(b []byte) bool {
	esc := false
	for _, ch := range b {
		esc = !esc && ch == '\\'
	}
	return esc
}

// skipToken returns the end of the skipped token in p, or len(p) when it goes on.
func (s *Scanner) skipToken(p []byte) int {
	if s.skip == skipComment {
		if s.skipStar && len(p) > 0 && p[0] == '/' {
			s.skip = skipNone
			return 1
		}
		if i := bytes.Index(p, []byte("*/")); i >= 0 {
			s.skip = skipNone
			return i + 2
		}
		s.skipStar = len(p) > 0 && p[len(p)-1] == '*'
		return len(p)
	}
	for k, ch := range p {
		switch {
		case s.skipEsc:
			s.skipEsc = false
		case ch == '\\':
			s.skipEsc = true
		case s.skip == skipString && ch == s.skipQuote, s.skip == skipURL && ch == ')':
			s.skip = skipNone
			return k + 1
		case s.skip == skipString && (ch == '\n' || ch == '\r' || ch == '\f'):
			s.skip = skipNone
			return k
		}
	}
	return len(p)
}
