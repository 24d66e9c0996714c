package warc

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestFileWriterRoundTrip(t *testing.T) {
	root := t.TempDir()
	var closed []ClosedFile
	fw, err := NewFileWriter(FileWriterConfig{Root: root, Dir: dated, Prefix: "run1", Now: fixedClock(), NewID: sequentialIDs(),
		Warcinfo: warcinfoFields(), OnClose: func(c ClosedFile) { closed = append(closed, c) }})
	if err != nil {
		t.Fatal(err)
	}
	recs := everyType(t)
	written, err := fw.Write(recs...)
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	if len(closed) != 1 {
		t.Fatalf("OnClose called %d times", len(closed))
	}
	cf := closed[0]
	if want := "warcs/2024/03/01/run1-00000.warc.gz"; cf.Filename != want {
		t.Errorf("Filename = %q, want %q", cf.Filename, want)
	}
	read, blocks := readAll(t, cf.Path, cf.Filename)
	if len(read) != len(recs)+1 || read[0].Type != TypeWarcinfo {
		t.Fatalf("read %d records, want warcinfo + %d", len(read), len(recs))
	}
	for i, rec := range recs {
		if !reflect.DeepEqual(read[i+1], written[i]) {
			t.Errorf("record %d: EntryOf = %+v\nwriter returned %+v", i, read[i+1], written[i])
		}
		want := make([]byte, rec.BlockSize)
		if rec.Block != nil {
			_, _ = rec.Block.ReadAt(want, 0)
		}
		if !bytes.Equal(blocks[i+1], want) {
			t.Errorf("record %d: block differs", i)
		}
	}
	checkEntries(t, written)
	mustVerify(t, cf.Path)

	// ScanFile and ReadRecordAt agree with the writer.
	var scanned []Entry
	if err := ScanFile(cf.Path, cf.Filename, func(e Entry) error { scanned = append(scanned, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(scanned[1:], written) {
		t.Errorf("ScanFile entries differ from the writer's")
	}
	f, err := os.Open(cf.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, e := range written {
		for _, length := range []int64{e.Length, 0} {
			rec, err := ReadRecordAt(f, e.Offset, length)
			if err != nil {
				t.Fatalf("ReadRecordAt(%d, %d): %v", e.Offset, length, err)
			}
			b, err := io.ReadAll(rec.Block)
			if err != nil || !bytes.Equal(b, blocks[i+1]) || rec.Header.Get("WARC-Record-ID") != e.ID {
				t.Errorf("ReadRecordAt(%d, %d): wrong record (%v)", e.Offset, length, err)
			}
			if got, _ := EntryOf(rec, e.Filename); !reflect.DeepEqual(got, e) {
				t.Errorf("ReadRecordAt(%d, %d): entry %+v, want %+v", e.Offset, length, got, e)
			}
		}
	}

	// The CDXJ file beside the WARC holds the indexed records, sorted.
	lines := readLines(t, strings.TrimSuffix(cf.Path, ".warc.gz")+".cdxj")
	var want []string
	for _, e := range written {
		if Indexed(e) {
			line, err := e.CDXJ()
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, line)
		}
	}
	slices.Sort(want)
	if !slices.Equal(lines, want) {
		t.Errorf("cdxj file:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if !slices.IsSorted(lines) || len(lines) != 6 {
		t.Errorf("want 6 sorted lines, got %d", len(lines))
	}
	sum := sha256.New()
	data, _ := os.ReadFile(cf.Path)
	sum.Write(data)
	if cf.SHA256 != hex.EncodeToString(sum.Sum(nil)) || cf.Size != int64(len(data)) || cf.Records != len(recs)+1 {
		t.Errorf("ClosedFile = %+v; file has %d bytes", cf, len(data))
	}
}

// checkEntries checks the fields derived from each record of everyType.
func checkEntries(t *testing.T, es []Entry) {
	t.Helper()
	_, entity := chunkedGzipResponse(t)
	entitySum := sha256.Sum256(entity)
	want := []struct {
		typ, mime string
		status    int
		indexed   bool
	}{
		{TypeRequest, "application/http", 0, false},
		{TypeResponse, "text/html", 200, true},
		{TypeMetadata, "application/json", 0, false},
		{TypeResource, "text/plain", 0, true},
		{TypeResource, "unk", 0, true},
		{TypeResponse, "image/jpeg", 200, true},
		{TypeRevisit, "warc/revisit", 200, true},
		{TypeResponse, "unk", 301, true},
	}
	for i, w := range want {
		e := es[i]
		if e.Type != w.typ || e.MIME != w.mime || e.Status != w.status || Indexed(e) != w.indexed {
			t.Errorf("entry %d: type %s mime %q status %d indexed %v; want %+v", i, e.Type, e.MIME, e.Status, Indexed(e), w)
		}
		if !strings.HasPrefix(e.BlockDigest, "sha256:") || len(e.BlockDigest) != 71 {
			t.Errorf("entry %d: block digest %q", i, e.BlockDigest)
		}
	}
	if got := es[1].PayloadDigest; got != "sha256:"+hex.EncodeToString(entitySum[:]) {
		t.Errorf("chunked response payload digest %s, want sha256 of the de-chunked entity", got)
	}
	if es[0].PayloadDigest != "" || es[3].PayloadDigest != es[3].BlockDigest {
		t.Errorf("request payload %q; resource payload %q vs block %q", es[0].PayloadDigest, es[3].PayloadDigest, es[3].BlockDigest)
	}
	rv := es[6]
	if rv.RefersToURI != es[1].TargetURI || rv.RefersToDate.IsZero() || rv.PayloadDigest != "sha256:"+strings.Repeat("0", 64) {
		t.Errorf("revisit entry %+v", rv)
	}
	if es[1].TargetURI != "https://www.example.com/2024/03/story.html?b=2&a=1" || es[1].Date.IsZero() {
		t.Errorf("response entry %+v", es[1])
	}
}

func TestStreamWriterRoundTrip(t *testing.T) {
	for _, gzipped := range []bool{false, true} {
		var buf bytes.Buffer
		w, err := NewWriter(&buf, gzipped, WithFilename("x.warc"), WithClock(fixedClock()), WithRecordIDs(sequentialIDs()))
		if err != nil {
			t.Fatal(err)
		}
		info, err := w.WriteWarcinfo("x.warc", warcinfoFields())
		if err != nil {
			t.Fatal(err)
		}
		written, err := w.Write(everyType(t)...)
		if err != nil {
			t.Fatal(err)
		}
		rd, err := NewReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range append([]Entry{info}, written...) {
			rec, err := rd.Next()
			if err != nil {
				t.Fatal(err)
			}
			if i > 0 && rec.Header.Get("WARC-Warcinfo-ID") != info.ID {
				t.Errorf("gzipped=%v record %d: WARC-Warcinfo-ID %q, want %q", gzipped, i, rec.Header.Get("WARC-Warcinfo-ID"), info.ID)
			}
			got, err := EntryOf(rec, "x.warc")
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("gzipped=%v record %d: %+v (%v), want %+v", gzipped, i, got, err, want)
			}
		}
		if _, err := rd.Next(); err != io.EOF {
			t.Errorf("gzipped=%v: after the last record: %v, want io.EOF", gzipped, err)
		}
		if w.Offset() != int64(buf.Len()) {
			t.Errorf("Offset() = %d, wrote %d", w.Offset(), buf.Len())
		}
		checkEntries(t, written)
	}
}

func TestGivenFieldsAreKept(t *testing.T) {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, false)
	rec := bytesRecord(TypeResponse, "<http://example.com/>", "application/http; msgtype=response", httpResponse(200, "text/html", []byte("hi")))
	rec.ID = "<urn:uuid:given>"
	rec.Header.Add("WARC-Block-Digest", "sha1:AAAA")
	rec.Header.Add("WARC-Payload-Digest", "sha1:BBBB")
	rec.Header.Add("Content-Length", "999")
	es, err := w.Write(rec)
	if err != nil {
		t.Fatal(err)
	}
	e := es[0]
	if e.ID != "<urn:uuid:given>" || e.BlockDigest != "sha1:AAAA" || e.PayloadDigest != "sha1:BBBB" || e.TargetURI != "http://example.com/" {
		t.Errorf("entry %+v", e)
	}
	out := buf.String()
	if strings.Count(out, "Content-Length: ") != 2 || !strings.Contains(out, "WARC-Target-URI: http://example.com/\r\n") {
		t.Errorf("header:\n%s", out)
	}
}

func TestWriteRejects(t *testing.T) {
	w, _ := NewWriter(io.Discard, true)
	for _, rec := range []*Record{
		{TargetURI: "http://example.com/"},
		{Type: TypeResource, BlockSize: 3},
		{Type: TypeResource, Block: bytes.NewReader([]byte("ab")), BlockSize: 3},
		{Type: TypeResource, Block: bytes.NewReader(nil), BlockSize: -1},
	} {
		if _, err := w.Write(rec); err == nil {
			t.Errorf("Write(%+v): no error", rec)
		}
	}
	if _, err := NewWriter(io.Discard, true, WithGzipLevel(42)); err == nil {
		t.Error("NewWriter accepted gzip level 42")
	}
}

func readLines(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

func warcinfoFields() Header {
	var h Header
	h.Add("software", "Vellum/test")
	h.Add("format", "WARC File Format 1.1")
	h.Add("conformsTo", "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/")
	h.Add("run-id", "run1")
	return h
}

var update = flag.Bool("update", false, "regenerate the golden files in testdata/")

// TestGolden writes a deterministic file (injected clock and record IDs) and
// compares its content and its CDXJ with testdata/.
func TestGolden(t *testing.T) {
	root := t.TempDir()
	fw, err := NewFileWriter(FileWriterConfig{Root: root, Dir: dated, Prefix: "golden", Now: fixedClock(),
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
	mustVerify(t, filepath.Join(dir, "golden-00000.warc.gz"))
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
