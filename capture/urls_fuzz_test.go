package capture

import (
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
