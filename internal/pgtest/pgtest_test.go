package pgtest

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// Each test gets its own empty database on the one shared server, and
// unaccent (which the index's full-text search uses) can be created in it.
func TestDatabasesAreSeparate(t *testing.T) {
	ctx := context.Background()
	a, b := Database(t), Database(t)
	if a == b {
		t.Fatalf("two tests got the same database %s", a)
	}
	ca, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close(ctx)
	if _, err := ca.Exec(ctx, `CREATE TABLE t (v text); INSERT INTO t VALUES ('a')`); err != nil {
		t.Fatal(err)
	}
	cb, err := pgx.Connect(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close(ctx)
	var n int
	if err := cb.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename = 't'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("a table of one test's database is in another's")
	}
	var s string
	if _, err := ca.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS unaccent`); err != nil {
		t.Fatalf("unaccent: %v", err)
	}
	if err := ca.QueryRow(ctx, `SELECT unaccent('Élysée')`).Scan(&s); err != nil || s != "Elysee" {
		t.Errorf("unaccent('Élysée') = %q, %v; want Elysee", s, err)
	}
}

// The server listens on loopback only.
func TestLoopbackOnly(t *testing.T) {
	s := Shared(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var addrs string
	if err := conn.QueryRow(ctx, `SHOW listen_addresses`).Scan(&addrs); err != nil {
		t.Fatal(err)
	}
	if addrs != "127.0.0.1" {
		t.Errorf("listen_addresses = %q, want 127.0.0.1", addrs)
	}
}

// A private server stops as a crash would and restarts with its data.
func TestStopAndRestart(t *testing.T) {
	ctx := context.Background()
	s := Start(t)
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before')`); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	s.Stop(t)
	if c, err := pgx.Connect(ctx, s.URL("postgres")); err == nil {
		c.Close(ctx)
		t.Fatal("connected to a stopped server")
	}
	s.Restart(t)
	conn, err = pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	defer conn.Close(ctx)
	var v string
	if err := conn.QueryRow(ctx, `SELECT v FROM kept`).Scan(&v); err != nil || v != "before" {
		t.Errorf("after restart: %q, %v; want the row written before", v, err)
	}
}
