package warc

import (
	"bytes"
	"compress/gzip"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "regenerate the golden files in testdata/")

// TestGolden writes a deterministic file (injected clock and record IDs) and
// compares its content and its CDXJ with testdata/.
func TestGolden(t *testing.T) {
	root := t.TempDir()
	fw, err := NewFileWriter(FileWriterConfig{Root: root, Prefix: "golden", Now: fixedClock(),
		NewID: sequentialIDs(), Warcinfo: warcinfoFields()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(everyType(t)...); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "warcs", "2024", "03", "01")
	compressed, err := os.ReadFile(filepath.Join(dir, "golden-00000.warc.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(compressed))
	if err != nil {
		t.Fatal(err)
	}
	content, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	cdxj, err := os.ReadFile(filepath.Join(dir, "golden-00000.cdxj"))
	if err != nil {
		t.Fatal(err)
	}
	compare(t, "testdata/golden.warc", content)
	compare(t, "testdata/golden.cdxj", cdxj)
}

func compare(t *testing.T, golden string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Errorf("%s differs from byte %d: got %q, want %q (go test -update regenerates it)",
			golden, i, got[i:min(len(got), i+80)], want[i:min(len(want), i+80)])
	}
}
