package main

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vellumhq/vellum/internal/miniotest"
	"github.com/vellumhq/vellum/internal/testsite"
	"github.com/vellumhq/vellum/storage/s3"
)

// remoteStore connects to the test MinIO the way the commands do.
func remoteStore(t *testing.T, m *miniotest.Server, remote string) *s3.Store {
	t.Helper()
	env := map[string]string{}
	for _, kv := range m.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	cfg, err := s3.ConfigFromEnv(remote, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	st, err := s3.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// localFiles lists an archive's WARC and CDXJ files by key.
func localFiles(t *testing.T, archive string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	filepath.Walk(filepath.Join(archive, "warcs"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && (strings.HasSuffix(p, ".warc.gz") || strings.HasSuffix(p, ".cdxj")) {
			rel, _ := filepath.Rel(archive, p)
			b, _ := os.ReadFile(p)
			out[filepath.ToSlash(rel)] = b
		}
		return nil
	})
	return out
}

// checkRemoteHas asserts that every file is in the store under prefix, byte for byte.
func checkRemoteHas(t *testing.T, st *s3.Store, files map[string][]byte) {
	t.Helper()
	if len(files) == 0 {
		t.Fatal("no local files to compare")
	}
	for key, want := range files {
		rc, err := st.Open(context.Background(), key, 0, -1)
		if err != nil {
			t.Errorf("%s not in the store: %v", key, err)
			continue
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the stored object (%d bytes) differs from the local file (%d bytes)", key, len(got), len(want))
		}
	}
}

func TestCaptureToS3ThenReplayFromS3Alone(t *testing.T) {
	m := miniotest.Start(t)
	site := testsite.New(t)
	archive := filepath.Join(t.TempDir(), "archive")
	const remote = "s3://vellum-test/news"
	r := vellum(t, m.Env(), "capture", "--archive", archive, "--delay", "0", "--remote", remote, site.ArticleURL())
	if r.code != 0 {
		t.Fatalf("capture --remote: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	checkRemoteHas(t, remoteStore(t, m, remote), localFiles(t, archive))

	// A fresh node with an empty archive replays the article from the bucket.
	site.Main.Close()
	site.CDN.Close()
	empty := filepath.Join(t.TempDir(), "empty")
	ui, content := startServeEnv(t, m.Env(), empty, "--remote", remote, "--sync-interval", "200ms")
	resp, err := http.Get(content + "/web/2099/" + site.ArticleURL())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Borderland river floods") {
		t.Fatalf("replay from S3: %d\n%.300s", resp.StatusCode, page)
	}
	if img, err := http.Get(ui + "/web/2099im_/" + site.URL("/img/lead-400.jpg")); err != nil || img.StatusCode != 200 {
		t.Errorf("image from S3: %v %v", err, img)
	}
	if files := localFiles(t, empty); len(files) != 0 {
		t.Errorf("the replay node downloaded files: %v", files)
	}

	// Another machine uploads a new capture; the running node picks it up.
	site2 := testsite.New(t)
	other := filepath.Join(t.TempDir(), "other")
	if r := vellum(t, m.Env(), "capture", "--archive", other, "--delay", "0", "--remote", remote, site2.URL("/about.html")); r.code != 0 {
		t.Fatalf("second capture: %s", r.stderr)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(ui + "/web/2099/" + site2.URL("/about.html"))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("a capture uploaded by another machine was not picked up within 15 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestStoreDownDuringCaptureLosesNothing(t *testing.T) {
	m := miniotest.Start(t)
	m.Stop(t)
	site := testsite.New(t)
	archive := filepath.Join(t.TempDir(), "archive")
	const remote = "s3://vellum-outage/p"
	r := vellum(t, m.Env(), "capture", "--archive", archive, "--delay", "0", "--remote", remote, site.ArticleURL())
	if r.code == 0 || !strings.Contains(lastLine(r.stderr), "pending upload to "+remote) || !strings.Contains(lastLine(r.stderr), "vellum upload") {
		t.Fatalf("capture with the store down: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "ok ") {
		t.Errorf("the capture itself should succeed: %s", r.stdout)
	}
	if v := vellum(t, nil, "verify", archive); v.code != 0 {
		t.Errorf("local WARCs do not verify: %s", v.stdout)
	}
	files := localFiles(t, archive)
	m.Restart(t)
	up := vellum(t, m.Env(), "upload", "--archive", archive, "--remote", remote)
	if up.code != 0 || !strings.Contains(up.stdout, "0 pending") {
		t.Fatalf("vellum upload after the store came back: exit %d\n%s%s", up.code, up.stdout, up.stderr)
	}
	checkRemoteHas(t, remoteStore(t, m, remote), files)
}

func TestStoreKilledMidUploadOfALargeFile(t *testing.T) {
	m := miniotest.Start(t)
	archive := filepath.Join(t.TempDir(), "archive")
	key := "warcs/2026/01/01/big-00000.warc.gz"
	big := make([]byte, 256<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < len(big); i += 8 {
		v := rng.Uint64()
		for j := 0; j < 8; j++ {
			big[i+j] = byte(v >> (8 * j))
		}
	}
	p := filepath.Join(archive, filepath.FromSlash(key))
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, big, 0o644); err != nil {
		t.Fatal(err)
	}
	const remote = "s3://vellum-midupload/x"
	cmd := exec.Command(vellumBin, "upload", "--archive", archive, "--remote", remote, "--attempts", "1")
	cmd.Env = append(os.Environ(), m.Env()...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	m.Stop(t)
	err := cmd.Wait()
	if err == nil {
		t.Fatalf("upload survived the store being killed mid-upload (too fast?):\n%s", out.String())
	}
	m.Restart(t)
	st := remoteStore(t, m, remote)
	if _, err := st.Stat(context.Background(), key); err == nil {
		t.Fatalf("an interrupted upload left an object that looks complete")
	}
	up := vellum(t, m.Env(), "upload", "--archive", archive, "--remote", remote)
	if up.code != 0 {
		t.Fatalf("upload after restart: %s%s", up.stdout, up.stderr)
	}
	checkRemoteHas(t, st, map[string][]byte{key: big})
}

func TestRemoteBadInput(t *testing.T) {
	m := miniotest.Start(t)
	site := testsite.New(t)
	archive := filepath.Join(t.TempDir(), "archive")
	wrong := append(m.Env(), "AWS_SECRET_ACCESS_KEY=not-the-secret-0123456789")
	r := vellum(t, wrong, "capture", "--archive", archive, "--delay", "0", "--remote", "s3://vellum-creds/p", site.URL("/about.html"))
	msg := lastLine(r.stderr)
	if r.code == 0 || !strings.Contains(msg, "s3://vellum-creds/p") || !strings.Contains(msg, "127.0.0.1") || strings.Contains(r.stderr, "not-the-secret") {
		t.Errorf("wrong credentials: exit %d, %q", r.code, msg)
	}
	if len(localFiles(t, archive)) == 0 {
		t.Errorf("the WARCs of a capture whose upload failed are gone")
	}
	for _, bad := range []string{"s3:/x", "gs://bucket/p", "s3://"} {
		r := vellum(t, m.Env(), "upload", "--archive", archive, "--remote", bad)
		if r.code != 2 || !strings.HasPrefix(lastLine(r.stderr), "vellum: --remote: ") {
			t.Errorf("--remote %q: exit %d, %q", bad, r.code, r.stderr)
		}
	}
	closed := append(m.Env(), "AWS_ENDPOINT_URL=http://127.0.0.1:"+closedPort(t))
	r = vellum(t, closed, "upload", "--archive", archive, "--remote", "s3://vellum-creds/p", "--attempts", "1")
	if r.code == 0 || !strings.Contains(lastLine(r.stderr), "s3://vellum-creds/p") {
		t.Errorf("unknown endpoint: exit %d, %q", r.code, r.stderr)
	}
}

// TestPendingUploadsAreRetriedByTheNextCaptureAndByServe: files left
// pending while the store was down go up with the next capture, and a
// running serve sends them by itself once the store is back.
func TestPendingUploadsAreRetriedByTheNextCaptureAndByServe(t *testing.T) {
	m := miniotest.Start(t)
	m.Stop(t)
	site := testsite.New(t)
	const remote = "s3://vellum-retry/p"
	a := filepath.Join(t.TempDir(), "a")
	if r := vellum(t, m.Env(), "capture", "--archive", a, "--delay", "0", "--remote", remote, site.URL("/about.html")); r.code != 1 {
		t.Fatalf("capture with the store down: exit %d %s", r.code, r.stderr)
	}
	first := localFiles(t, a)
	m.Restart(t)
	if r := vellum(t, m.Env(), "capture", "--archive", a, "--delay", "0", "--remote", remote, site.URL("/2014/08/other.html")); r.code != 0 {
		t.Fatalf("next capture: exit %d %s", r.code, r.stderr)
	}
	checkRemoteHas(t, remoteStore(t, m, remote), localFiles(t, a)) // the first capture's files too
	if len(localFiles(t, a)) <= len(first) {
		t.Fatalf("the second capture wrote no file")
	}

	// serve, started while the store is down, uploads once it is back.
	m.Stop(t)
	b := filepath.Join(t.TempDir(), "b")
	if r := vellum(t, m.Env(), "capture", "--archive", b, "--delay", "0", "--remote", "s3://vellum-serve/p", site.URL("/")); r.code != 1 {
		t.Fatalf("capture with the store down: exit %d %s", r.code, r.stderr)
	}
	startServeEnv(t, m.Env(), b, "--remote", "s3://vellum-serve/p", "--sync-interval", "200ms")
	m.Restart(t)
	st := remoteStore(t, m, "s3://vellum-serve/p")
	files := localFiles(t, b)
	deadline := time.Now().Add(20 * time.Second)
	for key := range files {
		for {
			if _, err := st.Stat(context.Background(), key); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("serve did not upload %s within 20 s of the store coming back", key)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	checkRemoteHas(t, st, files)
}

// TestKeepLocalFalseRemovesOnlyVerifiedFiles: local copies go once the
// store holds them, and the archive still replays (from the store).
func TestKeepLocalFalseRemovesOnlyVerifiedFiles(t *testing.T) {
	m := miniotest.Start(t)
	site := testsite.New(t)
	const remote = "s3://vellum-nolocal/p"
	a := filepath.Join(t.TempDir(), "a")
	r := vellum(t, m.Env(), "capture", "--archive", a, "--delay", "0", "--remote", remote, "--keep-local=false", site.ArticleURL())
	if r.code != 0 {
		t.Fatalf("capture: %s", r.stderr)
	}
	if files := localFiles(t, a); len(files) != 0 {
		t.Errorf("--keep-local=false kept %d files", len(files))
	}
	site.Main.Close()
	site.CDN.Close()
	_, content := startServeEnv(t, m.Env(), a, "--remote", remote)
	if body := getBody(t, content+"/web/2099/"+site.ArticleURL()); !strings.Contains(body, "Borderland river floods") {
		t.Errorf("an archive whose files live only in the store does not replay")
	}
}

// TestRunUploadsToTheJobsRemote runs a job whose jobs-file entry names a
// remote: its WARCs (a second run's revisits too) land in the bucket, and a
// fresh node replays the revisited article from the bucket alone.
func TestRunUploadsToTheJobsRemote(t *testing.T) {
	m := miniotest.Start(t)
	site := testsite.New(t)
	archive := filepath.Join(t.TempDir(), "archive")
	const remote = "s3://vellum-test/jobs"
	jobs := writeJobs(t, "jobs:\n  - name: gazette\n    seeds: ["+site.ArticleURL()+"]\n    delay: 0s\n    remote: "+remote+"\n")
	for i := range 2 {
		if r := vellum(t, m.Env(), "run", "--jobs", jobs, "--archive", archive, "--no-progress"); r.code != 0 {
			t.Fatalf("run %d: exit %d\n%s%s", i+1, r.code, r.stdout, r.stderr)
		}
	}
	checkRemoteHas(t, remoteStore(t, m, remote), localFiles(t, archive))

	site.Main.Close()
	site.CDN.Close()
	ui, _ := startServeEnv(t, m.Env(), filepath.Join(t.TempDir(), "empty"), "--remote", remote)
	photo := getBody(t, ui+"/web/2099id_/"+site.CDN.URL+"/cdn/photo.jpg")
	if len(photo) < 100 || !strings.HasPrefix(photo, "\xff\xd8") {
		t.Errorf("the photo's latest capture (a revisit) replays %d bytes from S3, not the JPEG", len(photo))
	}
}
