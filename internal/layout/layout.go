package layout

import (
	"os"
	"path/filepath"
	"time"
)

// The names inside an archive folder. Stored file names (the index's
// Filename, storage keys, CDXJ filename fields) are slash-separated and
// relative to the archive, so they start with WARCDir + "/".
const (
	IndexFile = "vellum.db" // the capture index (SQLite)
	WARCDir   = "warcs"     // WARC files and their CDXJ, in date folders
	RunsDir   = "runs"      // <run-id>.json summaries and <run-id>.lock locks
)

// Index is the path of the archive's index file.
func Index(archive string) string { return filepath.Join(archive, IndexFile) }

// WARCs is the path of the folder that holds the archive's WARC files.
func WARCs(archive string) string { return filepath.Join(archive, WARCDir) }

// Runs is the path of the folder of the archive's run summaries and locks.
func Runs(archive string) string { return filepath.Join(archive, RunsDir) }

// Day is the folder, relative to the archive and slash-separated, of the
// WARC files created on t's day in UTC: "warcs/2024/03/01". A FileWriter
// takes it as its Dir.
func Day(t time.Time) string { return WARCDir + "/" + t.UTC().Format("2006/01/02") }

// WARCGlob is the filepath.Glob pattern of the files named name (itself a
// pattern, "<run-id>-*.warc.gz") in every date folder of the archive.
func WARCGlob(archive, name string) string {
	return filepath.Join(archive, WARCDir, "*", "*", "*", name)
}

// ImportedDir is the folder under WARCDir of the files `vellum import` adds.
const ImportedDir = "imported"

// Imported is the folder, relative to the archive and slash-separated, of
// an imported file whose SHA-256 (hex) is sum: "warcs/imported/<16 hex>".
// The name comes from the content, so the same file imported twice lands
// in the same place, and files of the same name from different sources do
// not collide.
func Imported(sum string) string { return WARCDir + "/" + ImportedDir + "/" + sum[:16] }

// RunBegunIn reports whether the run began in this archive: its lock (left
// by a crash) or its summary is under RunsDir, or a WARC file of it is
// there. Where an index is shared by machines, it tells a machine's own
// runs from the others'.
func RunBegunIn(archive, id string) bool {
	for _, name := range []string{id + ".lock", id + ".json"} {
		if _, err := os.Stat(filepath.Join(Runs(archive), name)); err == nil {
			return true
		}
	}
	m, _ := filepath.Glob(WARCGlob(archive, id+"-*"))
	return len(m) > 0
}
