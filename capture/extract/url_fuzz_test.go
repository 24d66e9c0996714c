package extract

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzAbsLinkURL resolves hostile link references: a result is an
// absolute http(s) URL with a host, a path and no fragment, that parses,
// and that resolves to itself.
func FuzzAbsLinkURL(f *testing.F) {
	for _, s := range [][2]string{
		{"https://news.example/a/b", "../c?d=e f#g"}, {"http://a.example/", "\\\\evil.example\\x"},
		{"http://a.example/", "HTTP://B\u00e9.Example:80/%zz"}, {"http://a.example/", "javascript:alert(1)"},
		{"http://a.example/", "//[::1]:443/"}, {"https://a.example/", " \t/x\ny "}, {"", "http://x/?q=\"<>"},
		{"http://a.example/", "http://xn--/"}, {"http://a.example/", "?a#b"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, baseURL, ref string) {
		var base *url.URL
		if baseURL != "" {
			var err error
			if base, err = url.Parse(baseURL); err != nil {
				return
			}
		}
		got, ok := absLinkURL(base, ref)
		if !ok {
			return
		}
		u, err := url.Parse(got)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path == "" ||
			strings.Contains(got, "#") || strings.ContainsAny(got, " \t\r\n") {
			t.Fatalf("%q against %q: %q (%v)", ref, baseURL, got, err)
		}
		if again, ok := absLinkURL(nil, got); !ok || again != got {
			t.Fatalf("%q against %q: %q resolves to %q, %v", ref, baseURL, got, again, ok)
		}
	})
}
