package miniotest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func live(s *Server) bool {
	resp, err := http.Get(s.Endpoint + "/minio/health/live")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// TestStartStopRestart checks the whole life of a server: ready after
// Start, gone after Stop (twice), back on the same address after Restart.
func TestStartStopRestart(t *testing.T) {
	s := Start(t)
	if !strings.HasPrefix(s.Endpoint, "http://127.0.0.1:") || s.Dir == "" || s.AccessKey == "" || len(s.SecretKey) < 8 {
		t.Fatalf("server: %+v", s)
	}
	if !live(s) {
		t.Fatal("not live after Start")
	}
	s.Stop(t)
	s.Stop(t)
	if live(s) {
		t.Fatal("still live after Stop")
	}
	s.Restart(t)
	if !live(s) {
		t.Fatal("not live after Restart")
	}
	env := strings.Join(s.Env(), "\n")
	for _, want := range []string{"AWS_ENDPOINT_URL=" + s.Endpoint, "AWS_ACCESS_KEY_ID=" + s.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s.SecretKey, "AWS_REGION=us-east-1"} {
		if !strings.Contains(env, want) {
			t.Errorf("Env lacks %s", want)
		}
	}
}

func TestMissingBinaryFails(t *testing.T) {
	t.Setenv("VELLUM_MINIO", "/nonexistent/minio")
	ft := &fatalRecorder{TB: t}
	func() {
		defer func() { _ = recover() }()
		binary(ft)
	}()
	if !strings.Contains(ft.msg, "MinIO not found at /nonexistent/minio") {
		t.Errorf("message: %q", ft.msg)
	}
}

// fatalRecorder captures Fatalf instead of failing the test.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic("fatal")
}

func (f *fatalRecorder) Helper() {}
