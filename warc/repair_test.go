package warc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestRepair(t *testing.T) {
	live := t.TempDir()
	fw, err := NewFileWriter(FileWriterConfig{Root: live, Dir: dated, Prefix: "crash", Now: fixedClock(), Warcinfo: warcinfoFields()})
	if err != nil {
		t.Fatal(err)
	}
	defer fw.Close()
	var entries []Entry
	for range 3 {
		es, err := fw.Write(everyType(t)...)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, es...)
	}
	opens := findFiles(t, live, ".warc.gz.open")
	if len(opens) != 1 {
		t.Fatalf("want one .open file, got %v", opens)
	}
	flushOpen(fw) // as the writer's timer would within flushAge
	data, err := os.ReadFile(opens[0])
	if err != nil {
		t.Fatal(err)
	}
	whole := len(entries) + 1 // with the warcinfo record
	last := entries[len(entries)-1]
	if last.Offset+last.Length != int64(len(data)) {
		t.Fatalf("entries end at %d, file has %d bytes", last.Offset+last.Length, len(data))
	}

	// A live writer's file is left alone.
	if rs, err := RepairOpenFiles(live, filepath.Join(live, "warcs")); err != nil || len(rs) != 0 {
		t.Errorf("RepairOpenFiles on a live file: %v, %v", rs, err)
	}
	if _, err := Repair(live, opens[0]); !errors.Is(err, ErrLocked) {
		t.Errorf("Repair of a live file: %v, want ErrLocked", err)
	}
	for _, p := range []string{opens[0], strings.TrimSuffix(opens[0], ".warc.gz.open") + ".cdxj.open"} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("live file touched: %v", err)
		}
	}

	var extra bytes.Buffer
	w, _ := NewWriter(&extra, true)
	if _, err := w.Write(everyType(t)[1]); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		content []byte
		kept    int
	}{
		{"closed cleanly but not renamed", data, whole},
		{"half a record appended", cat(data, extra.Bytes()[:extra.Len()/2]), whole},
		{"cut inside the last member", data[:last.Offset+last.Length/2], whole - 1},
		{"cut inside the member header", data[:last.Offset+5], whole - 1},
		{"garbage appended", cat(data, []byte("\x00\x01garbage\r\n\r\nWARC/1.1\r\n")), whole},
		{"byte flipped in the last member", flip(data, last.Offset+last.Length/2), whole - 1},
		{"cut inside warcinfo", data[:40], 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "warcs", "2024", "03", "01")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			open := filepath.Join(dir, "crash-00000.warc.gz.open")
			if err := os.WriteFile(open, tt.content, 0o644); err != nil {
				t.Fatal(err)
			}
			// The crashed writer's unsorted CDXJ, and one whose WARC was renamed.
			for _, name := range []string{"crash-00000.cdxj.open", "crash-00001.cdxj.open"} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte("stale\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			rs, err := RepairOpenFiles(root, filepath.Join(root, "warcs"))
			if err != nil || len(rs) != 1 {
				t.Fatalf("RepairOpenFiles: %+v, %v", rs, err)
			}
			r := rs[0]
			final := filepath.Join(dir, "crash-00000.warc.gz")
			if r.Path != final || r.Filename != "warcs/2024/03/01/crash-00000.warc.gz" || r.KeptRecords != tt.kept {
				t.Errorf("Repaired = %+v, want %d records kept", r, tt.kept)
			}
			if tt.kept == 0 { // nothing whole: no empty WARC file is left behind
				if !r.Removed || r.TrimmedBytes != int64(len(tt.content)) {
					t.Errorf("Repaired = %+v, want the file removed", r)
				}
				if left := findFiles(t, root, ""); len(left) > 0 {
					t.Errorf("files left: %v", left)
				}
				return
			}
			got, err := os.ReadFile(final)
			if err != nil {
				t.Fatal(err)
			}
			if r.TrimmedBytes != int64(len(tt.content)-len(got)) || !bytes.HasPrefix(tt.content, got) {
				t.Errorf("trimmed %d bytes, file went from %d to %d", r.TrimmedBytes, len(tt.content), len(got))
			}
			if left := findFiles(t, root, ".open"); len(left) > 0 {
				t.Errorf(".open files still there: %v", left)
			}
			if st := mustVerify(t, final); st.Records != tt.kept {
				t.Errorf("repaired file has %d records, want %d", st.Records, tt.kept)
			}
			lines := readLines(t, filepath.Join(dir, "crash-00000.cdxj"))
			indexed := 0
			for _, e := range entries[:max(tt.kept-1, 0)] {
				if Indexed(e) {
					indexed++
				}
			}
			if len(lines) != indexed {
				t.Errorf("cdxj has %d lines, want %d", len(lines), indexed)
			}
		})
	}
}

// flushOpen writes the records fw buffers to its open file.
func flushOpen(fw *FileWriter) {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if fw.cur != nil {
		_ = fw.cur.out.sync()
	}
}

func cat(a, b []byte) []byte { return append(append([]byte(nil), a...), b...) }

func flip(p []byte, i int64) []byte {
	q := append([]byte(nil), p...)
	q[i] ^= 0x55
	return q
}

// TestOpenFileLive tells a file a live writer holds from one left behind.
func TestOpenFileLive(t *testing.T) {
	root := t.TempDir()
	fw, err := NewFileWriter(FileWriterConfig{Root: root, Dir: dated, Prefix: "live", Now: fixedClock(), Warcinfo: warcinfoFields()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(everyType(t)...); err != nil {
		t.Fatal(err)
	}
	opens := findFiles(t, root, ".warc.gz.open")
	if len(opens) != 1 {
		t.Fatalf("open files: %v", opens)
	}
	if live, err := OpenFileLive(opens[0]); !live || err != nil {
		t.Errorf("a file being written: live=%v, %v", live, err)
	}
	flushOpen(fw)
	data, _ := os.ReadFile(opens[0])
	fw.Close()
	left := filepath.Join(filepath.Dir(opens[0]), "left-00000.warc.gz.open")
	if err := os.WriteFile(left, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if live, err := OpenFileLive(left); live || err != nil {
		t.Errorf("a file left behind: live=%v, %v", live, err)
	}
}

// TestRepairBesideLiveWriters: repairs run while other writers of the
// process create, fill and close files (serve runs captures side by side,
// and each run repairs first) neither fail nor touch a live file, and every
// writer closes its files.
func TestRepairBesideLiveWriters(t *testing.T) {
	root := t.TempDir()
	done := make(chan error, 4)
	for w := range 4 {
		go func() {
			var err error
			for i := range 30 {
				fw, e := NewFileWriter(FileWriterConfig{Root: root, Dir: dated, Prefix: fmt.Sprintf("w%d-%d", w, i)})
				if e != nil {
					err = e
					break
				}
				_, e = fw.Write(bytesRecord(TypeResource, "https://example.com/x", "text/plain", []byte("x")))
				err = errors.Join(e, fw.Close())
				if err != nil {
					break
				}
			}
			done <- err
		}()
	}
	var repairErrs []error
	finished := 0
	for finished < 4 {
		select {
		case err := <-done:
			finished++
			if err != nil {
				t.Errorf("a writer beside the repairs: %v", err)
			}
		default:
			if rs, err := RepairOpenFiles(root, filepath.Join(root, "warcs")); err != nil || len(rs) > 0 {
				repairErrs = append(repairErrs, fmt.Errorf("repaired %d live files: %v", len(rs), err))
			}
		}
	}
	if len(repairErrs) > 0 {
		t.Errorf("%d repairs went wrong beside live writers; the first: %v", len(repairErrs), repairErrs[0])
	}
	if open := findFiles(t, root, ".open"); len(open) > 0 {
		t.Errorf(".open files left: %v", open)
	}
}

// TestRepairLeavesOut: a repair told to leave a URL's records out (a
// shared run's dead worker, whose claims others fetched again) writes a
// file of the other whole records only, valid, whose CDXJ lines point at
// them in the new file; a cut record at the end is trimmed as always.
func TestRepairLeavesOut(t *testing.T) {
	live := t.TempDir()
	fw, err := NewFileWriter(FileWriterConfig{Root: live, Dir: dated, Prefix: "crash", Now: fixedClock(), Warcinfo: warcinfoFields()})
	if err != nil {
		t.Fatal(err)
	}
	defer fw.Close()
	const story = "https://www.example.com/2024/03/story.html?b=2&a=1" // everyType's request, response, metadata and revisit
	for range 3 {
		if _, err := fw.Write(everyType(t)...); err != nil {
			t.Fatal(err)
		}
	}
	flushOpen(fw)
	data, err := os.ReadFile(findFiles(t, live, ".warc.gz.open")[0])
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	dir := filepath.Join(root, "warcs", "2024", "03", "01")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(dir, "crash-00000.warc.gz.open")
	if err := os.WriteFile(open, cat(data, data[len(data)-100:]), 0o644); err != nil { // and a cut member
		t.Fatal(err)
	}
	var asked []string
	rs, err := RepairOpenFilesWith(root, filepath.Join(root, "warcs"), RepairOptions{Leave: func(name string) (map[string]bool, error) {
		asked = append(asked, name)
		return map[string]bool{story: true}, nil
	}})
	if err != nil || len(rs) != 1 {
		t.Fatalf("RepairOpenFilesWith: %+v, %v", rs, err)
	}
	if want := []string{"warcs/2024/03/01/crash-00000.warc.gz"}; !slices.Equal(asked, want) {
		t.Errorf("Leave asked about %v, want %v", asked, want)
	}
	if r := rs[0]; r.KeptRecords != 1+3*4 || r.Dropped != 3*4 {
		t.Errorf("Repaired = %+v, want 13 records kept (warcinfo and 4 of each 8) and 12 left out", r)
	}
	final := filepath.Join(dir, "crash-00000.warc.gz")
	if st := mustVerify(t, final); st.Records != 13 {
		t.Errorf("repaired file has %d records, want 13", st.Records)
	}
	if left := findFiles(t, root, ".open"); len(left) > 0 {
		t.Errorf(".open files still there: %v", left)
	}
	if left := findFiles(t, root, ".tmp"); len(left) > 0 {
		t.Errorf("temporary files still there: %v", left)
	}
	err = ScanFile(final, "x", func(e Entry) error {
		if e.TargetURI == story {
			t.Errorf("a %s record of the URL left out is still there", e.Type)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(final)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := readLines(t, filepath.Join(dir, "crash-00000.cdxj"))
	if len(lines) == 0 {
		t.Fatal("no CDXJ lines")
	}
	for _, l := range lines {
		c, err := ParseCDXJ(l)
		if err != nil {
			t.Fatal(err)
		}
		off, _ := strconv.ParseInt(c.Fields["offset"], 10, 64)
		n, _ := strconv.ParseInt(c.Fields["length"], 10, 64)
		rec, err := ReadRecordAt(f, off, n)
		if err != nil {
			t.Fatalf("CDXJ line %q: %v", l, err)
		}
		if got := stripAngles(rec.Header.Get("WARC-Target-URI")); got != c.Fields["url"] {
			t.Errorf("CDXJ line for %s points at a record of %s", c.Fields["url"], got)
		}
	}
}
