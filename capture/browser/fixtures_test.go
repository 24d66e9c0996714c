package browser

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// viaHeader marks a request the test forwarder carried, so the site can
// tell one that reached it some other way.
const viaHeader = "X-Test-Forwarded"

// fixtureForwarder is a tiny forward proxy that counts what it carries:
// plain http, and CONNECT tunnels to 127.0.0.1 (TLS end to end, for the
// SPKI test). The stand-in for the recording proxy in these tests.
type fixtureForwarder struct {
	srv     *httptest.Server
	tunnels sync.WaitGroup

	mu       sync.Mutex
	carried  []string
	connects []string // CONNECTs to other hosts, and requests not meant for a proxy
	tunneled []string // CONNECTs carried
}

func newFixtureForwarder(t testing.TB) *fixtureForwarder {
	f := &fixtureForwarder{}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL = pr.In.URL
			pr.Out.Host = pr.In.Host
			pr.Out.Header.Set(viaHeader, "1")
		},
		Transport: &http.Transport{Proxy: nil},
		ErrorLog:  log.New(io.Discard, "", 0), // pages cut short by a test
	}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		if r.Method == http.MethodConnect && strings.HasPrefix(r.Host, "127.0.0.1:") {
			f.tunneled = append(f.tunneled, r.Host)
			f.mu.Unlock()
			f.tunnel(w, r)
			return
		}
		if r.Method == http.MethodConnect || !r.URL.IsAbs() {
			f.connects = append(f.connects, r.Method+" "+r.Host+r.URL.String())
			f.mu.Unlock()
			http.Error(w, "not for this proxy", http.StatusMethodNotAllowed)
			return
		}
		f.carried = append(f.carried, r.URL.String())
		f.mu.Unlock()
		if r.URL.Hostname() != "127.0.0.1" {
			http.Error(w, "no internet here", http.StatusBadGateway)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		f.srv.Close()
		f.tunnels.Wait()
	})
	return f
}

// tunnel joins the client to r.Host until either side closes.
func (f *fixtureForwarder) tunnel(w http.ResponseWriter, r *http.Request) {
	up, err := net.Dial("tcp", r.Host)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	down, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		up.Close()
		return
	}
	if _, err := down.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		up.Close()
		down.Close()
		return
	}
	f.tunnels.Add(2)
	go func() {
		defer f.tunnels.Done()
		io.Copy(up, buf)
		up.(*net.TCPConn).CloseWrite()
	}()
	go func() {
		defer f.tunnels.Done()
		io.Copy(down, up)
		down.Close()
		up.Close()
	}()
}

// tunneledTo says which hosts the forwarder opened tunnels to.
func (f *fixtureForwarder) tunneledTo() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.tunneled...)
}

// strays are the requests at the proxy that were not for the site: CONNECTs,
// and anything for another host (Chromium's own background traffic).
func (f *fixtureForwarder) strays() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := append([]string(nil), f.connects...)
	for _, u := range f.carried {
		if !strings.HasPrefix(u, "http://127.0.0.1:") {
			out = append(out, u)
		}
	}
	return out
}

func (f *fixtureForwarder) addr() string { return strings.TrimPrefix(f.srv.URL, "http://") }

// site is the loopback fixture: pages that build themselves by script, and
// pages that misbehave. It logs every request, and counts those that did
// not come through the forwarder.
type fixtureSite struct {
	srv     *httptest.Server
	held    chan struct{} // a /held request arrived
	release chan struct{}
	gate    chan struct{} // closed by a test: /gate pages may answer

	mu      sync.Mutex
	seen    []string
	escaped []string
	active  int // /gate requests waiting
	most    int // the most /gate requests waiting at once
}

