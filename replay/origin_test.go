package replay

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const (
	testUI      = "http://127.0.0.1:9001"
	testContent = "http://localhost:9002"
)

func framedOptions() Options { return Options{ContentOrigin: testContent, UIOrigin: testUI} }

// getContent requests path from the content origin's handler.
func (f *fixture) getContent(t *testing.T, path string, header ...string) *http.Response {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	f.srv.ContentHandler().ServeHTTP(w, r)
	return w.Result()
}

func TestArchivedCORSHeadersAreNeverPassedThrough(t *testing.T) {
	const js = "http://news.example/app.js"
	f := newFixture(t, []archived{{url: js, when: day1, block: resp(200, "Content-Type: application/javascript\r\n"+
		"Access-Control-Allow-Origin: *\r\nAccess-Control-Allow-Credentials: true\r\nAccess-Control-Expose-Headers: X-Secret\r\n", "var a = 1;")}}, Options{})
	for _, mod := range []string{"js_", "id_"} {
		h := f.get(t, "/web/20140812093000"+mod+"/"+js).Header
		for name, v := range map[string]string{"Allow-Origin": "*", "Allow-Credentials": "true", "Expose-Headers": "X-Secret"} {
			if got := h.Values("Access-Control-" + name); len(got) > 0 {
				t.Errorf("%s: archived Access-Control-%s passed through: %q", mod, name, got)
			}
			if got := h.Get("X-Archive-Orig-Access-Control-" + name); got != v {
				t.Errorf("%s: X-Archive-Orig-Access-Control-%s = %q, want %q", mod, name, got, v)
			}
		}
	}
}

func TestContentIsSandboxedAndConfinedToItsOrigin(t *testing.T) {
	for _, opts := range []Options{{}, framedOptions()} {
		f := storyArchive(t, opts)
		r := f.getContent(t, "/web/20140812093000mp_/"+story)
		if opts.ContentOrigin == "" {
			r = f.get(t, "/web/20140812093000/"+story)
		}
		csp := strings.Join(r.Header.Values("Content-Security-Policy"), ", ")
		for _, want := range []string{"frame-src 'self'", "form-action 'self'", "sandbox allow-scripts allow-same-origin allow-forms"} {
			if !strings.Contains(csp, want) {
				t.Errorf("content %q: CSP lacks %q: %s", opts.ContentOrigin, want, csp)
			}
		}
		for _, never := range []string{"allow-popups", "allow-top-navigation"} {
			if strings.Contains(csp, never) {
				t.Errorf("content %q: CSP allows %s: %s", opts.ContentOrigin, never, csp)
			}
		}
	}
}

func TestFramedUIServesNoArchivedBytes(t *testing.T) {
	f := storyArchive(t, framedOptions())
	for _, path := range []string{"/web/20140812093000id_/" + story, "/web/20140812093000im_/http://news.example/img/a.png",
		"/web/20140812093000if_/" + story, "/web/20140812093000cs_/http://news.example/s.css"} {
		r := f.get(t, path)
		if r.StatusCode != http.StatusFound || r.Header.Get("Location") != testContent+path {
			t.Errorf("UI %s: %d → %q, want a redirect to the content origin", path, r.StatusCode, r.Header.Get("Location"))
		}
	}
	r := f.get(t, "/web/20140812093000/"+story)
	if b := body(t, r); r.StatusCode != 200 || !strings.Contains(b, `sandbox="allow-scripts allow-same-origin allow-forms`) {
		t.Errorf("frame page: %d\n%s", r.StatusCode, b)
	}
}

func TestContentOpenedOnItsOwnIsFramedByTheUI(t *testing.T) {
	f := storyArchive(t, framedOptions())
	for _, mod := range []string{"", "mp_", "if_"} {
		r := f.getContent(t, "/web/20140812093000"+mod+"/"+story, "Sec-Fetch-Dest", "document")
		if want := testUI + "/web/20140812093000/" + story; r.StatusCode != http.StatusFound || r.Header.Get("Location") != want {
			t.Errorf("top-level %q: %d → %q, want %s", mod, r.StatusCode, r.Header.Get("Location"), want)
		}
	}
	// In the UI's frame, the page itself.
	if r := f.getContent(t, "/web/20140812093000mp_/"+story, "Sec-Fetch-Dest", "iframe"); r.StatusCode != 200 {
		t.Errorf("framed content: %d", r.StatusCode)
	}
	// Raw bytes opened as a page are inert.
	r := f.getContent(t, "/web/20140812093000id_/"+story, "Sec-Fetch-Dest", "document")
	if csp := r.Header.Values("Content-Security-Policy"); r.StatusCode != 200 || len(csp) != 2 || csp[0] != inertCSP {
		t.Errorf("raw page opened on its own: %d, CSP %q", r.StatusCode, csp)
	}
}
