package capture_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/vellumhq/vellum/capture"
	"github.com/vellumhq/vellum/capture/frontier"
	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/redistest"
)

// TestSharedFrontierCountsSummed: two workers of one run on one index
// save one row for the run, whose counts are the sums of the two
// workers' parts, from the earlier start to the later end; each worker's
// Result has its own part, and the one that ended last counts both.
func TestSharedFrontierCountsSummed(t *testing.T) {
	url := "redis://" + redistest.Start(t).Addr + "/0"
	srv := sharedSite(t, nil)
	ctx := context.Background()
	idx, err := index.Open(ctx, filepath.Join(t.TempDir(), "shared.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	const runID = "20261206T130000Z-beef"
	cfgs := []capture.Config{sharedConfig(t, url, runID, "w1", frontier.Options{}), sharedConfig(t, url, runID, "w2", frontier.Options{})}
	for i := range cfgs {
		cfgs[i].Index = idx
	}
	results := runWorkers(t, cfgs, srv.URL+"/")
	if t.Failed() {
		return
	}
	run, ok, err := idx.GetRun(ctx, runID)
	if err != nil || !ok {
		t.Fatalf("the run's row: %v %v", ok, err)
	}
	var sum index.RunCounts
	workers := int64(0)
	for _, res := range results {
		p := res.Part
		if p == nil {
			t.Fatalf("worker's result has no part of its own: %+v", res.Run)
		}
		c := p.Counts
		sum.Pages += c.Pages
		sum.New += c.New
		sum.Changed += c.Changed
		sum.Unchanged += c.Unchanged
		sum.Requisites += c.Requisites
		sum.Revisits += c.Revisits
		sum.Bytes += c.Bytes
		sum.Errors += c.Errors
		sum.Skipped += c.Skipped
		sum.Files += c.Files
		workers = max(workers, p.Workers)
		if res.Stats.Pages != c.Pages {
			t.Errorf("a worker's Stats count %d pages, its part %d", res.Stats.Pages, c.Pages)
		}
		if run.Started.After(res.Run.Started) || res.Run.Ended.After(run.Ended) {
			t.Errorf("the run's row spans %v to %v, a worker's saved run %v to %v", run.Started, run.Ended, res.Run.Started, res.Run.Ended)
		}
	}
	if run.Counts != sum {
		t.Errorf("the run's row counts %+v, the workers' parts sum to %+v", run.Counts, sum)
	}
	if sum.Pages != 6 || sum.Requisites != 3 || sum.Files < 1 {
		t.Errorf("the parts count %d pages, %d requisites, %d files; the site has 6 pages (a redirect's target among them) and 3 requisites",
			sum.Pages, sum.Requisites, sum.Files)
	}
	if workers != 2 {
		t.Errorf("no worker's part says it was summed with the other's (workers %d)", workers)
	}
}
