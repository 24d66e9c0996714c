package main

import (
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vellumhq/vellum/internal/testsite"
)

func TestContentOriginNamesAnotherHost(t *testing.T) {
	for _, c := range []struct{ addr, content, got, wantUI, wantContent string }{
		{"127.0.0.1:8080", "127.0.0.1:8081", "127.0.0.1:8081", "http://127.0.0.1:8080", "http://localhost:8081"},
		{"localhost:8080", "localhost:8081", "127.0.0.1:8081", "http://localhost:8080", "http://127.0.0.1:8081"},
		{"0.0.0.0:8080", "0.0.0.0:8081", "[::]:8081", "http://127.0.0.1:8080", "http://localhost:8081"},
		{"[::1]:8080", "[::1]:8081", "[::1]:8081", "http://[::1]:8080", "http://localhost:8081"},
		{"127.0.0.1:8080", "127.0.0.2:9000", "127.0.0.2:9000", "http://127.0.0.1:8080", "http://127.0.0.2:9000"},
		// A name that is not loopback stays: serve warns that cookies are shared.
		{"archive.lan:8080", "archive.lan:8081", "10.0.0.5:8081", "http://archive.lan:8080", "http://archive.lan:8081"},
	} {
		ui := listenOrigin(c.addr, tcpAddr(t, "127.0.0.1:8080")) // only the port counts
		if ui != c.wantUI {
			t.Errorf("UI origin of --addr %s: %s, want %s", c.addr, ui, c.wantUI)
		}
		if got := contentOrigin(ui, c.content, tcpAddr(t, c.got)); got != c.wantContent {
			t.Errorf("content origin of %s beside %s: %s, want %s", c.content, ui, got, c.wantContent)
		}
	}
	if got := nextAddr("127.0.0.1:8080"); got != "127.0.0.1:8081" {
		t.Errorf("nextAddr: %s", got)
	}
	if got := nextAddr("127.0.0.1:0"); got != "127.0.0.1:0" {
		t.Errorf("nextAddr of port 0: %s", got)
	}
}

func tcpAddr(t *testing.T, s string) net.Addr {
	t.Helper()
	a, err := net.ResolveTCPAddr("tcp", s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestServeRefusesContradictoryOriginFlags(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--unsafe-single-origin", "--content-addr", "127.0.0.1:0"},
		{"--content-origin", "ftp://x"},
		{"--content-origin", "http://localhost:8081/path"},
	} {
		r := vellum(t, nil, append([]string{"serve", "--archive", dir, "--addr", "127.0.0.1:0"}, args...)...)
		if r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "--") {
			t.Errorf("serve %v: exit %d, %q", args, r.code, r.stderr)
		}
	}
}

// The UI reached under its other loopback name (localhost for 127.0.0.1, as
// Docker suggests) sends the browser to its own origin, the only one archived
// content lets frame it; --ui-origin names that origin for a proxy or a LAN
// name, and then nothing is redirected.
func TestUIOriginIsTheOneThatFramesContent(t *testing.T) {
	site := testsite.New(t)
	archive := filepath.Join(t.TempDir(), "archive")
	page := site.URL("/about.html")
	if r := vellum(t, nil, "capture", "--archive", archive, "--delay", "0", "--no-progress", page); r.code != 0 {
		t.Fatalf("capture: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) *http.Response {
		t.Helper()
		resp, err := noFollow.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}

	ui, _ := startServe(t, archive)
	other := strings.Replace(ui, "127.0.0.1", "localhost", 1)
	if resp := get(other + "/web/2026/" + page + "?x=1"); resp.StatusCode != http.StatusTemporaryRedirect ||
		resp.Header.Get("Location") != ui+"/web/2026/"+page+"?x=1" {
		t.Errorf("UI at %s: %d to %q, want a redirect to %s", other, resp.StatusCode, resp.Header.Get("Location"), ui)
	}
	if resp := get(ui + "/"); resp.StatusCode != http.StatusOK {
		t.Errorf("UI at its own origin: %d", resp.StatusCode)
	}

	const named = "http://archive.example:8080"
	ui2, content2 := startServe(t, archive, "--ui-origin", named, "--content-origin", "http://content.example:8081")
	if resp := get(strings.Replace(ui2, "127.0.0.1", "localhost", 1) + "/"); resp.StatusCode != http.StatusOK {
		t.Errorf("with --ui-origin, a request under another name is answered, not redirected: %d", resp.StatusCode)
	}
	// Content is reached at its listener (printed beside its origin); its CSP
	// lets only the named UI frame it.
	resp := get(content2 + "/web/2026mp_/" + page) // to the exact memento, at the content origin
	if loc, err := resp.Location(); err == nil {
		resp = get(content2 + loc.RequestURI())
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'self' "+named+";") {
		t.Errorf("content's CSP with --ui-origin %s: %q", named, csp)
	}
	if r := vellum(t, nil, "serve", "--archive", archive, "--ui-origin", "archive.example"); r.code != 2 ||
		!strings.Contains(r.stderr, `--ui-origin "archive.example": want an origin`) {
		t.Errorf("a bad --ui-origin: exit %d\n%s", r.code, r.stderr)
	}
}
