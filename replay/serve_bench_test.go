package replay

import (
	"net/http/httptest"
	"testing"
)

// BenchmarkServe measures whole replay requests in process (no network):
// index lookup, WARC read, decoding and rewriting.
func BenchmarkServe(b *testing.B) {
	f := storyArchive(b, Options{Banner: true})
	for _, c := range []struct{ name, path string }{
		{"rewritten", "/web/20140812093000/" + story},
		{"raw", "/web/20140812093000id_/" + story},
		{"image", "/web/20140812093000im_/http://news.example/img/a.png"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				f.srv.ServeHTTP(w, httptest.NewRequest("GET", c.path, nil))
				if w.Code != 200 {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
