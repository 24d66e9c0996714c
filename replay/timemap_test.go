package replay

import (
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vellumhq/vellum/index"
)

func init() {
	// The package's other golden tests may define -update too.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "regenerate the golden files in testdata/")
	}
}

// checkMementoGolden compares got with testdata/memento/name, rewriting it
// under -update.
func checkMementoGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "memento", name)
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update and review the diff):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// timeMapCaptures are the captures of one URL: http and https://www.
// spellings, a revisit and a record without status or digest.
func timeMapCaptures(t *testing.T) []index.Capture {
	return []index.Capture{
		testCapture(t, "http://example.com/story", "20140101000000", "text/html", 200, "sha256:aaa", 100, 0, "a.warc.gz"),
		testCapture(t, "http://example.com/story", "20140601120000", "warc/revisit", 200, "sha256:aaa", 50, 100, "a.warc.gz"),
		testCapture(t, "https://www.example.com/story", "20150101000000", "text/html", 200, "sha256:bbb", 120, 0, "b.warc.gz"),
		testCapture(t, "http://example.com/story", "20160229235959", "text/html", 0, "", 70, 300, "b.warc.gz"),
	}
}

func TestTimeMap(t *testing.T) {
	caps := timeMapCaptures(t)
	for _, tc := range []struct {
		format, ctype, golden string
		caps                  []index.Capture
	}{
		{"link", "application/link-format", "timemap.link", caps},
		{"link", "application/link-format", "timemap-one.link", caps[2:3]},
		{"json", "text/x-ndjson", "timemap.json", caps},
		{"cdxj", "text/x-cdxj", "timemap.cdxj", caps},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			rec := httptest.NewRecorder()
			if err := TimeMap(rec, tc.format, "http://example.com/story", "http://localhost:8080/web/", tc.caps); err != nil {
				t.Fatal(err)
			}
			if ct := rec.Header().Get("Content-Type"); rec.Code != http.StatusOK || ct != tc.ctype {
				t.Errorf("got %d %s, want 200 %s", rec.Code, ct, tc.ctype)
			}
			checkMementoGolden(t, tc.golden, rec.Body.String())
		})
	}
	rec := httptest.NewRecorder()
	if err := TimeMap(rec, "html", "http://example.com/story", "/web/", caps); err == nil || rec.Body.Len() > 0 || len(rec.Header()) > 0 {
		t.Errorf("unknown format: err %v, wrote %q", err, rec.Body.String())
	}
}

func TestLinkHeader(t *testing.T) {
	caps := timeMapCaptures(t)
	const head = `<http://example.com/story>; rel="original", <http://localhost:8080/web/http://example.com/story>; rel="timegate", ` +
		`<http://localhost:8080/web/timemap/link/http://example.com/story>; rel="timemap"; type="application/link-format"`
	m := func(i int, rel string) string {
		c := caps[i]
		return `, <http://localhost:8080/web/` + c.Timestamp + "/" + c.URL + `>; rel="` + rel + `"; datetime="` + string(appendHTTPDate(nil, c.Timestamp)) + `"`
	}
	for _, tc := range []struct {
		name                    string
		first, prev, next, last *index.Capture
		want                    string
	}{
		{"TimeGate: no mementos", nil, nil, nil, nil, head},
		{"middle", &caps[0], &caps[1], &caps[3], &caps[3], head + m(0, "first memento") + m(1, "prev memento") + m(3, "next last memento")},
		{"second", &caps[0], &caps[0], &caps[2], &caps[3], head + m(0, "first prev memento") + m(2, "next memento") + m(3, "last memento")},
		{"only one", &caps[2], nil, nil, &caps[2], head + m(2, "first last memento")},
		{"equal copies merge", &caps[0], nil, nil, new(caps[0]), head + m(0, "first last memento")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := LinkHeader("http://localhost:8080/web/", "http://example.com/story", tc.first, tc.prev, tc.next, tc.last); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
	// Bytes that would break the header are escaped.
	got := LinkHeader("/web/", "http://example.com/a b>c", nil, nil, nil, nil)
	if want := `<http://example.com/a%20b%3Ec>; rel="original", </web/http://example.com/a%20b%3Ec>; rel="timegate"`; !strings.HasPrefix(got, want) {
		t.Errorf("escaping: got %s", got)
	}
}
