package index_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/index/indextest"
)

// The SQLite index passes the conformance suite that every implementation
// of the index's seam runs.
func TestConformance(t *testing.T) {
	indextest.Run(t, func(t *testing.T) indextest.Index {
		x, err := index.Open(context.Background(), filepath.Join(t.TempDir(), "vellum.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { x.Close() })
		return x
	})
}
