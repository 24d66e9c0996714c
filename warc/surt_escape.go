package warc

import (
	"regexp"
	"strings"
)

// unescapeRepeatedly decodes %XX escapes until none is left ("%2525" → "%").
// Invalid escapes stay as they are.
func unescapeRepeatedly(s string) string {
	for strings.IndexByte(s, '%') >= 0 {
		u := unescapeOnce(s)
		if u == s {
			break
		}
		s = u
	}
	return s
}

func unescapeOnce(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && unhex(s[i+1]) >= 0 && unhex(s[i+2]) >= 0 {
			if b == nil {
				b = append(make([]byte, 0, len(s)), s[:i]...)
			}
			b = append(b, byte(unhex(s[i+1])<<4|unhex(s[i+2])))
			i += 2
			continue
		}
		if b != nil {
			b = append(b, s[i])
		}
	}
	if b == nil {
		return s
	}
	return string(b)
}

// escapeMinimal escapes control characters, space, '#', '%' and non-ASCII bytes,
// and nothing else.
func escapeMinimal(s string) string {
	const hexdig = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || c >= 0x7f || c == '#' || c == '%' {
			b.WriteByte('%')
			b.WriteByte(hexdig[c>>4])
			b.WriteByte(hexdig[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Session-id query parameters dropped from SURT keys, as pywb does.
var sessionParams = []struct {
	key   *regexp.Regexp
	value *regexp.Regexp
}{
	{regexp.MustCompile(`(?i)^jsessionid$`), regexp.MustCompile(`^[0-9a-zA-Z]{32}$`)},
	{regexp.MustCompile(`(?i)^phpsessid$`), regexp.MustCompile(`^[0-9a-zA-Z]{32}$`)},
	{regexp.MustCompile(`(?i)^sid$`), regexp.MustCompile(`^[0-9a-zA-Z]{32}$`)},
	{regexp.MustCompile(`(?i)^aspsessionid[a-z]{8}$`), regexp.MustCompile(`^[a-zA-Z]{24}$`)},
	{regexp.MustCompile(`(?i)^(cfid|cftoken)$`), regexp.MustCompile(`^.+$`)},
}

func stripSessionIDs(params []string) []string {
	out := params[:0]
	for _, p := range params {
		k, v, _ := strings.Cut(p, "=")
		drop := false
		for _, sp := range sessionParams {
			if sp.key.MatchString(k) && sp.value.MatchString(v) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return []string{""}
	}
	return out
}
