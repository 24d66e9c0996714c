//go:build !unix

package warc

import "os"

// lockFile is a no-op where flock is not available.
func lockFile(f *os.File) error { return nil }
