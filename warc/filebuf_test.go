package warc

import (
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFlushAge checks that buffered records reach the file within flushAge,
// and not before when the buffer is not full.
func TestFlushAge(t *testing.T) {
	for _, age := range []time.Duration{time.Hour, 20 * time.Millisecond} {
		setVar(t, &flushAge, age)
		fw, err := NewFileWriter(FileWriterConfig{Root: t.TempDir(), Dir: dated, Prefix: "age"})
		if err != nil {
			t.Fatal(err)
		}
		es, err := fw.Write(bytesRecord(TypeResource, "https://example.com/", "text/plain", []byte("hello")))
		if err != nil {
			t.Fatal(err)
		}
		end := es[0].Offset + es[0].Length
		fw.mu.Lock()
		path := fw.cur.openPath
		fw.mu.Unlock()
		size := func() int64 {
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			return st.Size()
		}
		if age == time.Hour {
			if n := size(); n != 0 {
				t.Errorf("%d bytes in the file before the buffer is full or old", n)
			}
		} else {
			for deadline := time.Now().Add(5 * time.Second); size() < end; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("file has %d bytes after 5 s, want %d", size(), end)
				}
			}
		}
		if err := fw.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFileWriterLosesFile covers a write to the file that fails in the
// goroutine: the next Write reports it and leaves the file to Repair, and the
// Write after goes to a new file.
func TestFileWriterLosesFile(t *testing.T) {
	root := t.TempDir()
	fw, err := NewFileWriter(FileWriterConfig{Root: root, Dir: dated, Prefix: "lost"})
	if err != nil {
		t.Fatal(err)
	}
	small := func() *Record { return bytesRecord(TypeResource, "https://example.com/s", "text/plain", []byte("s")) }
	if _, err := fw.Write(small()); err != nil {
		t.Fatal(err)
	}
	fw.mu.Lock()
	_ = fw.cur.f.Close() // the disk goes away
	fw.mu.Unlock()
	big := make([]byte, fileBufferSize+1000) // fills a buffer: the goroutine writes it
	_, _ = rand.Read(big)
	// The record goes into the buffers in one call: its Write succeeds, and the
	// goroutine's write fails after.
	if _, err := fw.Write(bytesRecord(TypeResource, "https://example.com/big", "", big)); err != nil {
		t.Fatal(err)
	}
	fw.mu.Lock()
	if fw.cur != nil {
		_ = fw.cur.out.wait()
	}
	fw.mu.Unlock()
	if _, err := fw.Write(small()); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Write after a failed write to the file: %v", err)
	}
	if _, err := fw.Write(small()); err != nil {
		t.Errorf("Write to the next file: %v", err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	if spools := findFiles(t, root, ".cdxj.open"); len(spools) > 0 {
		t.Errorf("spools left: %v", spools)
	}
	open := findFiles(t, root, ".open")
	if len(open) != 1 || !strings.HasSuffix(open[0], "lost-00000.warc.gz.open") {
		t.Fatalf(".open files: %v", open)
	}
	if rs, err := RepairOpenFiles(root, filepath.Join(root, "warcs")); err != nil || len(rs) != 1 {
		t.Errorf("RepairOpenFiles: %+v, %v", rs, err)
	}
	next := filepath.Join(filepath.Dir(open[0]), "lost-00001.warc.gz")
	if st := mustVerify(t, next); st.Records != 2 {
		t.Errorf("next file has %d records, want warcinfo and one", st.Records)
	}
}

// TestFileWriterCloseFails covers a failure found by Close.
func TestFileWriterCloseFails(t *testing.T) {
	root := t.TempDir()
	fw, err := NewFileWriter(FileWriterConfig{Root: root, Dir: dated, Prefix: "cf"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(bytesRecord(TypeResource, "https://example.com/", "text/plain", []byte("x"))); err != nil {
		t.Fatal(err)
	}
	fw.mu.Lock()
	_ = fw.cur.f.Close()
	fw.mu.Unlock()
	if err := fw.Close(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Close: %v", err)
	}
	if open := findFiles(t, root, ".open"); len(open) != 1 || !strings.HasSuffix(open[0], ".warc.gz.open") {
		t.Errorf(".open files: %v", open)
	}
}
