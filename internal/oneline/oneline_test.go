package oneline

import (
	"errors"
	"testing"
)

func TestOfJoinsLines(t *testing.T) {
	err := errors.Join(errors.New("upload a.warc.gz: connection refused"), errors.New("  upload a.cdxj:\tdown\n"))
	if got, want := Of(err), "upload a.warc.gz: connection refused upload a.cdxj: down"; got != want {
		t.Errorf("Of = %q, want %q", got, want)
	}
}
