package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vellumhq/vellum/internal/testproc"
)

// readyTimeout bounds how long a starting server may take to answer PING.
const readyTimeout = 20 * time.Second

// databases is how many logical databases a server has: one a test.
const databases = 4096

// Server is a redis-server process on loopback for tests.
type Server struct {
	Addr string // "127.0.0.1:<port>"
	Dir  string // the working directory: the append-only file, the log

	bin   string
	extra []string // more redis-server arguments (a cluster node's)

	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{} // closed when cmd has exited
	nextDB int           // the database URL hands out next
}

// Start starts a private server on a fresh directory and waits until it
// answers; it is stopped at the end of the test.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := start(binary(t), t.TempDir())
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	t.Cleanup(s.shutdown)
	return s
}

var shared struct {
	mu     sync.Mutex
	s      *Server
	main   bool // Main runs the tests: it stops the server at the end
	tmpDir string
}

// Main runs a test binary's tests (call it from TestMain) and stops the
// shared server, if a test started it, once they are done.
func Main(m *testing.M) int {
	shared.mu.Lock()
	shared.main = true
	shared.mu.Unlock()
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.s != nil {
		shared.s.shutdown()
		shared.s = nil
	}
	if shared.tmpDir != "" {
		_ = os.RemoveAll(shared.tmpDir)
	}
	return code
}

// Shared returns the test binary's shared server, starting it on first
// use. Tests must not stop it: each uses its own database (URL) and leaves
// the others alone.
func Shared(t testing.TB) *Server {
	t.Helper()
	bin := binary(t)
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.main {
		t.Fatal("redistest: Shared needs TestMain to call redistest.Main, which stops the server")
	}
	if shared.s != nil {
		return shared.s
	}
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	s, err := start(bin, dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		t.Fatalf("redistest: %v", err)
	}
	shared.s, shared.tmpDir = s, dir
	return s
}

// URL returns a redis:// URL to a database of this server that no other
// caller got, emptied at the end of the test.
func (s *Server) URL(t testing.TB) string {
	t.Helper()
	s.mu.Lock()
	db := s.nextDB
	s.nextDB++
	s.mu.Unlock()
	if db >= databases {
		t.Fatalf("redistest: more than %d databases asked of one server", databases)
	}
	t.Cleanup(func() { _, _ = s.Do("SELECT", strconv.Itoa(db), "FLUSHDB") })
	return fmt.Sprintf("redis://%s/%d", s.Addr, db)
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

// Restart starts a stopped (or running) server again on the same port and
// directory, with the data it had, and waits until it is ready.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop(t)
	if err := s.launch(); err != nil {
		t.Fatalf("redistest: restart: %v", err)
	}
}

// start picks a port and launches a server in dir, with the extra
// arguments. A port picked by the kernel can be taken by someone else
// before Redis binds it; it tries again on fresh ports then.
func start(bin, dir string, extra ...string) (*Server, error) {
	s := &Server{bin: bin, Dir: dir, extra: extra}
	var err error
	for range 3 {
		if s.Addr, err = testproc.FreeAddr(); err != nil {
			return nil, err
		}
		if err = s.launch(); err == nil {
			return s, nil
		}
	}
	return nil, err
}

// launch starts the process and waits until it answers PING.
func (s *Server) launch() error {
	_, port, _ := net.SplitHostPort(s.Addr)
	logPath := filepath.Join(s.Dir, "redis.log")
	// Everything it writes stays in Dir; no config file is read.
	cmd := exec.Command(s.bin,
		"--bind", "127.0.0.1", "--port", port, "--protected-mode", "no",
		"--dir", s.Dir, "--logfile", logPath, "--daemonize", "no",
		"--databases", strconv.Itoa(databases),
		"--save", "", "--appendonly", "yes", "--appendfsync", "always")
	cmd.Args = append(cmd.Args, s.extra...)
	cmd.Dir = s.Dir
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	if err := waitReady(s, done); err != nil {
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("redis-server on %s: %w\n%s", s.Addr, err, testproc.Tail(logPath, 20))
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

// waitReady pings the server until it answers PONG (not LOADING), the
// process exits, or the deadline passes.
func waitReady(s *Server, exited <-chan struct{}) error {
	deadline := time.Now().Add(readyTimeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("exited while starting")
		default:
		}
		reply, err := s.Do("PING")
		if err == nil && reply == "+PONG" {
			return nil
		}
		if err == nil {
			err = errors.New(reply)
		}
		last = err
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("not ready after %v: %v", readyTimeout, last)
}

// Do sends commands to the server on a connection of its own and returns
// the last reply line: enough for the harness (PING, FLUSHDB) without a
// client library.
func (s *Server) Do(cmds ...string) (string, error) {
	conn, err := s.dial()
	if err != nil {
		return "", err
	}
	defer conn.Close()
	// SELECT takes an argument: pair it with the next word.
	var lines []string
	for i := 0; i < len(cmds); i++ {
		args := []string{cmds[i]}
		if strings.EqualFold(cmds[i], "SELECT") && i+1 < len(cmds) {
			i++
			args = append(args, cmds[i])
		}
		lines = append(lines, encode(args))
	}
	if _, err := conn.Write([]byte(strings.Join(lines, ""))); err != nil {
		return "", err
	}
	rd := bufio.NewReader(conn)
	var reply string
	for range lines {
		if reply, err = rd.ReadString('\n'); err != nil {
			return "", err
		}
		reply = strings.TrimRight(reply, "\r\n")
		if strings.HasPrefix(reply, "-") {
			return "", errors.New(reply[1:])
		}
	}
	return reply, nil
}

// Command sends one command with its arguments and returns its reply: a
// status or an integer as its line, a bulk string as its content.
func (s *Server) Command(args ...string) (string, error) {
	conn, err := s.dial()
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(encode(args))); err != nil {
		return "", err
	}
	rd := bufio.NewReader(conn)
	line, err := rd.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	switch {
	case strings.HasPrefix(line, "-"):
		return "", errors.New(line[1:])
	case strings.HasPrefix(line, "$"):
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", err
		}
		body := make([]byte, n+2)
		if _, err := io.ReadFull(rd, body); err != nil {
			return "", err
		}
		return string(body[:n]), nil
	}
	return line, nil
}

// dial opens a connection of its own to the server, for 5 s at most.
func (s *Server) dial() (net.Conn, error) {
	conn, err := net.DialTimeout("tcp", s.Addr, time.Second)
	if err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	return conn, nil
}

// encode writes a command in the protocol's array form.
func encode(args []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

// binary finds redis-server: $VELLUM_REDIS_SERVER, else on PATH. Without
// it the test is skipped, or fails with CI=true (`make test` installs it).
func binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("VELLUM_REDIS_SERVER"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("redis-server not found at %s ($VELLUM_REDIS_SERVER): %v", p, err)
		}
		return p
	}
	p, err := exec.LookPath("redis-server")
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("redis-server is needed (CI=true); `make test` installs Debian's redis-server")
	}
	t.Skip("redis-server not installed; `make test` installs Debian's redis-server")
	return ""
}
