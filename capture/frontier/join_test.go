package frontier

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vellumhq/vellum/internal/redistest"
)

// TestJoinRun: workers of one piece of work that start together share one
// run (the first one's); a run going on is joined by a late worker; a run
// whose workers all left drained is over, and the next start is a new
// run; a run whose only worker died holding a claim is carried on.
func TestJoinRun(t *testing.T) {
	url := redistest.Shared(t).URL(t)
	ctx := context.Background()
	c, err := Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	opts := Options{Lease: 500 * time.Millisecond, Poll: 10 * time.Millisecond}
	join := func(candidate, worker string) *Redis {
		t.Helper()
		f, err := JoinRun(ctx, c, "job:news", candidate, worker, opts)
		if err != nil {
			t.Fatalf("JoinRun %s: %v", worker, err)
		}
		return f
	}

	// Four workers at once, each with a candidate of its own: one run.
	var wg sync.WaitGroup
	got := make([]string, 4)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = join("run-"+string(rune('a'+i)), "w"+string(rune('a'+i))).RunID()
		}()
	}
	wg.Wait()
	for _, id := range got {
		if id != got[0] {
			t.Fatalf("workers started together joined runs %v, want one", got)
		}
	}
	for i := range got { // the candidates that lost leave nothing behind
		if cand := "run-" + string(rune('a'+i)); cand != got[0] {
			if keys, err := c.Keys(ctx, Prefix(cand)+"*").Result(); err != nil || len(keys) > 0 {
				t.Errorf("keys of the losing candidate %s: %v, %v", cand, keys, err)
			}
		}
	}
	first := join("run-late", "late") // nothing queued yet, workers joined: going on
	if first.RunID() != got[0] {
		t.Fatalf("a late worker started run %s, want to join %s", first.RunID(), got[0])
	}
	if _, err := first.Add(ctx, Item{URL: "http://a.test/p0", Kind: Page, Seed: 0}); err != nil {
		t.Fatal(err)
	}
	// Everyone drains and leaves: the run is over.
	cl, err := first.Next(ctx, "late")
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Done(ctx, cl); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"wa", "wb", "wc", "wd", "late"} {
		if err := first.Leave(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	if st, _ := first.State(ctx); !st.Ended() {
		t.Fatalf("state %+v, want ended", st)
	}
	second := join("run-2", "w2")
	if second.RunID() != "run-2" {
		t.Fatalf("after the run ended a worker joined %s, want a new run (run-2)", second.RunID())
	}

	// w2 dies holding a claim: its lease expires, and the next worker
	// carries the run on (the claim comes back to it).
	if _, err := second.Add(ctx, Item{URL: "http://a.test/p0", Kind: Page, Seed: 0}); err != nil {
		t.Fatal(err)
	}
	if _, err := second.Next(ctx, "w2"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if st, err := second.State(ctx); err == nil && st.Open == 0 {
			break // reaped: its claim is queued again
		}
		if time.Now().After(deadline) {
			t.Fatal("the dead worker's lease never expired")
		}
	}
	third := join("run-3", "w3")
	if third.RunID() != "run-2" {
		t.Fatalf("a run whose worker died holding a claim: the next worker joined %s, want run-2 carried on", third.RunID())
	}
	cl, err = third.Next(ctx, "w3")
	if err != nil || cl.Item.URL != "http://a.test/p0" {
		t.Fatalf("the dead worker's claim: Next = %+v, %v; want it back", cl, err)
	}
}

// TestVisit: a URL visited is not queued by a later Add, by any worker.
func TestVisit(t *testing.T) {
	url := redistest.Shared(t).URL(t)
	ctx := context.Background()
	a, b := open(t, url, "r", Options{}), open(t, url, "r", Options{})
	if ok, err := a.Visit(ctx, "", "http://a.test/moved"); !ok || err != nil {
		t.Fatalf("first Visit = %v, %v; want true", ok, err)
	}
	if ok, _ := b.Visit(ctx, "", "http://a.test/moved"); ok {
		t.Fatal("second Visit = true, want false")
	}
	added, err := b.Add(ctx, Item{URL: "http://a.test/moved", Kind: Page, Seed: -1})
	if err != nil || added[0] {
		t.Fatalf("Add of a visited URL = %v, %v; want not added", added, err)
	}
}
