package frontier

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/vellumhq/vellum/internal/redistest"
)

// TestAbandon: the repair of a dead worker's file gives its claims back at
// once (its lease, a minute, has not expired) and learns their URLs; a
// claim it finished is not among them. The given-back items are claimed by
// the next worker, and asking again (a repair cut short) gives the same.
// The redirect hops the given-back claims' fetches marked are given back
// too, and unseen again.
func TestAbandon(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	url := redistest.Shared(t).URL(t)
	opts := Options{Lease: time.Minute, Poll: 10 * time.Millisecond}
	dead, next := open(t, url, "abandon", opts), open(t, url, "abandon", opts)
	if _, err := dead.Add(ctx, seeds("a.test", "b.test")...); err != nil {
		t.Fatal(err)
	}
	if _, err := dead.Add(ctx, Item{URL: "http://a.test/style.css", Kind: Requisite, Seed: -1}); err != nil {
		t.Fatal(err)
	}
	if err := dead.Join(ctx, "dead"); err != nil {
		t.Fatal(err)
	}
	var held []Claim
	for range 3 {
		c, err := dead.Next(ctx, "dead")
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	if err := dead.Done(ctx, held[0]); err != nil { // finished: its records are this worker's
		t.Fatal(err)
	}
	// A hop of a finished claim stays seen; one of a claim given back is
	// unseen again, and given back with it.
	for i, hop := range []string{"http://a.test/done-hop", "http://a.test/hop"} {
		if ok, err := dead.Visit(ctx, held[i].ID, hop); !ok || err != nil {
			t.Fatalf("Visit %s: %v, %v", hop, ok, err)
		}
	}
	want := []string{held[1].Item.URL, held[2].Item.URL}
	slices.Sort(want)
	want = append(want, "http://a.test/hop")
	for range 2 {
		got, err := next.AbandonIn(ctx, "abandon", "dead")
		slices.Sort(got)
		if sorted := slices.Sorted(slices.Values(want)); err != nil || !slices.Equal(got, sorted) {
			t.Fatalf("Abandon: %v, %v; want %v", got, err, want)
		}
	}
	if ok, _ := next.Visit(ctx, "", "http://a.test/done-hop"); ok {
		t.Error("the finished claim's hop was unseen")
	}
	if ok, _ := next.Visit(ctx, "", "http://a.test/hop"); !ok {
		t.Error("the given-back claim's hop is still seen: its next fetch would stop before it")
	}
	if err := next.Join(ctx, "next"); err != nil {
		t.Fatal(err)
	}
	var refetched []string
	for range 2 {
		c, err := next.Next(ctx, "next")
		if err != nil {
			t.Fatal(err)
		}
		refetched = append(refetched, c.Item.URL)
		if err := next.Done(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(refetched)
	if want := want[:2]; !slices.Equal(refetched, want) {
		t.Errorf("the next worker claimed %v, want the given-back %v", refetched, want)
	}
	if _, err := next.Next(ctx, "next"); err != ErrDrained {
		t.Errorf("after them: %v, want drained", err)
	}
	if _, err := dead.Next(ctx, "dead"); err == nil {
		t.Error("the abandoned worker could still claim")
	}
}
