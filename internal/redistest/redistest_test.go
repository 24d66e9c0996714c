package redistest

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func client(t *testing.T, url string) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	opt.MaxRetries = -1 // a stopped server must show at once
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

// TestRestartKeepsData checks a private server's life: it answers after
// Start, not after Stop (twice), and after Restart on the same address it
// has what was written before it was killed.
func TestRestartKeepsData(t *testing.T) {
	ctx := context.Background()
	s := Start(t)
	if !strings.HasPrefix(s.Addr, "127.0.0.1:") {
		t.Fatalf("address %q", s.Addr)
	}
	c := client(t, s.URL(t))
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	s.Stop(t)
	s.Stop(t)
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("the server answers after Stop")
	}
	s.Restart(t)
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("after Restart: %q, %v; want the value written before the kill", got, err)
	}
}

// TestSharedDatabases checks that two tests' URLs on the shared server are
// different databases: one does not see the other's keys.
func TestSharedDatabases(t *testing.T) {
	ctx := context.Background()
	s := Shared(t)
	if Shared(t) != s {
		t.Fatal("Shared started a second server")
	}
	u1, u2 := s.URL(t), s.URL(t)
	if u1 == u2 {
		t.Fatalf("the same URL twice: %s", u1)
	}
	a, b := client(t, u1), client(t, u2)
	if err := a.Set(ctx, "k", "a", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if n, err := b.Exists(ctx, "k").Result(); err != nil || n != 0 {
		t.Fatalf("the other database sees the key: %d, %v", n, err)
	}
}
