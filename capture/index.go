package capture

import (
	"context"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/warc"
)

// The index as the engine uses it. Run opens the archive's *index.Index and
// gives each part of a run only the methods it calls; the exported functions
// take what they need, which *index.Index satisfies.

// Index is the archive's index as a run uses it, all of it: what Run
// hands to each part of the run, and the batcher its recorder indexes
// through. *index.Index is one.
type Index interface {
	Reindexer
	runIndex
	priorIndex
	NewBatcher() *index.Batcher
}

var _ Index = (*index.Index)(nil)

// Reindexer re-reads a WARC file of the archive into the index.
type Reindexer interface {
	ReindexFile(ctx context.Context, root, name string) error
}

// RunLister lists the latest n runs of a job, newest first.
type RunLister interface {
	Runs(ctx context.Context, job string, n int) ([]index.Run, error)
}

// HistoryIndex is where the run history is restored: runs, with their page
// changes and their skipped and failed URLs.
type HistoryIndex interface {
	GetRun(ctx context.Context, id string) (index.Run, bool, error)
	SaveRun(ctx context.Context, r index.Run) error
	AddChanges(ctx context.Context, changes []index.Change) error
	AddProblems(ctx context.Context, ps []index.Problem) error
}

// problemIndex keeps a run's skipped and failed URLs (problemLog).
type problemIndex interface {
	AddProblems(ctx context.Context, ps []index.Problem) error
	Problems(ctx context.Context, runID string) ([]index.Problem, error)
}

// runCaptures finds a resumed run's own captures, to read them back
// (archived).
type runCaptures interface {
	CapturesOfRun(ctx context.Context, runID string) ([]index.Capture, error)
	ResponsesWithMetadata(ctx context.Context, runID string) (map[string]bool, error)
	ResponseWithDigest(ctx context.Context, digest, url string) (index.Capture, error)
}

// runIndex is what a run's book keeps in the index (runBook): the run in
// the history, the frontier of a job's run, and for a resumed run its own
// captures.
type runIndex interface {
	HistoryIndex
	RunLister
	problemIndex
	runCaptures
	Path() string
	Changes(ctx context.Context, runID, kind string) ([]index.Change, error)
	Frontier(ctx context.Context, runID string) ([]index.FrontierItem, error)
	FrontierSize(ctx context.Context, runID string) (int64, error)
	NewFrontierWriter(runID string, seq int64) *index.FrontierWriter
	FrontierChanges(ctx context.Context, runID string) ([]index.Change, error)
	FinishFrontier(ctx context.Context, runID string) error
}

// priorIndex finds what other runs captured: whether anything of a host
// (hostsSeen), the latest capture of a URL (deduplication) and the latest
// metadata of a page (whether its text changed).
type priorIndex interface {
	HasCapturesUnder(ctx context.Context, prefix, notRun string) (bool, error)
	Latest(ctx context.Context, urlkey, url, notRun string) (index.Capture, bool, error)
	LatestPage(ctx context.Context, urlkey, notRun string) (index.Page, bool, error)
}

// batchIndex is the recorder's record.Indexer: the records it writes are
// indexed through the run's batcher, captures and pages as replay has them.
type batchIndex struct{ b *index.Batcher }

func (x batchIndex) AddExchange(entries []warc.Entry) error {
	var caps []index.Capture
	for _, e := range entries {
		if !warc.Indexed(e) {
			continue
		}
		if c, err := index.CaptureOf(e); err == nil {
			caps = append(caps, c)
		}
	}
	return x.b.Add(caps, nil)
}

func (x batchIndex) AddMetadata(e warc.Entry, block []byte) error {
	var pages []index.Page
	if p, err := index.PageOf(e, block); err == nil {
		pages = append(pages, p)
	}
	return x.b.Add(nil, pages)
}
