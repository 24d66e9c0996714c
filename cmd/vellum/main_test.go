package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// vellumBin is the binary under test, built once by TestMain.
var vellumBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vellum-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	vellumBin = filepath.Join(dir, "vellum")
	build := exec.Command("go", "build", "-o", vellumBin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building vellum:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is a finished command.
type result struct {
	code           int
	stdout, stderr string
}

// vellum runs the binary with args (and extra environment) and waits.
func vellum(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(vellumBin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("vellum %v: %v", args, err)
	}
	return r
}

// requireTool finds an external program the tests need. `make test`
// installs them; a missing one is a failure, never a skip.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	t.Fatalf("%s is not installed; `make test` installs it (apt-get/npm)", name)
	return ""
}

// repoRoot is the module root, for tools installed there (node_modules).
func repoRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// independentVerify runs Internet Archive's gowarc `warc verify` (a go tool
// of this module) on a file and reports whether it found the file valid. It
// exits 0 even for bad files, so its valid= field is parsed.
func independentVerify(t *testing.T, path string) (valid bool, output string) {
	t.Helper()
	cmd := exec.Command("go", "tool", "warc", "verify", path)
	cmd.Dir = repoRoot(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go tool warc verify %s: %v\n%s", path, err, out)
	}
	s := string(out)
	if !strings.Contains(s, "valid=") {
		t.Fatalf("go tool warc verify printed no verdict:\n%s", s)
	}
	return strings.Contains(s, "valid=true") && strings.Contains(s, "errors=0"), s
}

// warcioCDXJ indexes a file with the npm warcio reader (independent of ours).
func warcioCDXJ(t *testing.T, path string) []string {
	t.Helper()
	bin := filepath.Join(repoRoot(t), "node_modules", ".bin", "warcio")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("warcio is not installed (%v); `make test` runs npm ci", err)
	}
	out, err := exec.Command(bin, "cdx-index", path).Output()
	if err != nil {
		t.Fatalf("warcio cdx-index %s: %v", path, err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	return port
}

// getBody fetches a URL and returns its body ("" on any error).
func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