func newFixtureSite(t testing.TB) *fixtureSite {
	s := &fixtureSite{held: make(chan struct{}, 10), release: make(chan struct{}), gate: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("/go-news", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/news", http.StatusFound)
	})
	mux.HandleFunc("/news", servePage(newsHTML))
	mux.HandleFunc("/api/article.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"headline":"Fetched headline 7731","body":"A paragraph that arrived by fetch()."}`)
	})
	mux.HandleFunc("/img/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(tinyPNG)
	})
	// A clock that changes the DOM with no request: the page as archived
	// is the page at the end of the quiet period, not an earlier take.
	mux.HandleFunc("/clock", servePage(`<!doctype html><title>clock</title><p>Since load: <b id="ms">0</b> ms</p><script>
addEventListener("load", () => {
  const t0 = performance.now();
  setInterval(() => { document.getElementById("ms").textContent = Math.round(performance.now() - t0); }, 20);
});
</script>`))
	// Smooth scrolling set by the page's CSS must not keep the scroll from
	// reaching the photo at its end.
	mux.HandleFunc("/smooth", servePage(`<!doctype html><title>smooth</title><style>html { scroll-behavior: smooth }</style>
<h1>Smooth</h1><div style="height: 8000px"></div><div id="end">end</div><script>
new IntersectionObserver((entries, o) => {
  if (entries.some(e => e.isIntersecting)) { const i = new Image(); i.src = "/img/smooth.png"; document.body.append(i); o.disconnect(); }
}).observe(document.getElementById("end"));
</script>`))
	// Markers 40 px apart down a tall page, each marked by an
	// IntersectionObserver once it was in view: a scroll position that no
	// frame computed intersections for leaves a band of them unmarked.
	mux.HandleFunc("/markers", servePage(`<!doctype html><title>markers</title><link rel="icon" href="data:,"><style>body { margin: 0 } i { display: block; height: 1px; margin-bottom: 39px }</style>
`+strings.Repeat("<i></i>", markers)+`<script>
const io = new IntersectionObserver(entries => {
  for (const e of entries) if (e.isIntersecting) { e.target.textContent = "seen"; io.unobserve(e.target); }
});
document.querySelectorAll("i").forEach(m => io.observe(m));
</script>`))
	// A page that grows at its load event, which a slow photo holds back:
	// its new end must be scrolled to as well (scrolling must not begin
	// before the load event, or end before what it adds).
	mux.HandleFunc("/slow.png", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(500 * time.Millisecond):
		case <-r.Context().Done():
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(tinyPNG)
	})
	mux.HandleFunc("/grows", servePage(`<!doctype html><title>grows</title><p>Short at first.</p><img src="/slow.png"><script>
addEventListener("load", () => {
  const tall = document.createElement("div");
  tall.style.height = "6000px";
  const end = document.createElement("p");
  end.textContent = "end";
  document.body.append(tall, end);
  new IntersectionObserver((entries, o) => {
    if (entries.some(e => e.isIntersecting)) { const i = new Image(); i.src = "/img/grown.png"; document.body.append(i); o.disconnect(); }
  }).observe(end);
});
</script>`))
	// A script's fetch 150 ms after the load event, with nothing in flight
	// meanwhile: a page is not taken as settled while a timer is pending.
	mux.HandleFunc("/late", servePage(`<!doctype html><title>late</title><p id="late">waiting</p><script>
addEventListener("load", () => setTimeout(async () => {
  document.getElementById("late").textContent = (await (await fetch("/api/late.json")).json()).text;
}, 150));
</script>`))
	mux.HandleFunc("/api/late.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"text":"Late text 4417"}`)
	})
	// A timer far beyond the quiet window does not hold a page back. (The
	// pages a test expects settled name an icon of their own: Chromium's
	// request for /favicon.ico, which comes when it comes, is a request
	// like any other, and would make them wait for the quiet window.)
	mux.HandleFunc("/later", servePage(`<!doctype html><title>later</title><link rel="icon" href="data:,"><p>Later</p><script>
setTimeout(() => fetch("/api/late.json"), 60000);
</script>`))
	// An interval cleared with clearTimeout (they share their IDs): nothing
	// is left pending.
	mux.HandleFunc("/cleared", servePage(`<!doctype html><title>cleared</title><link rel="icon" href="data:,"><p>Cleared</p><script>
const tick = setInterval(() => {}, 30);
clearTimeout(tick);
</script>`))
	mux.HandleFunc("/simple", servePage(`<!doctype html><title>simple</title><link rel="icon" href="data:,"><h1>Simple page</h1><p>Text.</p>`))
	mux.HandleFunc("/hang", servePage(`<!doctype html><title>hang</title><p>before</p><script>for (;;) {}</script><p>after</p>`))
	mux.HandleFunc("/popups", servePage(`<!doctype html><title>popups</title><p>popups</p><script>
for (let i = 0; i < 20; i++) window.open("/popup/" + i);
setInterval(() => window.open("/popup/again"), 20);
</script>`))
	mux.HandleFunc("/away", servePage(`<!doctype html><title>away</title><p>Stay here</p><script>
addEventListener("load", () => setTimeout(() => { location.href = "/elsewhere"; }, 50));
</script>`))
	mux.HandleFunc("/held", func(w http.ResponseWriter, r *http.Request) {
		s.held <- struct{}{}
		select {
		case <-s.release:
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/gate/", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.active++
		s.most = max(s.most, s.active)
		s.mu.Unlock()
		select {
		case <-s.gate:
		case <-r.Context().Done():
		}
		s.mu.Lock()
		s.active--
		s.mu.Unlock()
		servePage("<!doctype html><p>gate "+r.URL.Path)(w, r)
	})
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.seen = append(s.seen, r.URL.Path)
		if r.Header.Get(viaHeader) == "" {
			s.escaped = append(s.escaped, r.URL.Path)
		}
		s.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		close(s.release)
		s.srv.Close()
	})
	return s
}

