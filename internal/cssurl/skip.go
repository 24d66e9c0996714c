package cssurl

import "bytes"

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
