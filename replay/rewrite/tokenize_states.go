package rewrite

import "bytes"

// The two state machines of the tokenizer that can stop anywhere and resume: tags (attribute
// syntax decides where a tag ends: `<a title=">">`) and script text (the escaping rules decide
// which "</script>" ends it). Both follow golang.org/x/net/html's token.go step for step.

type tagState uint8

const (
	tsName tagState = iota
	tsBeforeAttr
	tsKey
	tsAfterKey
	tsBeforeVal
	tsQuoted
	tsUnquoted
)

// tagScan is where runTag stopped inside a tag.
type tagScan struct {
	st   tagState
	attr attrSpan // the attribute being read
}

// tagBytes classifies the bytes that end a run inside a tag.
var tagBytes = func() (t [256]uint8) {
	for _, c := range []byte(" \n\r\t\f") {
		t[c] |= tbSpace
	}
	t['/'] |= tbSlash
	t['>'] |= tbGT
	t['='] |= tbEq
	return t
}()

const (
	tbSpace = 1 << iota
	tbSlash
	tbGT
	tbEq
)

// runTag runs the tag state machine over b from i, where t stands. It returns the index after the
// tag's ">" and true, or len(b) and false when b ends first. With record set it appends the
// attributes with non-empty names to s.attrs.
func (s *scanner) runTag(t *tagScan, b []byte, i int, record bool) (int, bool) {
	st, a := t.st, t.attr // in locals while running
	for i < len(b) {
		switch st {
		case tsName:
			for i < len(b) && tagBytes[b[i]]&(tbSpace|tbSlash|tbGT) == 0 {
				i++
			}
			if i == len(b) {
				break
			}
			s.nameEnd, st = i, tsBeforeAttr
			if tagBytes[b[i]]&tbSpace != 0 {
				i++
			}
		case tsBeforeAttr:
			for i < len(b) && tagBytes[b[i]]&tbSpace != 0 {
				i++
			}
			if i == len(b) {
				break
			}
			if b[i] == '>' {
				t.st, t.attr = st, a
				return i + 1, true
			}
			a = attrSpan{keyStart: i}
			st = tsKey
			if b[i] == '=' { // "<a =x>": an "=" starting a name belongs to it
				i++
			}
		case tsKey:
			for i < len(b) && tagBytes[b[i]] == 0 {
				i++
			}
			if i < len(b) {
				a.keyEnd, a.end, st = i, i, tsAfterKey
			}
		case tsAfterKey:
			for i < len(b) && tagBytes[b[i]]&tbSpace != 0 {
				i++
			}
			if i == len(b) {
				break
			}
			switch b[i] {
			case '/':
				i++
				s.pushAttr(&a, record)
				st = tsBeforeAttr
			case '=':
				i++
				a.hasVal, a.valStart, a.valEnd, a.end = true, i, i, i
				st = tsBeforeVal
			default:
				s.pushAttr(&a, record)
				st = tsBeforeAttr
			}
		case tsBeforeVal:
			for i < len(b) && tagBytes[b[i]]&tbSpace != 0 {
				i++
			}
			if i == len(b) {
				break
			}
			switch c := b[i]; c {
			case '>':
				s.pushAttr(&a, record)
				st = tsBeforeAttr
			case '"', '\'':
				i++
				a.quote, a.valStart, st = c, i, tsQuoted
			default:
				a.valStart, st = i, tsUnquoted
			}
		case tsQuoted:
			j := bytes.IndexByte(b[i:], a.quote)
			if j < 0 {
				i = len(b)
				break
			}
			i += j
			a.valEnd, a.end = i, i+1
			i++
			s.pushAttr(&a, record)
			st = tsBeforeAttr
		case tsUnquoted:
			for i < len(b) && tagBytes[b[i]]&(tbSpace|tbGT) == 0 {
				i++
			}
			if i == len(b) {
				break
			}
			a.valEnd, a.end = i, i
			if b[i] != '>' {
				i++
			}
			s.pushAttr(&a, record)
			st = tsBeforeAttr
		}
	}
	t.st, t.attr = st, a
	return len(b), false
}

