package main

import "fmt"

// diskFullLine is the one line a run stopped by a full disk ends with. The
// errors behind it (the WARC write, the index, the run summary) all say the
// same, so none is repeated.
func diskFullLine(archive string) string {
	return fmt.Sprintf("the disk of %s is full: the run stopped; the WARC records written are kept: free space, then run `vellum index`", archive)
}
