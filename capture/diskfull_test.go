package capture

import (
	"errors"
	"fmt"
	"syscall"
	"testing"
)

func TestDiskFull(t *testing.T) {
	enospc := fmt.Errorf("write warcs/x.warc.gz: %w", syscall.ENOSPC)
	const line = "the disk of /data/a is full: the run stopped; the WARC records written are kept: free space, then run `vellum index`"
	for _, tt := range []struct {
		name string
		err  error
		res  *Result
		full bool
	}{
		{"no error", nil, &Result{Seeds: []SeedResult{{Seed: "a"}}}, false},
		{"other error", errors.New("connection refused"), nil, false},
		{"run's error", enospc, nil, true},
		{"run's error as text", errors.New("index: database or disk is full"), nil, true},
		{"a seed's error", nil, &Result{Seeds: []SeedResult{{Seed: "a", Err: errors.New("timeout")}, {Seed: "b", Err: enospc}}}, true},
		{"a seed's error as text", errors.New("other"), &Result{Seeds: []SeedResult{{Err: errors.New("write: no space left on device")}}}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := DiskFull("/data/a", tt.err, tt.res)
			if (got != nil) != tt.full {
				t.Fatalf("DiskFull = %v, want full %v", got, tt.full)
			}
			if got == nil {
				return
			}
			if got.Error() != line {
				t.Errorf("message %q, want %q", got, line)
			}
			if errors.Is(tt.err, syscall.ENOSPC) && !errors.Is(got, syscall.ENOSPC) {
				t.Errorf("%v does not wrap the failed write", got)
			}
		})
	}
}
