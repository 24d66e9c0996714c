package warc

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRotation(t *testing.T) {
	root := t.TempDir()
	var mu sync.Mutex
	closed := map[string]ClosedFile{}
	fw, err := NewFileWriter(FileWriterConfig{Root: root, Dir: dated, Prefix: "rot", MaxSize: 40 << 10, Now: fixedClock(),
		OnClose: func(c ClosedFile) {
			mu.Lock()
			defer mu.Unlock()
			closed[c.Path] = c
		}})
	if err != nil {
		t.Fatal(err)
	}
	const workers, pairs = 4, 30
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range pairs {
				uri := fmt.Sprintf("https://example.com/w%d/p%d", g, i)
				body := make([]byte, 3000+i*100)
				_, _ = rand.Read(body) // incompressible
				resp := bytesRecord(TypeResponse, uri, "application/http; msgtype=response", httpResponse(200, "image/jpeg", body))
				resp.ID = NewRecordID()
				req := bytesRecord(TypeRequest, uri, "application/http; msgtype=request", httpRequest(uri))
				req.Header.Add("WARC-Concurrent-To", resp.ID)
				if _, err := fw.Write(req, resp); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(bytesRecord(TypeResource, "https://example.com/", "", nil)); err != ErrClosed {
		t.Errorf("Write after Close: %v, want ErrClosed", err)
	}
	if open := findFiles(t, root, ".open"); len(open) > 0 {
		t.Errorf("left .open files: %v", open)
	}
	files := findFiles(t, root, ".warc.gz")
	if len(files) < 5 || len(closed) != len(files) {
		t.Fatalf("%d files, %d OnClose calls", len(files), len(closed))
	}
	slices.Sort(files)
	total := 0
	for i, path := range files {
		name := filepath.Base(path)
		if want := fmt.Sprintf("rot-%05d.warc.gz", i); name != want {
			t.Errorf("file %d is %s, want %s", i, name, want)
		}
		if _, err := os.Stat(strings.TrimSuffix(path, ".warc.gz") + ".cdxj"); err != nil {
			t.Error(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		cf := closed[path]
		if cf.SHA256 != hex.EncodeToString(sum[:]) || cf.Size != int64(len(data)) {
			t.Errorf("%s: OnClose got size %d sha %s; file has %d bytes, sha %x", name, cf.Size, cf.SHA256, len(data), sum)
		}
		st := mustVerify(t, path)
		if st.Records != cf.Records {
			t.Errorf("%s: %d records, OnClose said %d", name, st.Records, cf.Records)
		}
		total += checkPairs(t, path)
	}
	if total != workers*pairs {
		t.Errorf("found %d pairs, wrote %d", total, workers*pairs)
	}
}

// checkPairs checks that every request is followed by its response in the same
// file and that records name the file's warcinfo; it returns the pair count.
func checkPairs(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, _ := NewReader(f)
	var ids, concurrent, types []string
	var info string
	for {
		rec, err := rd.Next()
		if err != nil {
			break
		}
		h := rec.Header
		if h.Get("WARC-Type") == TypeWarcinfo {
			info = h.Get("WARC-Record-ID")
			if h.Get("WARC-Filename") != filepath.Base(path) {
				t.Errorf("%s: WARC-Filename %q", path, h.Get("WARC-Filename"))
			}
		} else if h.Get("WARC-Warcinfo-ID") != info {
			t.Errorf("%s: record names warcinfo %q, file has %q", path, h.Get("WARC-Warcinfo-ID"), info)
		}
		ids = append(ids, h.Get("WARC-Record-ID"))
		concurrent = append(concurrent, h.Get("WARC-Concurrent-To"))
		types = append(types, h.Get("WARC-Type"))
	}
	if len(types) == 0 || types[0] != TypeWarcinfo {
		t.Fatalf("%s: does not start with warcinfo", path)
	}
	pairs := 0
	for i := 1; i < len(types); i += 2 {
		if types[i] != TypeRequest || i+1 >= len(types) || types[i+1] != TypeResponse || concurrent[i] != ids[i+1] {
			t.Errorf("%s: record %d is not a request followed by its response", path, i)
			continue
		}
		pairs++
	}
	return pairs
}

func TestFileWriterBigRecordAndFailure(t *testing.T) {
	root := t.TempDir()
	fw, err := NewFileWriter(FileWriterConfig{Root: root, Dir: dated, Prefix: "big"})
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, smallRecord+12345) // streamed under the lock
	_, _ = rand.Read(big[:1<<20])
	es, err := fw.Write(bytesRecord(TypeResource, "https://example.com/big.bin", "application/octet-stream", big),
		bytesRecord(TypeResource, "https://example.com/small.txt", "text/plain", []byte("small")))
	if err != nil {
		t.Fatal(err)
	}
	// A block shorter than BlockSize fails the whole Write and leaves no trace.
	short := bytesRecord(TypeResource, "https://example.com/short", "text/plain", []byte("abc"))
	short.BlockSize = 10
	if _, err := fw.Write(bytesRecord(TypeResource, "https://example.com/ok", "", []byte("ok")), short); err == nil {
		t.Error("no error for a short block")
	}
	bigShort := bytesRecord(TypeResource, "https://example.com/bigshort", "", big)
	bigShort.BlockSize = int64(len(big)) + 1
	bigShort.Header.Add("WARC-Block-Digest", "sha256:given") // no digest pass: the failure comes while streaming
	if _, err := fw.Write(bytesRecord(TypeResource, "https://example.com/ok", "", []byte("ok")), bigShort); err == nil {
		t.Error("no error for a short big block")
	}
	var closed ClosedFile
	fw.cfg.OnClose = func(c ClosedFile) { closed = c }
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	if st := mustVerify(t, closed.Path); st.Records != 3 || closed.Records != 3 {
		t.Errorf("%d records in the file, OnClose says %d; want 3", st.Records, closed.Records)
	}
	data, _ := os.ReadFile(closed.Path)
	sum := sha256.Sum256(data)
	if closed.SHA256 != hex.EncodeToString(sum[:]) || closed.Size != int64(len(data)) {
		t.Errorf("OnClose after a failed write: %+v, file has %d bytes", closed, len(data))
	}
	entries, blocks := readAll(t, closed.Path, closed.Filename)
	if !bytes.Equal(blocks[1], big) || entries[1] != es[0] || entries[2] != es[1] {
		t.Error("big record did not round-trip")
	}
}

// TestRotationBetweenPrepareAndWrite covers a batch compressed for one file
// that lands in the next: its records must name the new file's warcinfo.
func TestRotationBetweenPrepareAndWrite(t *testing.T) {
	root := t.TempDir()
	fw, err := NewFileWriter(FileWriterConfig{Root: root, Dir: dated, Prefix: "race"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(bytesRecord(TypeResource, "https://example.com/a", "text/plain", []byte("a"))); err != nil {
		t.Fatal(err)
	}
	old := fw.infoID
	b := batch{buf: new(bytes.Buffer)}
	for _, rec := range everyType(t)[:3] {
		p, err := fw.enc.prepare(rec, old)
		if err != nil {
			t.Fatal(err)
		}
		n := b.buf.Len()
		if err := fw.enc.encode(b.buf, p, true); err != nil {
			t.Fatal(err)
		}
		b.preps, b.sizes = append(b.preps, p), append(b.sizes, b.buf.Len()-n)
	}
	var done []ClosedFile
	fw.mu.Lock()
	if _, err := fw.finalize(); err != nil { // another goroutine's Write rotated the file
		t.Fatal(err)
	}
	es, err := fw.writeLocked(&b, int64(b.buf.Len()), &done)
	fw.mu.Unlock()
	if err != nil || len(es) != 3 {
		t.Fatalf("writeLocked: %v", err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	files := findFiles(t, root, ".warc.gz")
	if len(files) != 2 {
		t.Fatalf("files %v", files)
	}
	slices.Sort(files)
	if st := mustVerify(t, files[1]); st.Records != 4 {
		t.Errorf("second file has %d records, want warcinfo + 3", st.Records)
	}
	f, err := os.Open(files[1])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, _ := NewReader(f)
	var info string
	for {
		rec, err := rd.Next()
		if err != nil {
			break
		}
		if rec.Header.Get("WARC-Type") == TypeWarcinfo {
			info = rec.Header.Get("WARC-Record-ID")
		} else if got := rec.Header.Get("WARC-Warcinfo-ID"); got != info || got == old {
			t.Errorf("record names warcinfo %s, file has %s", got, info)
		}
	}
}

// TestSyncPutsRecordsInTheFile: after Sync, a reader of the ".open" file
// (what repair sees after the process dies) finds every record written.
func TestSyncPutsRecordsInTheFile(t *testing.T) {
	root := t.TempDir()
	fw, err := NewFileWriter(FileWriterConfig{Root: root, Dir: dated, Prefix: "sync", Now: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	defer fw.Close()
	if err := fw.Sync(); err != nil {
		t.Fatalf("Sync before any write: %v", err)
	}
	const n = 5
	for i := range n {
		rec := bytesRecord(TypeResponse, fmt.Sprintf("https://example.com/%d", i), "application/http; msgtype=response",
			httpResponse(200, "text/plain", []byte("small body")))
		if _, err := fw.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	open, _ := filepath.Glob(filepath.Join(root, "warcs", "*", "*", "*", "*.warc.gz.open"))
	if len(open) != 1 {
		t.Fatalf(".open files: %v", open)
	}
	count := func() int {
		f, err := os.Open(open[0])
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rd, err := NewReader(f)
		if err != nil {
			return 0
		}
		defer rd.Close()
		k := 0
		for {
			if _, err := rd.Next(); err != nil {
				return k
			}
			k++
		}
	}
	if got := count(); got == n+1 {
		t.Logf("records reached the file before Sync (a buffer flush)")
	}
	if err := fw.Sync(); err != nil {
		t.Fatal(err)
	}
	if got := count(); got != n+1 {
		t.Errorf("after Sync the file holds %d records, want %d (warcinfo and %d responses)", got, n+1, n)
	}
}

// TestDirNamesTheFolder: the writer names no folder of its own:
// files land where Dir says (nil: in Root), with Filenames relative to Root.
func TestDirNamesTheFolder(t *testing.T) {
	for _, tc := range []struct {
		dir  func(time.Time) string
		want string
	}{
		{nil, "flat-00000.warc.gz"},
		{func(t time.Time) string { return "w/" + t.Format("2006-01") }, "w/2024-03/flat-00000.warc.gz"},
	} {
		root := t.TempDir()
		var closed ClosedFile
		fw, err := NewFileWriter(FileWriterConfig{Root: root, Dir: tc.dir, Prefix: "flat", Now: fixedClock(),
			OnClose: func(c ClosedFile) { closed = c }})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(bytesRecord(TypeResource, "https://example.com/", "text/plain", []byte("x"))); err != nil {
			t.Fatal(err)
		}
		if err := fw.Close(); err != nil {
			t.Fatal(err)
		}
		if closed.Filename != tc.want || closed.Path != filepath.Join(root, filepath.FromSlash(tc.want)) {
			t.Errorf("closed %q at %s, want %q", closed.Filename, closed.Path, tc.want)
		}
		if _, err := os.Stat(closed.Path); err != nil {
			t.Error(err)
		}
	}
}
