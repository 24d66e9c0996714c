package srcset

// Candidate is one image candidate of a srcset value s: s[Start:End] is its URL, as written
// (character references already decoded by the caller, nothing else).
type Candidate struct {
	Start, End int
	// Valid reports whether the candidate's descriptors pass the spec's descriptor parser. A
	// browser drops an invalid candidate: it never loads its URL.
	Valid bool
}

// Scan appends the image candidates of the srcset value s to dst, in order, following the WHATWG
// "parse a srcset attribute" algorithm: URLs may contain commas ("a.jpg?w=1,2 1x"), a URL ending in
// commas ends its candidate (the commas are not part of it), and descriptors may hold commas
// inside parentheses.
func Scan[T ~string | ~[]byte](dst []Candidate, s T) []Candidate {
	pos := 0
	for {
		// Skip whitespace and commas between candidates.
		for pos < len(s) && (isSpace(s[pos]) || s[pos] == ',') {
			pos++
		}
		if pos >= len(s) {
			return dst
		}
		c := Candidate{Start: pos}
		for pos < len(s) && !isSpace(s[pos]) {
			pos++
		}
		c.End = pos
		if s[c.End-1] == ',' {
			for s[c.End-1] == ',' { // the URL's first byte is not a comma
				c.End--
			}
			c.Valid = true // no descriptors
		} else {
			c.Valid, pos = descriptors(s, pos)
		}
		dst = append(dst, c)
	}
}

// descriptors runs the descriptor tokenizer from pos over the descriptors of one candidate. It
// reports whether they are valid and returns the position after the comma that ends them.
func descriptors[T ~string | ~[]byte](s T, pos int) (valid bool, next int) {
	var d descParser
	start := -1 // the start of the current descriptor
	inParens := false
	for ; pos < len(s); pos++ {
		c := s[pos]
		switch {
		case inParens:
			inParens = c != ')'
		case isSpace(c):
			if start >= 0 {
				add(&d, s, start, pos)
				start = -1
			}
		case c == ',':
			if start >= 0 {
				add(&d, s, start, pos)
			}
			return d.valid(), pos + 1
		default:
			if start < 0 {
				start = pos
			}
			inParens = c == '('
		}
	}
	if start >= 0 {
		add(&d, s, start, len(s))
	}
	return d.valid(), pos
}

// descParser is the WHATWG descriptor parser: at most one of a positive integer width "Nw", a
// non-negative density "Nx" and a positive integer height "Nh", with "h" only beside "w", and
// nothing else.
type descParser struct{ w, x, h, bad bool }

func (p *descParser) valid() bool { return !p.bad && (!p.h || p.w) }

// add reads the descriptor s[start:end] into p.
func add[T ~string | ~[]byte](p *descParser, s T, start, end int) {
	if end-start < 2 {
		p.bad = true
		return
	}
	num := s[start : end-1]
	switch s[end-1] {
	case 'w':
		p.bad = p.bad || p.w || p.x || !positiveInt(num)
		p.w = true
	case 'x':
		p.bad = p.bad || p.w || p.x || p.h || !density(num)
		p.x = true
	case 'h':
		p.bad = p.bad || p.h || p.x || !positiveInt(num)
		p.h = true
	default:
		p.bad = true
	}
}

// positiveInt reports whether s is a valid non-negative integer greater than zero.
func positiveInt[T ~string | ~[]byte](s T) bool {
	nonZero := false
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		nonZero = nonZero || s[i] != '0'
	}
	return nonZero
}

// density reports whether s is a valid floating-point number in HTML's grammar ("-"? digits
// ("." digits)? (("e"|"E") ("+"|"-")? digits)?) that is not negative.
func density[T ~string | ~[]byte](s T) bool {
	nonZero := false
	digits := func(i int) int {
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			nonZero = nonZero || s[i] != '0'
		}
		return i
	}
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	j := digits(i)
	if j == i {
		return false
	}
	if i = j; i < len(s) && s[i] == '.' {
		if j = digits(i + 1); j == i+1 {
			return false
		}
		i = j
	}
	mantissaNonZero := nonZero
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		if j = digits(i); j == i {
			return false
		}
		i = j
	}
	return i == len(s) && (s[0] != '-' || !mantissaNonZero)
}

// isSpace reports whether c is ASCII whitespace as HTML defines it.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}