func servePage(html string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, html)
	}
}

// requested says whether the site saw a request for path.
func (s *fixtureSite) requested(path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.seen {
		if p == path {
			return true
		}
	}
	return false
}

// gated is how many /gate requests wait now, and the most that waited.
func (s *fixtureSite) gated() (now, most int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active, s.most
}

func (s *fixtureSite) escapes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.escaped...)
}

// markers is how many markers /markers has: 12,000 px of page.
const markers = 300

// newsHTML is a page whose article arrives by fetch() after load and whose
// images are inserted by an IntersectionObserver as they scroll into view,
// 1000 px apart, so only scrolling to the end brings the last ones.
var newsHTML = `<!doctype html><html><head><title>news</title>
<style>.slot { height: 1000px; border-top: 1px solid #ccc; }</style></head>
<body><h1 id="headline">Loading…</h1><p id="body"></p>
` + slots(6) + `
<script>
addEventListener("load", async () => {
  const a = await (await fetch("/api/article.json")).json();
  document.getElementById("headline").textContent = a.headline;
  document.getElementById("body").textContent = a.body;
});
const io = new IntersectionObserver(entries => {
  for (const e of entries) {
    if (!e.isIntersecting) continue;
    const img = document.createElement("img");
    img.src = "/img/" + e.target.dataset.n + ".png";
    img.alt = "late " + e.target.dataset.n;
    e.target.appendChild(img);
    io.unobserve(e.target);
  }
});
document.querySelectorAll(".slot").forEach(s => io.observe(s));
</script></body></html>`

func slots(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "<div class=slot data-n=%d></div>\n", i)
	}
	return b.String()
}

var tinyPNG = func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{200, 0, 0, 255})
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}()

// startBrowser starts Chromium for a test, through the forwarder. A missing
// Chromium fails the test: `make test` installs Debian's chromium.
func startBrowser(t testing.TB, fw *fixtureForwarder, o Options) *Browser {
	t.Helper()
	path, err := Find(os.Getenv("CHROMIUM"))
	if err != nil {
		t.Fatal(err)
	}
	o.Path = path
	if os.Getenv("BROWSER_DEBUG") != "" {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	o.Proxy = fw.addr()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	b, err := Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return b
}

// loadWithin loads url and fails the test when the load takes longer than
// limit, a bound far above what a working load needs.
func loadWithin(t *testing.T, b *Browser, url string, limit time.Duration) (*Page, error, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*limit)
	defer cancel()
	start := time.Now()
	p, err := b.Load(ctx, url)
	took := time.Since(start)
	if took > limit {
		t.Errorf("Load(%s) took %s, more than %s", url, took, limit)
	}
	return p, err, took
}

// newTLSSite is an https page, and the SPKI hash of its certificate for
// Options.SPKI: what the run's CA gives the browser.
func newTLSSite(t testing.TB) (*httptest.Server, string) {
	srv := httptest.NewTLSServer(servePage(`<!doctype html><title>secure</title><p>Secure text 5150</p>`))
	t.Cleanup(srv.Close)
	sum := sha256.Sum256(srv.Certificate().RawSubjectPublicKeyInfo)
	return srv, base64.StdEncoding.EncodeToString(sum[:])
}
