package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
	if expose == nil || !strings.Contains(" "+expose[1]+" ", " "+port+" ") {
		t.Errorf("EXPOSE %v does not name the serve port %s", expose, port)
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
	line, _ := bufio.NewReader(out).ReadString('\n')
	if !regexp.MustCompile(`at http://(0\.0\.0\.0|\[::\]):\d+/`).MatchString(line) {
		t.Errorf("serve with VELLUM_ADDR=0.0.0.0:0 says %q", line)
	}
}
