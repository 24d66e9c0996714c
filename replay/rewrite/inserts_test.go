package rewrite

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

func TestRewriteHTMLInserts(t *testing.T) {
	opts := HTMLOptions{HeadInsert: []byte("<!--H-->"), BodyInsert: []byte("<!--B-->")}
	long := strings.Repeat("x", charsetWindow)
	tests := []struct{ name, in, want string }{
		{"after head", `<!DOCTYPE html><html><head><title>t</title></head><body><p>x</p></body></html>`,
			`<!DOCTYPE html><html><head><!--H--><title>t</title></head><body><!--B--><p>x</p></body></html>`},
		{"head with attributes", `<HTML lang=en><HEAD profile="x">` + "\n<title>t</title></HEAD><BODY class=a onload='f()'>",
			`<HTML lang=en><HEAD profile="x"><!--H-->` + "\n<title>t</title></HEAD><BODY class=a onload='f()'><!--B-->"},
		{"after the charset declaration", `<html><head><title>t</title><meta name=x content=y><meta charset="utf-8"><script>1</script>`,
			`<html><head><title>t</title><meta name=x content=y><meta charset="utf-8"><!--H--><script>1</script><!--B-->`}, // at the end: no body content came
		{"after http-equiv content-type", `<head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"><link rel=x href=y>`,
			`<head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"><!--H--><link rel=x href=` + tl + nd + `/y><!--B-->`},
		{"before a script though a charset may follow", `<head><script>var charset</script><meta charset=utf-8>`,
			`<head><!--H--><script>var charset</script><meta charset=utf-8><!--B-->`},
		{"charset beyond the prescan", `<head><title>` + long + `</title><meta charset=utf-8>`,
			`<head><!--H--><title>` + long + `</title><meta charset=utf-8><!--B-->`},
		{"charset waits no further than the prescan", `<head><!-- charset -->` + `<title>` + long + `</title><link rel=a href=b>`,
			`<head><!-- charset --><title>` + long + `</title><!--H--><link rel=a href=` + tl + nd + `/b><!--B-->`},
		{"no head", `<html><title>t</title><p>x`, `<html><!--H--><title>t</title><!--B--><p>x`},
		{"meta charset first", `<meta charset=utf-8><p>x`, `<meta charset=utf-8><!--H--><!--B--><p>x`},
		{"fragment", `<p>x`, `<!--H--><!--B--><p>x`},
		{"text", `hello`, `<!--H--><!--B-->hello`},
		{"comment and space first", "\n<!-- c -->\n<html>\n<head>\n", "\n<!-- c -->\n<html>\n<head><!--H-->\n<!--B-->"},
		{"empty", ``, `<!--H--><!--B-->`},
		{"head only", `<html><head><title>t</title></head></html>`, `<html><head><!--H--><title>t</title></head><!--B--></html>`},
		{"body first", `<body><p>x`, `<!--H--><body><!--B--><p>x`},
		{"implied body after head", `<head><link rel=a href=b></head><div>x</div>`, `<head><!--H--><link rel=a href=` + tl + nd + `/b></head><!--B--><div>x</div>`},
		{"text ends the head", `<head><title>t</title>news<p>x`, `<head><!--H--><title>t</title><!--B-->news<p>x`},
		{"noscript in head", `<head><noscript><img src=x.png></noscript></head><body>`,
			`<head><!--H--><noscript><img src=` + im + nd + `/x.png></noscript></head><body><!--B-->`},
		{"template", `<head></head><template><p>t</p></template><p>x`, `<head><!--H--></head><template><p>t</p></template><!--B--><p>x`},
		{"once", `<body><body><p>`, `<!--H--><body><!--B--><body><p>`},
		{"frameset", `<html><head></head><frameset><frame src=a.html></frameset></html>`,
			`<html><head><!--H--></head><frameset><frame src=` + fr + nd + `/a.html></frameset></html>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rewriteString(t, tt.in, opts, nil); got != tt.want {
				t.Errorf("\n  in: %q\n got: %q\nwant: %q", tt.in, got, tt.want)
			}
			if got := rewriteString(t, tt.in, opts, func(r *strings.Reader) ioReader { return iotest.HalfReader(r) }); got != tt.want {
				t.Errorf("read in halves:\n got: %q\nwant: %q", got, tt.want)
			}
		})
	}
}

// repeatReader yields head, then body n times, then tail, without holding it all.
type repeatReader struct {
	head, body, tail, cur []byte
	n                     int
}

func newRepeatReader(head, body, tail string, n int) *repeatReader {
	return &repeatReader{head: []byte(head), body: []byte(body), tail: []byte(tail), n: n}
}

func (r *repeatReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		switch {
		case r.head != nil:
			r.cur, r.head = r.head, nil
		case r.n > 0:
			r.cur, r.n = r.body, r.n-1
		case r.tail != nil:
			r.cur, r.tail = r.tail, nil
		default:
			return 0, io.EOF
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

func TestRewriteHTMLStreamsInBoundedMemory(t *testing.T) {
	const size = 64 << 20
	tests := []struct{ name, head, body, tail string }{
		{"text", "<p>", "All work and no play makes Jack a dull boy. ", "</p><img src=a.jpg>"},
		{"script", "<script>", "var a = '<img src=x>'; // </scrip\n", "</script><img src=a.jpg>"},
		{"comment", "<!--", "<img src=x.png> - -> --!- ", "--><img src=a.jpg>"},
		{"style", "<style>", "p { color: red } /* url(x.png) */ ", "</style><img src=a.jpg>"},
		{"tag", "<img alt=\"", "long alt text ", "\" src=a.jpg><img src=a.jpg>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out countWriter
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			r := newRepeatReader(tt.head, tt.body, tt.tail, size/len(tt.body))
			if err := HTML(&out, r, testRewriter(), HTMLOptions{}); err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&after)
			if out.n < size {
				t.Fatalf("wrote %d bytes of %d", out.n, size)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
				t.Errorf("rewriting %d MiB allocated %d MiB", out.n>>20, alloc>>20)
			}
			if !bytes.HasSuffix(out.tail, []byte(`<img src=`+im+nd+`/a.jpg>`)) {
				t.Errorf("the image after the long token is not rewritten: ...%q", out.tail)
			}
		})
	}
}

// countWriter counts what is written and keeps its last bytes.
type countWriter struct {
	n    int
	tail []byte
}

func (w *countWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	w.tail = append(w.tail, p...)
	if len(w.tail) > 256 {
		w.tail = append(w.tail[:0], w.tail[len(w.tail)-256:]...)
	}
	return len(p), nil
}

func TestRewriteHTMLErrors(t *testing.T) {
	in := strings.Repeat("<p>x</p>", 10000)
	if err := HTML(io.Discard, iotest.TimeoutReader(strings.NewReader(in)), testRewriter(), HTMLOptions{}); !errors.Is(err, iotest.ErrTimeout) {
		t.Errorf("read error: got %v", err)
	}
	if err := HTML(failWriter{}, strings.NewReader(in), testRewriter(), HTMLOptions{}); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("write error: got %v", err)
	}
	if err := CSS(failWriter{}, strings.NewReader("a{b:url(c)}"), testRewriter()); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("css write error: got %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }
