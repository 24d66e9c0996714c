package warc

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// setVar sets a package variable for the duration of a test.
func setVar[T any](t *testing.T, v *T, value T) {
	old := *v
	*v = value
	t.Cleanup(func() { *v = old })
}

func TestSortLines(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	line := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "abcz ,)/{}\"0189"[rng.IntN(15)]
		}
		return string(b)
	}
	var many []string
	for range 3000 {
		many = append(many, line(1+rng.IntN(300)))
	}
	many = append(many, many[:100]...) // duplicates
	long := []string{line(200 << 10), "b", line(70 << 10), "a", line(5 << 10)}
	for _, tt := range []struct {
		name  string
		mem   int
		lines []string
	}{
		{"empty", 1 << 10, nil},
		{"one line", 1 << 10, []string{"x"}},
		{"in memory", 16 << 20, many},
		{"merge of many runs", 4 << 10, many},
		{"merge of two runs", len(strings.Join(many, "\n"))/2 + 1, many},
		{"lines longer than a run and a read buffer", 1 << 10, long},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setVar(t, &cdxjSortMem, tt.mem)
			f, err := os.Create(filepath.Join(t.TempDir(), "spool"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			in := joinLines(tt.lines)
			if _, err := f.WriteString(in); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := sortLines(f, int64(len(in)), &out); err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(tt.lines)
			slices.Sort(want)
			if w := joinLines(want); out.String() != w {
				t.Errorf("sorted %d lines wrong: got %d bytes, want %d", len(tt.lines), out.Len(), len(w))
			}
		})
	}
}

func joinLines(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

func TestSortLinesShortSpool(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "spool"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, _ = f.WriteString("b\na\nno newline")
	for _, size := range []int64{14, 20} { // a line without newline; fewer bytes than said
		if err := sortLines(f, size, new(bytes.Buffer)); err == nil {
			t.Errorf("size %d: no error", size)
		}
	}
}

// writeShuffled writes n resource records whose URLs come in random order and
// returns the CDXJ lines of their entries, sorted in memory.
func writeShuffled(t *testing.T, fw *FileWriter, rng *rand.Rand, n int) []string {
	t.Helper()
	var lines []string
	for i := range n {
		uri := fmt.Sprintf("https://host%d.example.com/page/%d?q=%d", rng.IntN(50), rng.IntN(1000), i)
		es, err := fw.Write(bytesRecord(TypeResource, uri, "text/plain", []byte(uri)))
		if err != nil {
			t.Fatal(err)
		}
		line, err := es[0].CDXJ()
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
	slices.Sort(lines)
	return lines
}

// TestFileWriterExternalCDXJ forces the sort of sorted runs and their merge.
func TestFileWriterExternalCDXJ(t *testing.T) {
	setVar(t, &cdxjSortMem, 2<<10)
	root := t.TempDir()
	var closed ClosedFile
	fw, err := NewFileWriter(FileWriterConfig{Root: root, Dir: dated, Prefix: "ext", OnClose: func(c ClosedFile) { closed = c }})
	if err != nil {
		t.Fatal(err)
	}
	want := writeShuffled(t, fw, rand.New(rand.NewPCG(5, 6)), 1000)
	spool := strings.TrimSuffix(fw.cur.openPath, ".warc.gz.open") + ".cdxj.open"
	if st, err := os.Stat(spool); err != nil || st.Size() < int64(40*cdxjSortMem) {
		t.Fatalf("spool: %v, %v", st, err) // 1000 lines of some 200 bytes: many runs
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	got := readLines(t, strings.TrimSuffix(closed.Path, ".warc.gz")+".cdxj")
	if !slices.Equal(got, want) {
		t.Errorf("CDXJ of %d lines differs from the in-memory sort of %d", len(got), len(want))
	}
	if left := findFiles(t, root, ".open"); len(left) > 0 {
		t.Errorf("left %v", left)
	}
}

// TestFileWriterMemory checks that an open file's index does not stay in
// memory: the live heap after 4N records is that after N, and closing a file
// of 4N records allocates about what closing one of N does.
func TestFileWriterMemory(t *testing.T) {
	setVar(t, &cdxjSortMem, 64<<10)
	const n = 500
	rng := rand.New(rand.NewPCG(7, 8))
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.GC() // and what sync.Pools held
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	closeAlloc := func(fw *FileWriter) uint64 {
		var a, b runtime.MemStats
		runtime.ReadMemStats(&a)
		if err := fw.Close(); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&b)
		return b.TotalAlloc - a.TotalAlloc
	}
	var heaps [2]uint64
	var closes [2]uint64
	for i, records := range []int{n, 4 * n} {
		fw, err := NewFileWriter(FileWriterConfig{Root: t.TempDir(), Dir: dated, Prefix: "mem"})
		if err != nil {
			t.Fatal(err)
		}
		writeShuffled(t, fw, rng, 1) // the file and its buffers exist
		before := heap()
		writeShuffled(t, fw, rng, records-1)
		if after := heap(); after > before {
			heaps[i] = after - before
		}
		closes[i] = closeAlloc(fw)
	}
	t.Logf("live heap grew %d B over %d records, %d B over %d; Close allocated %d B and %d B",
		heaps[0], n, heaps[1], 4*n, closes[0], closes[1])
	// Kept in memory, the lines would take some 200 B each: 100 KB and 400 KB.
	// What stays is the entries queued for indexing (maxQueuedEntries).
	if heaps[1] > 128<<10 {
		t.Errorf("live heap grew by %d B over %d records", heaps[1], 4*n)
	}
	if closes[1] > 2*closes[0]+256<<10 {
		t.Errorf("Close allocated %d B for %d records, %d B for %d", closes[1], 4*n, closes[0], n)
	}
}
