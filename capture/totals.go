package capture

import (
	"context"
	"errors"
	"time"

	"github.com/vellumhq/vellum/capture/frontier"
	"github.com/vellumhq/vellum/index"
)

// A run on a shared frontier is one run across its workers, and its row
// in the run history counts what all of them did: each worker adds its
// own counts to the frontier's totals as it ends (frontier.AddPart) and
// saves the row with the sums read back, the run's start the earliest of
// its workers' and its end the latest. The last worker to end saves
// complete sums. A worker killed before it ended adds nothing: what its
// files hold is not in the counts. A shared run is never resumed by a
// process (it goes on in the frontier), so a worker's part has no earlier
// part of its own (runBook.base) to add.

// runTotals is a shared frontier that sums a run's counts over its
// workers; capture/frontier's Redis is one. A Frontier without it keeps
// each worker's own counts in the row.
type runTotals interface {
	AddPart(ctx context.Context, worker string, p frontier.Part) (frontier.Totals, error)
	Totals(ctx context.Context) (frontier.Totals, error)
}

// WorkerPart is one worker's share of a run on a shared frontier, whose
// Result.Run counts the sums over its workers.
type WorkerPart struct {
	Counts  index.RunCounts // this worker's own
	Workers int64           // workers whose parts Run.Counts sums, this one's included
	Running int64           // other workers still running then: their parts are not in the sums yet
}

// The names of the counts in the frontier's totals.
var countNames = []string{"pages", "requisites", "bytes", "errors", "skipped", "new", "changed", "unchanged", "revisits", "files"}

// countFields are the fields of c, in the order of countNames.
func countFields(c *index.RunCounts) []*int64 {
	files := int64(c.Files)
	return []*int64{&c.Pages, &c.Requisites, &c.Bytes, &c.Errors, &c.Skipped, &c.New, &c.Changed, &c.Unchanged, &c.Revisits, &files}
}

func partOf(c index.RunCounts, started, ended time.Time) frontier.Part {
	p := frontier.Part{Counts: map[string]int64{}, Started: started, Ended: ended}
	for i, f := range countFields(&c) {
		p.Counts[countNames[i]] = *f
	}
	return p
}

func countsOf(t frontier.Totals) index.RunCounts {
	var c index.RunCounts
	fields := countFields(&c)
	for i, f := range fields {
		*f = t.Counts[countNames[i]]
	}
	c.Files = int(*fields[len(fields)-1])
	return c
}

// saveShared adds this worker's part (r's counts) to the run's totals
// and saves the run's row with the sums. It returns the row as saved: with
// its own counts when the sums could not be had.
func (b *runBook) saveShared(ctx context.Context, t runTotals, r index.Run) (index.Run, *WorkerPart, error) {
	tot, err := t.AddPart(ctx, b.cfg.worker(), partOf(r.Counts, b.run.Started, r.Ended))
	if err != nil {
		return r, nil, errors.Join(err, b.idx.SaveRun(ctx, r))
	}
	part := &WorkerPart{Counts: r.Counts, Workers: tot.Workers, Running: max(0, tot.Open-1)}
	r, err = b.saveSums(ctx, t, withTotals(r, tot), tot)
	return r, part, err
}

func withTotals(r index.Run, t frontier.Totals) index.Run {
	r.Counts = countsOf(t)
	if !t.Started.IsZero() {
		r.Started = t.Started
	}
	if !t.Ended.IsZero() {
		r.Ended = t.Ended
	}
	return r
}

// saveSums saves the run's row with its sums. Another worker may have
// saved the row after this one read the sums but with older ones (read
// before this worker's part was in them): so the sums are read again
// after each save, and the row saved again while they grew. The worker
// whose save is the last of all read the sums after every part was
// added, and so saved complete ones.
func (b *runBook) saveSums(ctx context.Context, t runTotals, r index.Run, tot frontier.Totals) (index.Run, error) {
	for range 20 {
		if err := b.idx.SaveRun(ctx, r); err != nil {
			return r, err
		}
		now, err := t.Totals(ctx)
		if err != nil || now.Equal(tot) {
			return r, err
		}
		r, tot = withTotals(r, now), now
	}
	return r, nil
}
