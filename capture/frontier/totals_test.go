package frontier

import (
	"context"
	"testing"
	"time"

	"github.com/vellumhq/vellum/internal/redistest"
)

// Two workers' parts of a run are summed, each once however often it is
// sent, with the earliest start and the latest end; another run's totals
// are its own.
func TestTotalsSumTheWorkersParts(t *testing.T) {
	url := redistest.Shared(t).URL(t)
	ctx := context.Background()
	a, b := open(t, url, "run-1", Options{}), open(t, url, "run-1", Options{})
	for _, w := range []struct {
		f    *Redis
		name string
	}{{a, "a"}, {b, "b"}} {
		if err := w.f.Join(ctx, w.name); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := a.Totals(ctx); err != nil || got.Workers != 0 || len(got.Counts) != 0 || !got.Started.IsZero() || got.Open != 2 {
		t.Fatalf("totals before any part: %+v (%v), want none and 2 workers open", got, err)
	}
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	partA := Part{Counts: map[string]int64{"pages": 3, "bytes": 1000, "files": 1}, Started: t0.Add(time.Second), Ended: t0.Add(time.Minute)}
	partB := Part{Counts: map[string]int64{"pages": 4, "errors": 1, "files": 2}, Started: t0, Ended: t0.Add(30 * time.Second)}
	first, err := a.AddPart(ctx, "a", partA)
	if err != nil {
		t.Fatal(err)
	}
	if first.Workers != 1 || first.Counts["pages"] != 3 || !first.Started.Equal(partA.Started) || !first.Ended.Equal(partA.Ended) {
		t.Errorf("after a's part: %+v", first)
	}
	if again, err := a.AddPart(ctx, "a", partA); err != nil || !again.Equal(first) {
		t.Errorf("a's part sent again: %+v (%v), want it added once: %+v", again, err, first)
	}
	if err := a.Leave(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	got, err := b.AddPart(ctx, "b", partB)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"pages": 7, "bytes": 1000, "files": 3, "errors": 1}
	if got.Workers != 2 || got.Open != 1 || len(got.Counts) != len(want) {
		t.Errorf("totals of both: %+v, want 2 workers (b still open) and %v", got, want)
	}
	for k, v := range want {
		if got.Counts[k] != v {
			t.Errorf("%s: %d, want %d", k, got.Counts[k], v)
		}
	}
	if !got.Started.Equal(t0) || !got.Ended.Equal(t0.Add(time.Minute)) {
		t.Errorf("the run's span: %v to %v, want the earliest start %v and the latest end %v", got.Started, got.Ended, t0, t0.Add(time.Minute))
	}
	if read, err := b.Totals(ctx); err != nil || !read.Equal(got) {
		t.Errorf("totals read back: %+v (%v), want %+v", read, err, got)
	}
	other := open(t, url, "run-2", Options{})
	if o, err := other.Totals(ctx); err != nil || o.Workers != 0 || len(o.Counts) != 0 {
		t.Errorf("another run's totals: %+v (%v), want none", o, err)
	}
}
