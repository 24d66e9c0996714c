package layout

import (
	"os"
	"path/filepath"
)

// HaveLocal reports whether the archive folder holds the file of a stored
// name (slash-separated, relative to the archive): the haveLocal of
// index.SyncRemote, which skips the remote CDXJ of a WARC file that is
// local.
func HaveLocal(archive string) func(name string) bool {
	return func(name string) bool {
		_, err := os.Stat(filepath.Join(archive, filepath.FromSlash(name)))
		return err == nil
	}
}
