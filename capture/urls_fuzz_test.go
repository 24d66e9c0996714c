package capture

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzParseSeed checks seeds as given on the command line or in a jobs
// file: an accepted seed is an http(s) URL with a host and no fragment,
// and normalising it again changes nothing.
func FuzzParseSeed(f *testing.F) {
	for _, s := range []string{"example.org", "HTTP://Example.ORG:80", "https://a.example:443/x#f", "ftp://x/",
		"127.0.0.1:8080/a", "localhost:18431/news", "//host/p", "http://[::1]:80/", "http://%zz/", " a.example/ b",
		"http://a.example/\x7f", "http://user:pw@a.example/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := ParseSeed(raw)
		if err != nil {
			if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "URL") {
				t.Fatalf("%q: error %q", raw, err)
			}
			return
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.Fragment != "" {
			t.Fatalf("%q: accepted as %q", raw, u)
		}
		again, err := ParseSeed(u.String())
		if err != nil || again.String() != u.String() {
			t.Fatalf("%q: %q normalises to %v, %v", raw, u, again, err)
		}
	})
}

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
