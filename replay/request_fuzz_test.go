package replay

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vellumhq/vellum/warc"
)

// FuzzParseMementoPath splits arbitrary /web/ request paths: no panic, and
// a memento request has at most 14 digits, a known modifier and an
// absolute http(s) URL with a host, or a URN "urn:<nid>:<rest>" whose rest,
// when it names http(s), is such a URL (a screenshot's "urn:view:<url>").
func FuzzParseMementoPath(f *testing.F) {
	for _, s := range [][2]string{
		{"20140101id_/http://example.org/a", "b=c"}, {"2014/http:/example.org", ""}, {"id_/example.org/", ""},
		{"http://example.org/", ""}, {"123456789012345/x", ""}, {"2014xx_/x", ""}, {"2014/http%3A%2F%2Fa%2Fb", ""},
		{"2014/ftp://x/", ""}, {"2014//host/p", ""}, {"2014/", ""}, {"2014/http://[::1/", "%zz"},
		{"2014id_/urn:view:http://example.org/", "a=b"}, {"2014/urn:view:http:/", ""}, {"2014/urn:uuid:1", ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, rest, rawQuery string) {
		m, ok, err := parseMementoPath(rest, rawQuery)
		if !ok || err != nil {
			return
		}
		if len(m.Timestamp) > 14 || strings.Trim(m.Timestamp, "0123456789") != "" {
			t.Fatalf("timestamp %q", m.Timestamp)
		}
		if m.Mod != modNone && !knownMods[m.Mod] {
			t.Fatalf("modifier %q", m.Mod)
		}
		target := m.URL
		if strings.HasPrefix(strings.ToLower(target), "urn:") {
			nid, rest, ok := strings.Cut(target[len("urn:"):], ":")
			if !ok || nid == "" || rest == "" {
				t.Fatalf("URN %q", m.URL)
			}
			if low := strings.ToLower(rest); !strings.HasPrefix(low, "http:/") && !strings.HasPrefix(low, "https:/") {
				return
			}
			target = rest
		}
		u, err := url.Parse(target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			t.Fatalf("URL %q: %v", m.URL, err)
		}
	})
}

// FuzzParseRequestTimestamp checks request timestamps: an accepted one
// becomes 14 digits that are a real time, that keep the digits given
// (whole fields of them), that parse to themselves, and whose HTTP date
// reads back as the same time.
func FuzzParseRequestTimestamp(f *testing.F) {
	for _, s := range []string{"", "2", "201", "2014", "20141", "201402", "2016022", "20160229", "20150229",
		"20141231235959", "201412312359599", "2014123124", "00000101000000", "99991231", "20140a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ts string) {
		got, err := warc.PadTimestamp(ts)
		if err != nil {
			if got != "" || strings.Contains(err.Error(), "\n") {
				t.Fatalf("%q: %q with error %v", ts, got, err)
			}
			return
		}
		if len(got) != 14 || strings.Trim(got, "0123456789") != "" {
			t.Fatalf("%q: %q is not 14 digits", ts, got)
		}
		if whole := len(ts) - len(ts)%2; len(ts) >= 6 && !strings.HasPrefix(got, ts[:whole]) {
			t.Fatalf("%q: %q lost digits given", ts, got)
		}
		if again, err := warc.PadTimestamp(got); err != nil || again != got {
			t.Fatalf("%q: %q parses to %q, %v", ts, got, again, err)
		}
		date := string(appendHTTPDate(nil, got))
		if got[:4] >= "1000" { // four-digit years: what HTTP dates hold
			tm, err := http.ParseTime(date)
			if err != nil || tm.Format("20060102150405") != got {
				t.Fatalf("%q: HTTP date %q reads back as %v, %v", got, date, tm, err)
			}
		}
	})
}
