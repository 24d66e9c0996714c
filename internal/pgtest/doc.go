// Package pgtest runs a private PostgreSQL server on loopback for tests: one
// server per test binary, started on first use in a temporary directory on a
// free port, and a fresh database for every test that asks.
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) } // stops the server
//	dsn := pgtest.Database(t)                               // dropped at t.Cleanup
//
// Seam: given a testing.TB, it returns a connection string
// ("postgres://postgres@127.0.0.1:PORT/DB?sslmode=disable"); the index's
// PostgreSQL tests use it. The server is Debian's (`make test` installs the
// postgresql package); it is found in /usr/lib/postgresql/<version>/bin or
// $VELLUM_PG_BIN. Missing, it skips the test, except with CI=true where it
// fails it. As root, the server runs as the user nobody, since PostgreSQL
// refuses to run as root.
package pgtest
