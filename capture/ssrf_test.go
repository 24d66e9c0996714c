package capture_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/internal/netguard"
	"github.com/vellumhq/vellum/internal/testsite"
)

// The SSRF guard of captures asked for over the API (issue 13): a dialer
// from internal/netguard allowing 127.0.0.2/32 only. 127.0.0.1 stands for
// the machine's own network, which such a capture must never reach.

// Total is how many requests the server received, whatever their path.
func (c *counting) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, k := range c.count {
		n += k
	}
	return n
}

// guarded is a capture config whose dialer allows 127.0.0.2/32 only,
// resolving names with r (nil: the system's); *dials counts the
// connections it was asked to make to 127.0.0.1.
func guarded(t *testing.T, r *net.Resolver) (capture.Config, *atomic.Int64) {
	t.Helper()
	g, err := netguard.Parse("127.0.0.2/32")
	if err != nil {
		t.Fatal(err)
	}
	d := g.Dialer(r)
	dials := &atomic.Int64{}
	control := d.Control
	d.Control = func(network, address string, c syscall.RawConn) error {
		if strings.HasPrefix(address, "127.0.0.1:") {
			dials.Add(1)
		}
		return control(network, address, c)
	}
	cfg := testConfig(t)
	cfg.Dialer = d
	return cfg, dials
}

func refusal(hostport string) string {
	return "refused to connect to " + hostport + ": loopback address (not in --allow-targets)"
}

// With 127.0.0.2 allowed, its page is archived; a seed on 127.0.0.1, a
// redirect from 127.0.0.2 to it and a requisite on it are refused, each
// reported with the guard's reason (status line, run report), none tried
// twice, none reaching 127.0.0.1, none in the WARC files. With robots.txt
// obeyed, the refusal comes from 127.0.0.1's robots.txt, fetched first.
func TestGuardRefusesSeedsRedirectsAndRequisitesOnLoopback(t *testing.T) {
	for _, tc := range []struct {
		name         string
		ignoreRobots bool
		dials        int64 // connections to 127.0.0.1 asked for
	}{
		{"robots.txt obeyed", false, 1}, // its robots.txt, once
		{"robots.txt ignored", true, 3}, // the seed, the hop, the requisite: once each
	} {
		t.Run(tc.name, func(t *testing.T) {
			inside := newCountingOn(t, "127.0.0.1:0", map[string]http.HandlerFunc{
				"/secret": page("Secret"), "/moved": page("Moved"), "/img.png": page("Image"),
			})
			outside := newCountingOn(t, "127.0.0.2:0", map[string]http.HandlerFunc{
				"/": func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/html")
					fmt.Fprintf(w, `<!DOCTYPE html><title>Public</title><p>Public page <img src="%s/img.png">`, inside.URL)
				},
				"/go": redirectTo(inside.URL + "/moved"),
			})
			cfg, dials := guarded(t, nil)
			cfg.IgnoreRobots = tc.ignoreRobots
			res := run(t, cfg, outside.URL+"/", outside.URL+"/go", inside.URL+"/secret")

			if n := inside.Total(); n != 0 {
				t.Errorf("127.0.0.1 received %d requests, want 0", n)
			}
			if n := dials.Load(); n != tc.dials {
				t.Errorf("%d connections to 127.0.0.1 asked for, want %d (a refusal is not retried)", n, tc.dials)
			}
			why := refusal(inside.Listener.Addr().String())
			if s := res.Seeds[0]; !s.OK() || s.Status != 200 {
				t.Errorf("the page on 127.0.0.2: %s", s.Line())
			}
			for _, s := range res.Seeds[1:] {
				var r *netguard.RefusedError
				if !errors.As(s.Err, &r) || s.Err.Error() != why {
					t.Errorf("seed %s: error %v, want %q", s.Seed, s.Err, why)
				}
			}
			if got, want := res.Seeds[1].Line(), "FAILED "+outside.URL+"/go: "+why+" (partial record at /web/"; !strings.HasPrefix(got, want) {
				t.Errorf("status line\n %s\nwant %s…", got, want)
			}
			if got, want := res.Seeds[2].Line(), "FAILED "+inside.URL+"/secret: "+why; got != want {
				t.Errorf("status line\n %s\nwant %s", got, want)
			}
			problem := index.Problem{URL: inside.URL + "/img.png", Kind: "requisite", Outcome: index.OutcomeFailed, Reason: why}
			if !hasProblem(res.Problems, problem) {
				t.Errorf("problems %+v: want %+v", res.Problems, problem)
			}

			// The run's report says the same.
			var sum capture.RunSummary
			data, err := os.ReadFile(filepath.Join(cfg.Archive, layout.RunsDir, res.RunID+".json"))
			if err == nil {
				err = json.Unmarshal(data, &sum)
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(sum.Failed) != 2 || sum.Failed[0].Error != why || sum.Failed[1].Error != why {
				t.Errorf("runs/%s.json: failed seeds %+v, want the two with %q", res.RunID, sum.Failed, why)
			}
			if !hasProblem(sum.Problems, problem) {
				t.Errorf("runs/%s.json: problems %+v, want %+v", res.RunID, sum.Problems, problem)
			}

			// Nothing of 127.0.0.1 in the archive; the redirect to it is there.
			recs := readArchive(t, cfg.Archive)
			for _, r := range recs {
				if strings.HasPrefix(r.Target(), inside.URL) {
					t.Errorf("%s record for %s", r.Type(), r.Target())
				}
			}
			one(t, recs, "response", outside.URL+"/go")
			one(t, recs, "response", outside.URL+"/")
		})
	}
}

