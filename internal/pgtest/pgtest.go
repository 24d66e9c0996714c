package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vellumhq/vellum/internal/testproc"
)

// readyTimeout bounds how long a starting server may take to accept connections.
const readyTimeout = 30 * time.Second

// Server is a running PostgreSQL server on loopback.
type Server struct {
	Addr string // "127.0.0.1:<port>"
	Dir  string // the temporary directory holding data/ and the log

	bin  string
	cred *syscall.Credential // the user the server runs as; nil: ourselves

	mu   sync.Mutex
	cmd  *exec.Cmd     // nil while stopped
	done chan struct{} // closed when cmd has exited
}

var (
	mu      sync.Mutex
	shared  *Server
	started error // the first start's failure, reported to every test after it
)

// Main runs the tests of a binary and then stops the shared server, if a
// test started it: call it from TestMain.
func Main(m *testing.M) int {
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	if shared != nil {
		shared.stop()
		shared = nil
	}
	return code
}

// Shared returns the binary's server, starting it on first use. A missing
// PostgreSQL skips the test (fails it with CI=true); a server that does not
// start fails it.
func Shared(t testing.TB) *Server {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if shared != nil {
		return shared
	}
	if started != nil {
		t.Fatalf("pgtest: %v", started)
	}
	bin := requireBin(t)
	var err error
	// A port picked by the kernel can be taken before the server binds it:
	// try again on fresh ports then.
	for range 3 {
		var s *Server
		if s, err = start(bin); err == nil {
			shared = s
			return s
		}
	}
	started = err
	t.Fatalf("pgtest: %v", err)
	return nil
}

// URL is the connection string of database db on the server, as the
// superuser "postgres".
func (s *Server) URL(db string) string {
	return "postgres://postgres@" + s.Addr + "/" + db + "?sslmode=disable"
}

// Database creates an empty database on the shared server and returns its
// connection string; it is dropped at the end of the test.
func Database(t testing.TB) string {
	t.Helper()
	s := Shared(t)
	name := "t_" + testproc.RandomHex(8)
	if err := s.exec(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		// FORCE ends the connections a failed test left open.
		if err := s.exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database: %v", err)
		}
	})
	return s.URL(name)
}

// exec runs one statement on the maintenance database.
func (s *Server) exec(ctx context.Context, sql string) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// requireBin returns the directory of PostgreSQL's programs. Missing, it
// skips the test, or fails it with CI=true: CI must run every test.
func requireBin(t testing.TB) string {
	t.Helper()
	bin, err := binDir()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pgtest: %v", err)
		}
		t.Skipf("pgtest: %v", err)
	}
	return bin
}

// binDir finds the directory of initdb and postgres: $VELLUM_PG_BIN, else
// the newest /usr/lib/postgresql/<version>/bin that has both.
func binDir() (string, error) {
	if d := os.Getenv("VELLUM_PG_BIN"); d != "" {
		if !hasServer(d) {
			return "", fmt.Errorf("no initdb and postgres in %s ($VELLUM_PG_BIN)", d)
		}
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	for _, d := range dirs {
		if hasServer(d) {
			return d, nil
		}
	}
	return "", errors.New("PostgreSQL not found in /usr/lib/postgresql/*/bin; `make test` installs Debian's postgresql")
}

func hasServer(dir string) bool {
	for _, b := range []string{"initdb", "postgres"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			return false
		}
	}
	return true
}

// version is the major version in /usr/lib/postgresql/<version>/bin.
func version(bin string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(bin)))
	return n
}

// start makes a cluster in a new temporary directory and starts its server.
func start(bin string) (*Server, error) {
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, Addr: freeAddr(), bin: bin}
	if s.Addr == "" {
		os.RemoveAll(dir)
		return nil, errors.New("no free loopback port")
	}
	if s.cred, err = credential(dir); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"), "-U", "postgres", "--auth=trust",
		"-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Pdeathsig: syscall.SIGKILL}
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	if err := s.run(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// run starts the server on the cluster of s.Dir and waits until it is ready.
func (s *Server) run() error {
	logPath := filepath.Join(s.Dir, "postgres.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close() // the child has its own copy
	host, port, _ := net.SplitHostPort(s.Addr)
	// Without fsync a test server is faster and spares the disk the lead's
	// and other helpers' tests share; what it wrote survives a crash of the
	// server (Stop) all the same, as the system's cache does.
	cmd := exec.Command(filepath.Join(s.bin, "postgres"), "-D", filepath.Join(s.Dir, "data"), "-p", port,
		"-c", "listen_addresses="+host, "-c", "unix_socket_directories=",
		"-c", "fsync=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200")
	cmd.Dir = s.Dir
	cmd.Stdout, cmd.Stderr = logf, logf
	// The kernel kills the server when the test binary dies without
	// running its stop (a panic, a -timeout): no server outlives it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	if err := s.waitReady(); err != nil {
		s.kill()
		return fmt.Errorf("PostgreSQL on %s: %w\n%s", s.Addr, err, testproc.Tail(logPath, 20))
	}
	return nil
}

// Start starts a private server for one test, which may stop and restart
// it (an outage in the middle of a test); it is removed at the end of the
// test. Most tests want Database, on the shared server.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := requireBin(t)
	var s *Server
	var err error
	for range 3 {
		if s, err = start(bin); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(s.stop)
	return s
}

// Stop ends the server at once, as a crash would: PostgreSQL's immediate
// shutdown, which ends every connection and leaves the data to be
// recovered on the next start. Calling it on a stopped server does
// nothing.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	s.kill()
}

// Restart starts a stopped server again on the same port and data and
// waits until it accepts connections.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.kill()
	if err := s.run(); err != nil {
		t.Fatalf("pgtest: restart: %v", err)
	}
}

// kill ends the server, if it runs, and waits for it: SIGQUIT, the
// immediate shutdown, in which the postmaster ends its backends and reaps
// them (a SIGKILL would leave them to the system); SIGKILL if it lingers.
func (s *Server) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

// credential is the user the server runs as: nobody when we are root (and
// dir is given to it), else ourselves (nil).
func credential(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL refuses to run as root, and there is no user nobody: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
}

// waitReady connects until the server answers, it exits, or the deadline passes.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(readyTimeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return errors.New("exited while starting")
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, s.URL("postgres"))
		if err == nil {
			conn.Close(ctx)
			cancel()
			return nil
		}
		cancel()
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("not ready after %v: %v", readyTimeout, last)
}

// stop shuts the server down fast (SIGINT: open transactions are rolled
// back), kills it if it lingers, and removes its directory.
func (s *Server) stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd != nil {
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
		}
		s.kill()
	}
	os.RemoveAll(s.Dir)
}

// freeAddr returns a loopback address with a port that was free just now,
// or "" when there is none.
func freeAddr() string {
	addr, _ := testproc.FreeAddr()
	return addr
}
