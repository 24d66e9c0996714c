package main

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/vellumhq/vellum/internal/pgtest"
	"github.com/vellumhq/vellum/internal/warctest"
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
	code := pgtest.Main(m) // stops the PostgreSQL server the tests started, if any
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is a finished command.
type result struct {
	code           int
	stdout, stderr string
}

// vellum runs the binary with args (and extra environment) and waits. The
// WARC files it writes under --archive are read by gowarc when the test ends
// (verifyWARCsAtEnd).
func vellum(t *testing.T, env []string, args ...string) result {
	t.Helper()
	verifyWARCsAtEnd(t, archiveArg(args))
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

// independentVerify has nlnwa/gowarc v3's validating reader (through
// internal/warctest: block digests, headers, and payload digests of bodies
// not sent chunked) read a file and reports whether it found the file
// valid, with what it found.
func independentVerify(t *testing.T, path string) (valid bool, output string) {
	t.Helper()
	res, err := warctest.Verify(path)
	if err != nil {
		t.Fatalf("gowarc: %v", err)
	}
	return res.Valid() && res.Records > 0, res.String()
}

// cliWARC is the name of a WARC file the CLI writes: <run id>-<serial>.warc.gz
// (<run id>-<worker>-<serial>.warc.gz on a shared frontier).
var cliWARC = regexp.MustCompile(`^\d{8}T\d{6}Z-[0-9a-f]{4}(?:-[A-Za-z0-9.-]+)?-\d{5}\.warc\.gz$`)

var verifiedAtEnd sync.Map // test name and archive → the check is registered

// verifyWARCsAtEnd has independentVerify read, when the test ends, every WARC
// file the CLI wrote under archive (named by cliWARC: files that tests put
// there, as other tools' or damaged ones, are left to their tests), so that
// every file a CLI test makes is checked by a reader that is not ours. Files
// still ".open" are not closed WARCs yet and are left out.
func verifyWARCsAtEnd(t *testing.T, archive string) {
	if archive == "" {
		return
	}
	if _, dup := verifiedAtEnd.LoadOrStore(t.Name()+"\x00"+archive, true); dup {
		return
	}
	t.Cleanup(func() {
		_ = filepath.WalkDir(filepath.Join(archive, "warcs"), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && cliWARC.MatchString(d.Name()) {
				if ok, out := independentVerify(t, p); !ok {
					t.Errorf("nlnwa/gowarc rejects %s, which vellum wrote:\n%s", p, out)
				}
			}
			return nil
		})
	})
}

// archiveArg is the value of --archive in args, or "".
func archiveArg(args []string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--archive="); ok {
			return v
		}
		if a == "--archive" && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
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
