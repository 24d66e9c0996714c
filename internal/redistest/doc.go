// Package redistest runs real redis-server processes (Debian's
// redis-server) on loopback for tests, in temporary directories.
//
// One shared server serves a whole test binary, each test on a database of
// its own; a test that stops and restarts Redis takes a private server:
//
//	func TestMain(m *testing.M) { os.Exit(redistest.Main(m)) }
//
//	url := redistest.Shared(t).URL(t) // "redis://127.0.0.1:<port>/<fresh db>"
//	s := redistest.Start(t)           // private; stopped at t.Cleanup
//	s.Stop(t); …; s.Restart(t)        // an outage in the middle of a test
//	c := redistest.StartCluster(t)    // a Redis Cluster of three shards; c.URL() as --frontier takes it
//
// The server keeps its data in an append-only file in its temporary
// directory (fsync on every write), so a restart, even after a kill, loses
// nothing, as a frontier's Redis must be configured. A missing
// redis-server skips the test, except with CI=true, where it fails it.
package redistest
