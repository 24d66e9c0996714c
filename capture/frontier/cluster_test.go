package frontier

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vellumhq/vellum/internal/redistest"
)

// TestRedisCluster: the frontier on a Redis Cluster of three shards.
// Workers starting together agree on one run (JoinRun's steps are each on
// one hash slot), runs of other work land on other shards, and three
// workers crawl two hosts politely, every URL once.
func TestRedisCluster(t *testing.T) {
	cl := redistest.StartCluster(t)
	url := cl.URL()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	c, err := Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	opts := Options{Lease: 2 * time.Second, Poll: 10 * time.Millisecond}

	var wg sync.WaitGroup
	got := make([]string, 4)
	for i := range got {
		wg.Go(func() {
			f, err := JoinRun(ctx, c, "job:cluster", fmt.Sprintf("run-%d", i), fmt.Sprintf("w%d", i), opts)
			if err != nil {
				t.Errorf("JoinRun: %v", err)
				return
			}
			got[i] = f.RunID()
		})
	}
	wg.Wait()
	for _, id := range got {
		if id != got[0] {
			t.Fatalf("workers started together on the cluster joined runs %v, want one", got)
		}
	}

	// The runs of other work are spread over the shards.
	shards := map[string]bool{}
	for i := range 12 {
		f, err := JoinRun(ctx, c, fmt.Sprintf("job:other-%d", i), fmt.Sprintf("other-%d", i), "w", opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range cl.Nodes {
			if k, err := n.Command("EXISTS", Prefix(f.RunID())+"workers"); err == nil && k == ":1" {
				shards[n.Addr] = true
			}
		}
	}
	if len(shards) < 2 {
		t.Errorf("12 runs on %d shard(s) of 3", len(shards))
	}

	const pages, delay = 10, 30 * time.Millisecond
	hosts := []string{"a.test", "b.test"}
	fetched := runWorkers(t, url, "cluster-crawl", 3, pages, delay, 5*time.Millisecond, Options{}, hosts...)
	checkOnce(t, fetched, pages, hosts...)
	checkPolite(t, fetched, delay)
}