// DNS rebinding: a name that is 127.0.0.2 when the page is fetched and
// 127.0.0.1 when its requisite is (a connection of its own) gets the page
// archived and the requisite refused, without a request reaching
// 127.0.0.1 (which listens on the same port).
func TestGuardRefusesANameThatRebindsToLoopback(t *testing.T) {
	outside, inside := sameport(t,
		map[string]http.HandlerFunc{
			"/": func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				fmt.Fprint(w, `<!DOCTYPE html><title>Rebind</title><p>A page <img src="/img.png">`)
			},
			"/img.png": page("Public image"),
		},
		map[string]http.HandlerFunc{"/img.png": page("Secret image")})
	port := outside.Listener.Addr().(*net.TCPAddr).Port
	dns := testsite.NewDNS(t, nil)
	dns.Rebind("rebind.test", "127.0.0.2", "127.0.0.1")
	cfg, _ := guarded(t, dns.Dialer().Resolver)
	cfg.IgnoreRobots = true // the page's is the first lookup
	seed := fmt.Sprintf("http://rebind.test:%d/", port)
	res := run(t, cfg, seed)

	if s := res.Seeds[0]; !s.OK() || s.Status != 200 {
		t.Errorf("the page: %s", s.Line())
	}
	if n := inside.Total(); n != 0 {
		t.Errorf("127.0.0.1 received %d requests, want 0", n)
	}
	if outside.Count("/") != 1 || outside.Count("/img.png") != 0 {
		t.Errorf("127.0.0.2 served the page %d times and the image %d times, want 1 and 0", outside.Count("/"), outside.Count("/img.png"))
	}
	problem := index.Problem{URL: seed + "img.png", Kind: "requisite", Outcome: index.OutcomeFailed, Reason: refusal(fmt.Sprintf("127.0.0.1:%d", port))}
	if !hasProblem(res.Problems, problem) {
		t.Errorf("problems %+v: want %+v", res.Problems, problem)
	}
	for _, r := range readArchive(t, cfg.Archive) {
		if r.Target() == seed+"img.png" {
			t.Errorf("%s record for the image", r.Type())
		}
	}
}

// sameport starts a server on 127.0.0.2 and one on 127.0.0.1 at the same
// port, which a name may resolve to in turn.
func sameport(t *testing.T, outsideRoutes, insideRoutes map[string]http.HandlerFunc) (outside, inside *counting) {
	t.Helper()
	for range 20 {
		outside = newCountingOn(t, "127.0.0.2:0", outsideRoutes)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", outside.Listener.Addr().(*net.TCPAddr).Port))
		if err != nil { // the port is taken on 127.0.0.1: another one
			outside.Close()
			continue
		}
		l.Close()
		return outside, newCountingOn(t, l.Addr().String(), insideRoutes)
	}
	t.Fatal("no port free on both 127.0.0.1 and 127.0.0.2")
	return nil, nil
}

