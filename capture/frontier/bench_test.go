package frontier

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/vellumhq/vellum/internal/redistest"
)

// BenchmarkPageCycle is the frontier's cost of one page: its Next, Fetched
// and Done (the claim, the host's turn, the finish) by 4 workers at once,
// over pages of 1,000 hosts queued beforehand, on one Redis. docs/scale.md
// takes its pages/s as a Redis shard's ceiling.
func BenchmarkPageCycle(b *testing.B) {
	ctx := context.Background()
	c, err := Dial(redistest.Shared(b).URL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	f := NewRedis(c, fmt.Sprintf("bench-%d", b.N), Options{})
	items := make([]Item, b.N)
	for i := range items {
		items[i] = Item{URL: fmt.Sprintf("http://host%d.example/p/%d", i%1000, i), Kind: Page, Seed: -1}
	}
	for i := 0; i < len(items); i += 1000 {
		if _, err := f.Add(ctx, items[i:min(i+1000, len(items))]...); err != nil {
			b.Fatal(err)
		}
	}
	const workers = 4
	for w := range workers {
		if err := f.Join(ctx, fmt.Sprint("w", w)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	var wg sync.WaitGroup
	for w := range workers {
		name := fmt.Sprint("w", w)
		wg.Go(func() {
			for {
				cl, err := f.Next(ctx, name)
				if err == ErrDrained {
					return
				}
				if err != nil {
					b.Error(err)
					return
				}
				if err := f.Fetched(ctx, cl, 0); err != nil {
					b.Error(err)
					return
				}
				if err := f.Done(ctx, cl); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}
