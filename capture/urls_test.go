package capture

import (
	"strings"
	"testing"
)

// A seed without "://" gets http:// whatever its host looks like; a
// host:port is never read as a scheme, and a real other scheme is refused.
func TestParseSeedOneRuleForSeedsWithoutAScheme(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"localhost:18431/news/story.html", "http://localhost:18431/news/story.html"},
		{"127.0.0.1:18431/news/story.html", "http://127.0.0.1:18431/news/story.html"},
		{"news.example/story.html", "http://news.example/story.html"},
		{"localhost", "http://localhost/"},
		{"localhost:8080", "http://localhost:8080/"},
		{"intranet/wiki?page=1", "http://intranet/wiki?page=1"},
		{"[::1]:8080/x", "http://[::1]:8080/x"},
		{"//news.example/a", "http://news.example/a"},
		{"  News.Example:80/a#top ", "http://news.example/a"},
		{"https://news.example/a", "https://news.example/a"},
		{"HTTP://news.example/a", "http://news.example/a"},
	} {
		u, err := ParseSeed(c.in)
		if err != nil || u.String() != c.want {
			t.Errorf("ParseSeed(%q) = %v, %v; want %s", c.in, u, err, c.want)
		}
	}
	for _, c := range []struct{ in, errHas string }{
		{"", "empty URL"},
		{"ftp://news.example/a", "scheme must be http or https"},
		{"mailto:desk@news.example", "scheme must be http or https"},
		{"javascript:alert(1)", "scheme must be http or https"},
		{"https:/news.example/a", "no host"},
		{"not a url at all", "invalid URL"},
		{"http://", "no host"},
	} {
		_, err := ParseSeed(c.in)
		if err == nil || !strings.Contains(err.Error(), c.errHas) || !strings.Contains(err.Error(), c.in) {
			t.Errorf("ParseSeed(%q) error %v, want one naming the seed and saying %q", c.in, err, c.errHas)
		}
	}
}
