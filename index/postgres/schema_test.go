package postgres_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vellumhq/vellum/index/postgres"
	"github.com/vellumhq/vellum/internal/pgtest"
)

// Nodes starting together on an empty database migrate it once; a node
// started again finds nothing to do; a Vellum older than the schema
// refuses to touch it.
func TestMigrationsAppliedOnce(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Database(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			x, err := postgres.Open(ctx, dsn)
			if err == nil {
				x.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("Open on a new database: %v", err)
		}
	}
	x, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open again: %v", err)
	}
	x.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var versions []int
	rows, _ := conn.Query(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if versions, err = pgx.CollectRows(rows, pgx.RowTo[int]); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(versions, []int{1, 2}) {
		t.Errorf("schema_migrations holds %v, want [1 2]", versions)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES (99)`); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Open(ctx, dsn); err == nil || !strings.Contains(err.Error(), "version 99, newer than") {
		t.Errorf("Open of a newer schema: %v, want a refusal", err)
	}
}

// A connection string's password is not shown in messages.
func TestPathHidesThePassword(t *testing.T) {
	_, err := postgres.Open(context.Background(), "postgres://vellum:s3cret@127.0.0.1:1/db?connect_timeout=1")
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "vellum:xxxxx@127.0.0.1:1/db") {
		t.Errorf("Open of an unreachable server: %v; want an error naming the server without the password", err)
	}
}
