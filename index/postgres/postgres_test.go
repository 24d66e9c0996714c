package postgres_test

import (
	"context"
	"os"
	"testing"

	"github.com/vellumhq/vellum/index/indextest"
	"github.com/vellumhq/vellum/index/postgres"
	"github.com/vellumhq/vellum/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// The PostgreSQL index passes the conformance suite the SQLite index
// passes.
func TestConformance(t *testing.T) {
	indextest.Run(t, func(t *testing.T) indextest.Index {
		x, err := postgres.Open(context.Background(), pgtest.Database(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { x.Close() })
		return x
	})
}