// pushAttr adds a to the attributes of the tag when recording and a has a name.
func (s *scanner) pushAttr(a *attrSpan, record bool) {
	if record && a.keyEnd > a.keyStart {
		s.attrs = append(s.attrs, *a)
	}
}

// scriptState is a state of the script data rules (WHATWG 13.2.5.4 and following, as x/net has
// them); the "less-than sign" states are resolved by looking ahead instead.
type scriptState uint8

const (
	scData scriptState = iota
	scEscaped
	scEscapedDash
	scEscapedDashDash
	scDouble
	scDoubleDash
	scDoubleDashDash
)

// scriptText returns the text of a script element up to its end tag, or the part of it that is
// known not to hold the end tag.
func (s *scanner) scriptText(b []byte, eof bool) (tokKind, int) {
	more := func(i int, st scriptState) (tokKind, int) {
		if eof {
			return tokRawText, len(b)
		}
		s.script = st
		if i == 0 {
			return tokNone, 0
		}
		return tokRawText, i
	}
	st, i := s.script, 0
	for i < len(b) {
		switch st {
		case scData:
			j := bytes.IndexByte(b[i:], '<')
			if j < 0 {
				i = len(b)
				continue
			}
			i += j
			if i+1 >= len(b) {
				return more(i, st)
			}
			switch b[i+1] {
			case '/':
				match, need := matchEndTag(b, i, "script")
				if need {
					return more(i, st)
				}
				if match {
					s.mode, s.script = modeData, scData
					if i == 0 {
						return s.next(b, eof)
					}
					return tokRawText, i
				}
				i += 2
			case '!':
				if i+2 >= len(b) || b[i+2] == '-' && i+3 >= len(b) {
					return more(i, st)
				}
				switch {
				case b[i+2] != '-':
					i += 2
				case b[i+3] != '-':
					i += 3
				default:
					i, st = i+4, scEscapedDashDash
				}
			default:
				i++
			}
		case scEscaped, scEscapedDash, scEscapedDashDash:
			switch b[i] {
			case '-':
				if st == scEscaped {
					st = scEscapedDash
				} else {
					st = scEscapedDashDash
				}
				i++
			case '<':
				if i+1 >= len(b) {
					return more(i, scEscaped)
				}
				switch c := b[i+1]; {
				case c == '/':
					match, need := matchEndTag(b, i, "script")
					if need {
						return more(i, scEscaped)
					}
					if match {
						s.mode, s.script = modeData, scData
						if i == 0 {
							return s.next(b, eof)
						}
						return tokRawText, i
					}
					i, st = i+2, scEscaped
				case isASCIILetter(c):
					match, need := matchName(b, i+1, "script")
					if need {
						return more(i, scEscaped)
					}
					if match {
						i, st = i+len("<script")+1, scDouble
					} else {
						i, st = i+1, scEscaped
					}
				default:
					i, st = i+1, scData // x/net goes back to script data here
				}
			case '>':
				if st == scEscapedDashDash {
					st = scData
				} else {
					st = scEscaped
				}
				i++
			default:
				st = scEscaped
				i++
			}
		default: // scDouble, scDoubleDash, scDoubleDashDash
			switch b[i] {
			case '-':
				if st == scDouble {
					st = scDoubleDash
				} else {
					st = scDoubleDashDash
				}
				i++
			case '<':
				if i+1 >= len(b) {
					return more(i, scDouble)
				}
				if b[i+1] != '/' {
					i, st = i+1, scDouble
					break
				}
				match, need := matchEndTag(b, i, "script")
				switch {
				case need:
					return more(i, scDouble)
				case match:
					i, st = i+len("</script")+1, scEscaped
				default:
					i, st = i+2, scDouble
				}
			case '>':
				if st == scDoubleDashDash {
					st = scData
				} else {
					st = scDouble
				}
				i++
			default:
				st = scDouble
				i++
			}
		}
	}
	s.script = st
	return tokRawText, len(b)
}
