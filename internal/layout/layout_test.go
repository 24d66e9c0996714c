package layout

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The names on disk are a compatibility promise: archives written by
// earlier versions must be found where they are.
func TestPathsOnDisk(t *testing.T) {
	archive := filepath.Join("srv", "archive")
	for _, tc := range []struct{ got, want string }{
		{Index(archive), filepath.Join("srv", "archive", "vellum.db")},
		{WARCs(archive), filepath.Join("srv", "archive", "warcs")},
		{Runs(archive), filepath.Join("srv", "archive", "runs")},
		{WARCGlob(archive, "r1-*.warc.gz"), filepath.Join("srv", "archive", "warcs", "*", "*", "*", "r1-*.warc.gz")},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestDayIsUTC(t *testing.T) {
	east := time.FixedZone("UTC+10", 10*3600)
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC), "warcs/2024/03/01"},
		{time.Date(2024, 3, 1, 5, 0, 0, 0, east), "warcs/2024/02/29"}, // still the 29th in UTC
		{time.Date(999, 12, 31, 23, 59, 59, 0, time.UTC), "warcs/0999/12/31"},
	} {
		if got := Day(tc.at); got != tc.want {
			t.Errorf("Day(%v) = %q, want %q", tc.at, got, tc.want)
		}
	}
}

// A run began in an archive when its lock, its summary or a WARC file of
// it is there; another run's files do not count.
func TestRunBegunIn(t *testing.T) {
	archive := t.TempDir()
	const id = "20240301T100000Z-0a1b"
	if RunBegunIn(archive, id) {
		t.Fatal("a run with no file in an empty archive began there")
	}
	for _, f := range []string{filepath.Join(Runs(archive), "20240301T100000Z-ffff.json"), filepath.Join(WARCs(archive), "2024", "03", "01", "20240301T100000Z-ffff-00001.warc.gz")} {
		os.MkdirAll(filepath.Dir(f), 0o755)
		os.WriteFile(f, nil, 0o644)
	}
	if RunBegunIn(archive, id) {
		t.Error("another run's files count for this one")
	}
	for _, name := range []string{id + ".lock", id + ".json", "warc"} {
		dir := t.TempDir()
		f := filepath.Join(Runs(dir), name)
		if name == "warc" {
			f = filepath.Join(WARCs(dir), "2024", "03", "01", id+"-00002.warc.gz")
		}
		os.MkdirAll(filepath.Dir(f), 0o755)
		os.WriteFile(f, nil, 0o644)
		if !RunBegunIn(dir, id) {
			t.Errorf("with %s in the archive the run did not begin there", name)
		}
	}
}
