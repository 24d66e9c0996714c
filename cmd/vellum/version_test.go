package main

import (
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/vellumhq/vellum/capture"
)

// headCommit is the first 12 hex digits of the checked-out commit.
func headCommit(t *testing.T) string {
	t.Helper()
	head, err := exec.Command("git", "-C", repoRoot(t), "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatalf("git rev-parse: %v", err)
	}
	return strings.TrimSpace(string(head))[:12]
}

// `make build` names the commit whether or not the toolchain can stamp it
// (it cannot in a git worktree, or with GOFLAGS=-buildvcs=false).
func TestVersionOfMakeBuildNamesTheReleaseAndTheCommit(t *testing.T) {
	bin := t.TempDir()
	if out, err := exec.Command("make", "-C", repoRoot(t), "build", "BIN="+bin).CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	commit := headCommit(t)
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, err := exec.Command(filepath.Join(bin, "vellum"), args...).Output()
		line := strings.TrimSuffix(string(out), "\n")
		if err != nil || !strings.HasPrefix(line, "vellum "+capture.Version+" commit "+commit) || strings.Contains(line, "\n") {
			t.Errorf("vellum %v: %v, stdout %q; want one line naming %s and commit %s", args, err, out, capture.Version, commit)
		}
	}
}

func TestVersionLineReadsTheBuildInfo(t *testing.T) {
	stamped := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-12-06T00:25:52Z"}, {Key: "vcs.modified", Value: "true"}}}
	for _, c := range []struct {
		bi     *debug.BuildInfo
		linked string
		want   string
	}{
		{stamped, "", "vellum " + capture.Version + " commit 0123456789ab+dirty (2026-12-06T00:25:52Z) go1.26.8"},
		{&debug.BuildInfo{GoVersion: "go1.26.8"}, "fedcba9876543210", "vellum " + capture.Version + " commit fedcba987654 go1.26.8"},
		{&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.1.0"}}, "", "vellum " + capture.Version + " module v0.1.0 go1.26.8"},
		{nil, "", "vellum " + capture.Version + " commit unknown"},
	} {
		if got := versionLine(c.bi, c.linked); got != c.want {
			t.Errorf("versionLine = %q, want %q", got, c.want)
		}
	}
}
