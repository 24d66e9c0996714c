package warc

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
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
	}{
		{"example.warc", true},
		{"example.warc.gz", true},
		{"example-iana.org-chunked.warc", true},
		{"example-wget-bad-target-uri.warc.gz", true},
		{"example-space-in-target-uri.warc.gz", true},
		{"example-resource.warc.gz", true},
		{"post-test.warc.gz", true},
		{"example-digest.warc", false},
		{"example-wrong-chunks.warc.gz", false},
		{"example-bad-non-chunked.warc.gz", false},
		{"example-bad.warc.gz.bad", false},
		{"example-trunc.warc", false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var problems []Problem
			st, err := VerifyFile(filepath.Join(samplesDir, tt.file), func(p Problem) { problems = append(problems, p) })
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				t.Logf("problem at %d (%s): %s", p.Offset, p.RecordID, p.Msg)
			}
			t.Logf("records=%d problems=%d", st.Records, st.Problems)
			if st.Records == 0 {
				t.Errorf("no record read")
			}
			if got := st.Problems == 0; got != tt.valid {
				t.Errorf("valid = %v, want %v", got, tt.valid)
			}
		})
	}
}
