package capture

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
)

// DiskFull reports whether a run stopped because the archive's disk is full:
// a write that failed for want of space, in the run's own error or in a
// seed's (res may be nil). It returns nil when none did; else an error whose
// message is the one line such a run ends with, wrapping the failed write.
// The errors behind it (the WARC write, the index, the run summary) all say
// the same, so none is repeated. `vellum capture` and the jobs runner both
// end with it.
func DiskFull(archive string, err error, res *Result) error {
	full := func(e error) bool {
		return e != nil && (errors.Is(e, syscall.ENOSPC) || strings.Contains(e.Error(), "no space left") || strings.Contains(e.Error(), "disk is full"))
	}
	if full(err) {
		return &diskFullError{archive, err}
	}
	if res != nil {
		for _, s := range res.Seeds {
			if full(s.Err) {
				return &diskFullError{archive, s.Err}
			}
		}
	}
	return nil
}

// diskFullError is DiskFull's error.
type diskFullError struct {
	archive string
	err     error // the write that failed
}

func (e *diskFullError) Error() string {
	return fmt.Sprintf("the disk of %s is full: the run stopped; the WARC records written are kept: free space, then run `vellum index`", e.archive)
}

func (e *diskFullError) Unwrap() error { return e.err }
