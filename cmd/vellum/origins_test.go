package main

import (
	"net"
	"strings"
	"testing"
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
