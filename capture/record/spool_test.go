package record

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestABigMessageIsSpooledToAnUnlinkedFile(t *testing.T) {
	dir := t.TempDir()
	s := newSpool(dir)
	defer s.Close()
	want := bytes.Repeat([]byte("0123456789abcdef"), (spoolMemory+spoolMemory/2)/16)
	for p := want; len(p) > 0; p = p[min(len(p), 64<<10):] {
		s.Write(p[:min(len(p), 64<<10)])
	}
	if s.Err() != nil || s.Size() != int64(len(want)) || s.Bytes() != nil {
		t.Fatalf("err %v, size %d, in memory %v; want %d bytes in a file", s.Err(), s.Size(), s.Bytes() != nil, len(want))
	}
	got, err := io.ReadAll(io.NewSectionReader(s, 0, s.Size()+10))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read back %d bytes (%v), want the %d written", len(got), err, len(want))
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("%d files left in the spool directory: a crash would leave them behind", len(left))
	}
	s.Reset()
	s.Write([]byte("small"))
	if s.Size() != 5 || string(s.Bytes()) != "small" {
		t.Errorf("after Reset: size %d, in memory %q", s.Size(), s.Bytes())
	}
}

func TestASpoolThatCannotSpillReportsIt(t *testing.T) {
	s := newSpool(filepath.Join(t.TempDir(), "missing"))
	defer s.Close()
	if n, err := s.Write(make([]byte, spoolMemory+1)); n != spoolMemory+1 || err != nil {
		t.Errorf("Write = %d, %v; want the bytes taken, the failure kept for Err", n, err)
	}
	if s.Err() == nil {
		t.Error("no error for a spool file that could not be created")
	}
}
