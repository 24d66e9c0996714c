package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vellumhq/vellum/internal/miniotest"
	"github.com/vellumhq/vellum/internal/testsite"
)

// readOnlyDir returns a folder mounted read-only, which even root cannot
// write to, or reports why it cannot make one.
func readOnlyDir(t *testing.T) (string, bool) {
	t.Helper()
	dir := t.TempDir()
	for _, args := range [][]string{{"--bind", dir, dir}, {"-o", "remount,bind,ro", dir}} {
		if out, err := exec.Command("mount", args...).CombinedOutput(); err != nil {
			t.Logf("cannot mount a read-only folder (needs root): %v %s", err, out)
			return "", false
		}
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir, true
}

// TestArchiveMessagesNameThePath: an archive that cannot be written, or that
// is not there, is named with what is wrong with it, never with SQLite's
// words for the index file.
func TestArchiveMessagesNameThePath(t *testing.T) {
	site := testsite.New(t)
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, archive, want string
	}{
		{"under a file", filepath.Join(file, "sub"), "cannot write to " + filepath.Join(file, "sub") + ": not a directory"},
	}
	if ro, ok := readOnlyDir(t); ok {
		cases = append(cases, struct{ name, archive, want string }{"read-only", ro, "cannot write to " + ro + ": read-only file system"})
	} else if os.Getenv("CI") == "true" {
		t.Fatal("CI must be able to mount a read-only folder for this test")
	}
	for _, c := range cases {
		for _, cmd := range [][]string{
			{"capture", "--archive", c.archive, "--delay", "0", site.URL("/about.html")},
			{"run", "--archive", c.archive, "--jobs", jobsFile(t, site.URL("/about.html"))},
		} {
			r := vellum(t, nil, cmd...)
			if r.code == 0 || !strings.Contains(r.stderr, c.want+"\n") || strings.Contains(r.stderr, "database") {
				t.Errorf("%s, %s: exit %d, stderr:\n%s\nwant a line ending %q", c.name, cmd[0], r.code, r.stderr, c.want)
			}
		}
	}
	// index in a folder without an archive.
	empty := t.TempDir()
	cmd := exec.Command(vellumBin, "index")
	cmd.Dir = empty
	out, err := cmd.CombinedOutput()
	if err == nil || strings.TrimSpace(string(out)) != "vellum: no archive at ./archive" {
		t.Errorf("index without an archive: %v\n%s", err, out)
	}
	if r := vellum(t, nil, "index", "--archive", empty); r.code == 0 || lastLine(r.stderr) != "vellum: no archive at "+empty+": no vellum.db or warcs/ in it" {
		t.Errorf("index of an empty folder: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(empty, "vellum.db")); err == nil {
		t.Errorf("index made a vellum.db in a folder that held no archive")
	}
}

// jobsFile writes a jobs file of one job capturing url.
func jobsFile(t *testing.T, url string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "jobs.yaml")
	if err := os.WriteFile(p, []byte("jobs:\n  - name: one\n    seeds: ["+url+"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestServeSaysItCreatedAnEmptyArchive: a mistyped --archive makes serve
// say that it made a new, empty archive.
func TestServeSaysItCreatedAnEmptyArchive(t *testing.T) {
	archive := filepath.Join(t.TempDir(), "typo")
	cmd := exec.Command(vellumBin, "serve", "--archive", archive, "--addr", "127.0.0.1:0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// serve prints its address once it listens, after opening the archive.
	listening := bufio.NewScanner(stdout).Scan()
	cmd.Process.Signal(os.Interrupt)
	go io.Copy(io.Discard, stdout)
	cmd.Wait()
	if !listening {
		t.Fatalf("serve did not start:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "empty") || !strings.Contains(stderr.String(), archive) {
		t.Errorf("serve of a new folder did not say it created an empty archive:\n%s", stderr.String())
	}
}

// TestIndexWithRemoteCreatesTheFolder: `index --remote` into a new folder
// makes it, as serve does, and indexes the remote store.
func TestIndexWithRemoteCreatesTheFolder(t *testing.T) {
	m := miniotest.Start(t)
	archive := filepath.Join(t.TempDir(), "new")
	r := vellum(t, m.Env(), "index", "--archive", archive, "--remote", "s3://vellum-index-new/p")
	if r.code != 0 || !strings.Contains(r.stdout, "remote CDXJ files") {
		t.Errorf("index --remote into a new folder: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(archive, "vellum.db")); err != nil {
		t.Errorf("no index made: %v", err)
	}
}
