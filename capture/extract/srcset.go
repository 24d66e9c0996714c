package extract

import "strings"

// srcsetURLs calls fn with the URL of every valid image candidate in a srcset attribute value, in
// order, following the WHATWG "parse a srcset attribute" algorithm: URLs may contain commas
// ("a.jpg?w=1,2 1x"), a URL ending in commas ends its candidate, descriptors may hold commas inside
// parentheses, and a candidate whose descriptors are invalid is dropped, as browsers drop it.
func srcsetURLs(s string, fn func(string)) {
	var descs []string
	pos := 0
	for {
		// Skip whitespace and commas between candidates.
		for pos < len(s) && (isHTMLWhitespace(s[pos]) || s[pos] == ',') {
			pos++
		}
		if pos >= len(s) {
			return
		}
		start := pos
		for pos < len(s) && !isHTMLWhitespace(s[pos]) {
			pos++
		}
		u := s[start:pos]
		descs = descs[:0]
		if strings.HasSuffix(u, ",") {
			u = strings.TrimRight(u, ",")
		} else {
			descs, pos = srcsetDescriptors(s, pos, descs)
		}
		if u != "" && srcsetValid(descs) {
			fn(u)
		}
	}
}

// srcsetDescriptors runs the descriptor tokenizer from pos and returns the descriptors of one
// candidate and the position after the comma that ends it.
func srcsetDescriptors(s string, pos int, descs []string) ([]string, int) {
	for pos < len(s) && isHTMLWhitespace(s[pos]) {
		pos++
	}
	start := -1 // start of the current descriptor
	inParens := false
	for ; pos < len(s); pos++ {
		c := s[pos]
		switch {
		case inParens:
			if c == ')' {
				inParens = false
			}
		case isHTMLWhitespace(c):
			if start >= 0 {
				descs = append(descs, s[start:pos])
				start = -1
			}
		case c == ',':
			if start >= 0 {
				descs = append(descs, s[start:pos])
			}
			return descs, pos + 1
		default:
			if start < 0 {
				start = pos
			}
			if c == '(' {
				inParens = true
			}
		}
	}
	if start >= 0 {
		descs = append(descs, s[start:])
	}
	return descs, pos
}

// srcsetValid reports whether the descriptors of one candidate pass the WHATWG descriptor parser:
// at most one of a positive integer width "Nw", a non-negative density "Nx" and a positive
// integer height "Nh", with "h" only beside "w", and nothing else.
func srcsetValid(descs []string) bool {
	var w, x, h bool
	for _, d := range descs {
		if len(d) < 2 {
			return false
		}
		num := d[:len(d)-1]
		switch d[len(d)-1] {
		case 'w':
			if w || x || !srcsetPositiveInt(num) {
				return false
			}
			w = true
		case 'x':
			if w || x || h || !srcsetDensity(num) {
				return false
			}
			x = true
		case 'h':
			if h || x || !srcsetPositiveInt(num) {
				return false
			}
			h = true
		default:
			return false
		}
	}
	return !h || w
}

// srcsetPositiveInt reports whether s is a valid non-negative integer greater than zero.
func srcsetPositiveInt(s string) bool {
	nonZero := false
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		nonZero = nonZero || s[i] != '0'
	}
	return nonZero
}

// srcsetDensity reports whether s is a valid floating-point number in HTML's grammar ("-"? digits
// ("." digits)? (("e"|"E") ("+"|"-")? digits)?) that is not negative.
func srcsetDensity(s string) bool {
	digits := func(i int) int {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		return j
	}
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	j := digits(i)
	if j == i {
		return false
	}
	nonZero := strings.Trim(s[i:j], "0") != ""
	if i = j; i < len(s) && s[i] == '.' {
		if j = digits(i + 1); j == i+1 {
			return false
		}
		nonZero = nonZero || strings.Trim(s[i+1:j], "0") != ""
		i = j
	}
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
	return i == len(s) && (s[0] != '-' || !nonZero)
}

// isHTMLWhitespace reports whether c is ASCII whitespace as HTML defines it.
func isHTMLWhitespace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}
