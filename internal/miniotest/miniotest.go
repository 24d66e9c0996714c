package miniotest

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vellumhq/vellum/internal/testproc"
)

// Version is the MinIO server release the tests run against.
const Version = "v0.0.0-20260212201848-7aac2a2c5b7c"

// readyTimeout bounds how long a starting server may take to answer.
const readyTimeout = 20 * time.Second

// Server is a MinIO server process on loopback for tests.
type Server struct {
	Endpoint  string // "http://127.0.0.1:<port>"
	AccessKey string // the root user
	SecretKey string // the root password
	Dir       string // the data directory

	bin, addr, consoleAddr, logPath string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// Start starts a MinIO server with random root credentials on a fresh data
// directory and waits until it serves requests; it is stopped at the end of
// the test. A missing MinIO binary fails the test: it is never skipped.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := binary(t)
	s := &Server{
		bin:       bin,
		AccessKey: "vellum-" + testproc.RandomHex(6),
		SecretKey: testproc.RandomHex(20),
		Dir:       t.TempDir(),
		logPath:   filepath.Join(t.TempDir(), "minio.log"),
	}
	// A port picked by the kernel can be taken by someone else before MinIO
	// binds it; try again on fresh ports then.
	var err error
	for range 3 {
		s.addr, s.consoleAddr = freeAddr(t), freeAddr(t)
		s.Endpoint = "http://" + s.addr
		if err = s.start(); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("miniotest: %v", err)
	}
	t.Cleanup(s.shutdown)
	return s
}

// Stop kills the server at once, as a crash or an outage would. Calling it
// on a stopped server does nothing.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Restart starts a stopped server again on the same port and data
// directory and waits until it is ready.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop(t)
	if err := s.start(); err != nil {
		t.Fatalf("miniotest: restart: %v", err)
	}
}

// Env is the environment that points a subprocess (or s3.ConfigFromEnv)
// at this server.
func (s *Server) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + s.Endpoint,
		"AWS_ACCESS_KEY_ID=" + s.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + s.SecretKey,
		"AWS_REGION=us-east-1",
	}
}

// start launches the process and waits until it is ready.
func (s *Server) start() error {
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close() // the child has its own copy
	cmd := exec.Command(s.bin, "server", s.Dir, "--address", s.addr, "--console-address", s.consoleAddr, "--quiet")
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Dir(s.logPath), // MinIO creates ~/.minio/certs
		"MINIO_ROOT_USER=" + s.AccessKey,
		"MINIO_ROOT_PASSWORD=" + s.SecretKey,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	if err := waitReady(s.Endpoint, done); err != nil {
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("MinIO on %s: %w\n%s", s.addr, err, testproc.Tail(s.logPath, 20))
	}
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	return nil
}

// shutdown stops the server gracefully, killing it if it lingers.
func (s *Server) shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

// waitReady polls the liveness endpoint until the server answers 200 with
// its object layer initialised, the process exits, or the deadline passes.
func waitReady(endpoint string, exited <-chan struct{}) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("exited while starting")
		default:
		}
		resp, err := client.Get(endpoint + "/minio/health/live")
		if err == nil {
			resp.Body.Close()
			// MinIO answers 200 before its storage is ready but says so
			// in this header.
			if resp.StatusCode == http.StatusOK && resp.Header.Get("x-minio-server-status") != "offline" {
				return nil
			}
			err = fmt.Errorf("health check: %s", resp.Status)
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("not ready after %v: %v", readyTimeout, last)
}

// binary finds the MinIO executable: $VELLUM_MINIO, else .bin/minio in the
// module root above the working directory.
func binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("VELLUM_MINIO"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("MinIO not found at %s ($VELLUM_MINIO): %v", p, err)
		}
		return p
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatalf("miniotest: %v", err)
	}
	p := filepath.Join(root, ".bin", "minio")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("MinIO not found at %s; `make test` builds it (GOBIN=%s go install github.com/minio/minio@%s)",
			p, filepath.Dir(p), Version)
	}
	return p
}

// moduleRoot walks up from the working directory to the directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory; set VELLUM_MINIO")
		}
		dir = parent
	}
}

// freeAddr returns a loopback address with a port that was free just now.
func freeAddr(t testing.TB) string {
	t.Helper()
	addr, err := testproc.FreeAddr()
	if err != nil {
		t.Fatalf("miniotest: %v", err)
	}
	return addr
}
