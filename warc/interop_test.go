package warc

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/vellumhq/vellum/internal/warctest"
)

// samplesDir holds WARC files written by other tools (webrecorder/warcio's test
// data); CI clones only the repository, so it may be absent.
const samplesDir = "../../shared/warc-samples"

func TestVerifySamples(t *testing.T) {
	if _, err := os.Stat(samplesDir); errors.Is(err, fs.ErrNotExist) {
		t.Logf("%s is absent: sample files not checked", samplesDir)
		return
	}
	tests := []struct {
		file  string
		valid bool
		want  string // in a problem's message
	}{
		{"example.warc", true, ""},
		{"example.warc.gz", true, ""},
		{"example-iana.org-chunked.warc", true, ""},
		{"example-wget-bad-target-uri.warc.gz", true, ""},
		{"example-space-in-target-uri.warc.gz", true, ""},
		{"example-resource.warc.gz", true, ""},
		{"post-test.warc.gz", true, ""},
		{"example-digest.warc", false, "bad WARC-Payload-Digest"},
		{"example-wrong-chunks.warc.gz", false, "WARC-Block-Digest mismatch"},
		{"example-bad-non-chunked.warc.gz", false, "WARC-Block-Digest mismatch"},
		{"example-bad.warc.gz.bad", false, "does not fill exactly one gzip member"},
		{"example-trunc.warc", false, "WARC-Payload-Digest mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var problems []Problem
			st, err := VerifyFile(filepath.Join(samplesDir, tt.file), func(p Problem) { problems = append(problems, p) })
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, p := range problems {
				t.Logf("problem at %d (%s): %s", p.Offset, p.RecordID, p.Msg)
				found = found || strings.Contains(p.Msg, tt.want)
			}
			if tt.want != "" && !found {
				t.Errorf("no problem mentions %q", tt.want)
			}
			t.Logf("records=%d problems=%d", st.Records, st.Problems)
			if st.Records == 0 {
				t.Errorf("no record read")
			}
			if got := st.Problems == 0; got != tt.valid {
				t.Errorf("valid = %v, want %v", got, tt.valid)
			}
			if tt.valid {
				scanSample(t, filepath.Join(samplesDir, tt.file), tt.file)
			}
		})
	}
}

// scanSample indexes a valid file of another tool and reads each record back
// at its offset.
func scanSample(t *testing.T, path, name string) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	indexed := 0
	err = ScanFile(path, name, func(e Entry) error {
		if strings.ContainsAny(e.TargetURI, "<>") || e.ID == "" || e.Date.IsZero() || e.Length <= 0 {
			t.Errorf("entry %+v", e)
		}
		rec, err := ReadRecordAt(f, e.Offset, e.Length)
		if err != nil {
			return err
		}
		if got, err := EntryOf(rec, name); err != nil || !reflect.DeepEqual(got, e) {
			t.Errorf("record at %d read alone: %+v (%v), want %+v", e.Offset, got, err, e)
		}
		if Indexed(e) {
			indexed++
			line, err := e.CDXJ()
			if err != nil {
				return err
			}
			if _, err := ParseCDXJ(line); err != nil {
				t.Errorf("%s: %v", line, err)
			}
		}
		return nil
	})
	if err != nil || indexed == 0 {
		t.Errorf("ScanFile: %v, %d indexed records", err, indexed)
	}
}

// TestIndependentReader has nlnwa/gowarc v3's validating reader (through
// internal/warctest) read files our writer made: block digests, headers, and
// payload digests of bodies not sent chunked (gowarc digests a chunked
// payload with its framing, we digest it de-chunked as the spec asks, so
// warctest sets those findings aside). Our files gzip each record alone, so
// gowarc reads them directly, without the whole-file-gzip workaround.
func TestIndependentReader(t *testing.T) {
	root := t.TempDir()
	fw, err := NewFileWriter(FileWriterConfig{Root: root, Dir: dated, Prefix: "ia", Warcinfo: warcinfoFields()})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := fw.Write(everyType(t)...); err != nil {
			t.Fatal(err)
		}
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	good := findFiles(t, root, ".warc.gz")[0]
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := ownFile(t, false)
	dir := t.TempDir()
	files := []struct {
		name  string
		data  []byte
		valid bool
		want  string // in gowarc's problems
	}{
		{"ours.warc.gz", data, true, ""},
		{"ours.warc", plain, true, ""},
		{"truncated.warc.gz", data[:len(data)-200], false, ""},
		{"flipped.warc", flip(plain, int64(bytes.Index(plain, []byte{0xff, 0xd8, 0x42})+30)), false, "block: wrong digest"},
		{"payload-digest.warc", wrongPayloadDigest(t, plain), false, "payload: wrong digest"},
	}
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			path := filepath.Join(dir, f.name)
			if err := os.WriteFile(path, f.data, 0o644); err != nil {
				t.Fatal(err)
			}
			st, err := VerifyFile(path, nil)
			if err != nil || (st.Problems == 0) != f.valid {
				t.Errorf("VerifyFile: %+v, %v; want valid=%v", st, err, f.valid)
			}
			res, err := warctest.Verify(path)
			if err != nil {
				t.Fatal(err)
			}
			if res.Valid() != f.valid || !strings.Contains(res.String(), f.want) {
				t.Errorf("gowarc: %v\nwant valid=%v, a problem with %q", res, f.valid, f.want)
			}
			if f.valid && res.Records != st.Records {
				t.Errorf("gowarc read %d records, VerifyFile %d", res.Records, st.Records)
			}
		})
	}
}

// wrongPayloadDigest changes one digit of the payload digest of the image
// response (sent whole, with Content-Length), leaving its block digest right:
// only a reader that checks payload digests finds it.
func wrongPayloadDigest(t *testing.T, plain []byte) []byte {
	img := bytes.Index(plain, []byte("lead.jpg"))
	field := []byte("WARC-Payload-Digest: sha256:")
	i := bytes.Index(plain[img:], field)
	if img < 0 || i < 0 {
		t.Fatal("no payload digest on the image record")
	}
	out := bytes.Clone(plain)
	d := img + i + len(field)
	if out[d] == '0' {
		out[d] = '1'
	} else {
		out[d] = '0'
	}
	return out
}
