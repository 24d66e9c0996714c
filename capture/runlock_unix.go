//go:build unix

package capture

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/vellumhq/vellum/internal/layout"
)

// runLock is held, as an flock on runs/<id>.lock, by the process that runs a
// run, for as long as it runs. The kernel drops it when that process dies,
// however it dies: a run whose lock is free is not running anywhere (a PID
// could be reused by another process; a lock cannot outlive its holder).
type runLock struct{ f *os.File }

// errRunBusy: another live process holds the run.
var errRunBusy = errors.New("the run is going on in another process")

func lockPath(archive, id string) string { return filepath.Join(layout.Runs(archive), id+".lock") }

// lockRun takes the run's lock, or returns errRunBusy.
func lockRun(archive, id string) (*runLock, error) {
	if err := os.MkdirAll(layout.Runs(archive), 0o755); err != nil {
		return nil, fmt.Errorf("run lock: %w", err)
	}
	f, err := os.OpenFile(lockPath(archive, id), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("run lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errRunBusy
		}
		return nil, fmt.Errorf("run lock: %w", err)
	}
	return &runLock{f: f}, nil
}

// release ends the run's hold: the lock file goes, then the lock.
func (l *runLock) release() {
	if l == nil {
		return
	}
	os.Remove(l.f.Name())
	l.f.Close()
}

// runLive reports whether a live process holds the run.
func runLive(archive, id string) bool {
	f, err := os.Open(lockPath(archive, id))
	if err != nil {
		return false // no lock file: its process ended (or never took it)
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if err == nil {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return false
	}
	return errors.Is(err, syscall.EWOULDBLOCK)
}