func hasProblem(ps []index.Problem, want index.Problem) bool {
	for _, p := range ps {
		if p.URL == want.URL && p.Kind == want.Kind && p.Outcome == want.Outcome && p.Reason == want.Reason {
			return true
		}
	}
	return false
}

// With --browser, Chromium's requests go out through the same guarded
// dialer: the page on 127.0.0.2 is archived, its image on 127.0.0.1, a
// redirect to 127.0.0.1 and a page there are refused with the guard's
// reason, and nothing reaches 127.0.0.1.
func TestGuardRefusesTheBrowsersRequestsToLoopback(t *testing.T) {
	inside := newCountingOn(t, "127.0.0.1:0", map[string]http.HandlerFunc{
		"/moved": page("Moved"), "/img.png": page("Image"),
	})
	outside := newCountingOn(t, "127.0.0.2:0", map[string]http.HandlerFunc{
		"/": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<!DOCTYPE html><title>Public</title><p>Public page <img src="%s/img.png">`, inside.URL)
		},
		"/go": redirectTo(inside.URL + "/moved"),
	})
	cfg, _ := guarded(t, nil)
	cfg.IgnoreRobots = true // the browser's own requests meet the guard
	cfg.Browser = capture.BrowserConfig{Mode: capture.BrowserOn, Path: os.Getenv("CHROMIUM"), Tabs: 1}
	res := run(t, cfg, outside.URL+"/", outside.URL+"/go", inside.URL+"/moved")

	if outside.Count("/") == 0 {
		t.Fatal("the page was never requested (is Chromium installed?)")
	}
	if n := inside.Total(); n != 0 {
		t.Errorf("127.0.0.1 received %d requests, want 0", n)
	}
	why := refusal(inside.Listener.Addr().String())
	if s := res.Seeds[0]; !s.OK() || s.Status != 200 || s.Browser == "" {
		t.Errorf("the page on 127.0.0.2: %s", s.Line())
	}
	for _, s := range res.Seeds[1:] {
		if s.Err == nil || s.Err.Error() != why {
			t.Errorf("%s; want the error %q", s.Line(), why)
		}
	}
	problem := index.Problem{URL: inside.URL + "/img.png", Kind: "requisite", Outcome: index.OutcomeFailed, Reason: why}
	if !hasProblem(res.Problems, problem) {
		t.Errorf("problems %+v: want %+v", res.Problems, problem)
	}
	for _, r := range readArchive(t, cfg.Archive) {
		if strings.HasPrefix(r.Target(), inside.URL) {
			t.Errorf("%s record for %s", r.Type(), r.Target())
		}
	}
}

// WebRTC is the one way a page's script sends packets around the proxy:
// a STUN request to an address the page names (here a UDP port on
// 127.0.0.1) never leaves Chromium.
func TestTheBrowserSendsNoWebRTCPacketsAroundTheProxy(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	var packets atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
			packets.Add(1)
		}
	}()
	defer func() { pc.Close(); <-done }()
	outside := newCountingOn(t, "127.0.0.2:0", map[string]http.HandlerFunc{
		"/": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<!DOCTYPE html><title>RTC</title><p id="s">waiting</p><script>
const pc = new RTCPeerConnection({iceServers: [{urls: "stun:%s"}]});
pc.createDataChannel("x");
pc.onicegatheringstatechange = () => { document.getElementById("s").textContent = pc.iceGatheringState; };
pc.createOffer().then(o => pc.setLocalDescription(o));
</script>`, pc.LocalAddr())
		},
	})
	cfg, _ := guarded(t, nil)
	cfg.IgnoreRobots = true
	cfg.Browser = capture.BrowserConfig{Mode: capture.BrowserOn, Path: os.Getenv("CHROMIUM"), Tabs: 1}
	res := run(t, cfg, outside.URL+"/")
	if s := res.Seeds[0]; !s.OK() {
		t.Fatalf("the page: %s", s.Line())
	}
	if n := packets.Load(); n != 0 {
		t.Errorf("%d UDP packets from the browser reached 127.0.0.1", n)
	}
}
