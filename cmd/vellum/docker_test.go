package main

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Docker is not run by the tests (no daemon, no registry offline): this
// reads the Dockerfile for what `docker run -p 8080:8080 vellum serve`
// needs, then starts serve with the environment the image sets.
func TestDockerImageServesOnEveryInterfaceOfItsExposedPort(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	m := regexp.MustCompile(`(?m)^ENV VELLUM_ADDR=(\S+)$`).FindStringSubmatch(df)
	if m == nil {
		t.Fatalf("the Dockerfile sets no VELLUM_ADDR: serve would listen on 127.0.0.1 inside the container")
	}
	host, port, err := net.SplitHostPort(m[1])
	if err != nil || host != "0.0.0.0" {
		t.Errorf("VELLUM_ADDR=%s: want 0.0.0.0:PORT", m[1])
	}
	expose := regexp.MustCompile(`(?m)^EXPOSE (.+)$`).FindStringSubmatch(df)
	contentPort := ""
	if p, err := strconv.Atoi(port); err == nil {
		contentPort = strconv.Itoa(p + 1) // archived content's own origin, the next port
	}
	for _, p := range []string{port, contentPort} {
		if expose == nil || !strings.Contains(" "+expose[1]+" ", " "+p+" ") {
			t.Errorf("EXPOSE %v does not name the port %s that serve listens on", expose, p)
		}
	}
	// The image's variable reaches serve's --addr.
	cmd := exec.Command(vellumBin, "serve", "--archive", t.TempDir(), "--log-level", "warn")
	cmd.Env = append(os.Environ(), "VELLUM_ADDR=0.0.0.0:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	// Both the UI and the content origin answer on an address other than
	// 127.0.0.1: they listen on every interface.
	r := bufio.NewReader(out)
	for i := 0; i < 2; i++ {
		line, _ := r.ReadString('\n')
		m := regexp.MustCompile(`http://(?:127\.0\.0\.1|localhost):(\d+)`).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("serve with VELLUM_ADDR=0.0.0.0:0 says %q", line)
		}
		resp, err := http.Get("http://127.0.0.5:" + m[1] + "/")
		if err != nil {
			t.Errorf("serve with VELLUM_ADDR=0.0.0.0:0 (%q) is not reachable on 127.0.0.5: %v", line, err)
			continue
		}
		resp.Body.Close()
	}
}
