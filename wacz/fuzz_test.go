package wacz

import (
	"bytes"
	"io"
	"testing"
)

// FuzzReadWACZ feeds arbitrary bytes to what verify and import read of a
// WACZ: neither may panic or hang, whatever the zip holds.
func FuzzReadWACZ(f *testing.F) {
	f.Add([]byte("PK\x03\x04"))
	f.Add(buildWACZ(f, 1, Options{CompressIndexOver: -1}))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		_, _ = Verify(r, int64(len(b)), func(Problem) {})
		a, err := Open(r, int64(len(b)))
		if err != nil {
			return
		}
		for _, w := range a.WARCs() {
			if rc, err := w.Open(); err == nil {
				_, _ = io.Copy(io.Discard, io.LimitReader(rc, 1<<20))
				rc.Close()
			}
		}
		_ = a.Pages(func(Page) error { return nil })
	})
}
