package redistest

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// Cluster is a Redis Cluster of three masters (no replicas) on loopback,
// each serving a third of the hash slots: a test's own, stopped at its end.
type Cluster struct {
	Nodes []*Server
}

// StartCluster starts the three nodes, gives each its slots, introduces
// them, and waits until every node reports the cluster ok.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	bin := binary(t)
	c := &Cluster{}
	for range 3 {
		s, err := start(bin, t.TempDir(), "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "5000", "--databases", "1")
		if err != nil {
			t.Fatalf("redistest: cluster node: %v", err)
		}
		t.Cleanup(s.shutdown)
		c.Nodes = append(c.Nodes, s)
	}
	const slots = 16384
	for i, s := range c.Nodes {
		from, to := i*slots/len(c.Nodes), (i+1)*slots/len(c.Nodes)-1
		if _, err := s.Command("CLUSTER", "ADDSLOTSRANGE", fmt.Sprint(from), fmt.Sprint(to)); err != nil {
			t.Fatalf("redistest: slots %d-%d to %s: %v", from, to, s.Addr, err)
		}
	}
	for _, s := range c.Nodes[1:] {
		host, port, _ := net.SplitHostPort(s.Addr)
		if _, err := c.Nodes[0].Command("CLUSTER", "MEET", host, port); err != nil {
			t.Fatalf("redistest: cluster meet %s: %v", s.Addr, err)
		}
	}
	deadline := time.Now().Add(readyTimeout)
	for _, s := range c.Nodes {
		for {
			info, err := s.Command("CLUSTER", "INFO")
			if err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:3") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("redistest: cluster not ok on %s after %v: %v\n%s", s.Addr, readyTimeout, err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return c
}

// URL is the cluster's URL as --frontier takes it: the first node, and
// the others as addr parameters (go-redis's form).
func (c *Cluster) URL() string {
	u := "redis://" + c.Nodes[0].Addr
	for i, s := range c.Nodes[1:] {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		u += sep + "addr=" + s.Addr
	}
	return u
}
