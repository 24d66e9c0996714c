package main

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/vellumhq/vellum/capture"
)

// fullDiskError finds a write that failed for want of space, in the run's
// own error or in a seed's.
func fullDiskError(err error, res *capture.Result) error {
	full := func(e error) bool {
		return e != nil && (errors.Is(e, syscall.ENOSPC) || strings.Contains(e.Error(), "no space left") || strings.Contains(e.Error(), "disk is full"))
	}
	if full(err) {
		return err
	}
	if res != nil {
		for _, s := range res.Seeds {
			if full(s.Err) {
				return s.Err
			}
		}
	}
	return nil
}

// diskFullLine is the one line a run stopped by a full disk ends with. The
// errors behind it (the WARC write, the index, the run summary) all say the
// same, so none is repeated.
func diskFullLine(archive string) string {
	return fmt.Sprintf("the disk of %s is full: the run stopped; the WARC records written are kept: free space, then run `vellum index`", archive)
}
