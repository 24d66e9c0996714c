package indextest

import (
	"context"
	"testing"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/storage"
)

// Index is the part of the capture index's seam the suite covers: what
// replay, the API, a crawl's deduplication and history, and the uploader
// read and write (docs/decisions.md, "Issue 15: the index seam", lists
// the rest).
type Index interface {
	// Captures.
	NewBatcher() *index.Batcher
	Add(ctx context.Context, caps []index.Capture, pages []index.Page) error
	Lookup(ctx context.Context, q index.Query, fn func(index.Capture) error) error
	Closest(ctx context.Context, urlkey, ts string, n int) ([]index.Capture, error)
	Captures(ctx context.Context, urlkey string) ([]index.Capture, error)
	Count(ctx context.Context) (int64, error)
	Latest(ctx context.Context, urlkey, url, notRun string) (index.Capture, bool, error)
	ResponseWithDigest(ctx context.Context, digest, url string) (index.Capture, error)
	CapturesOfRun(ctx context.Context, runID string) ([]index.Capture, error)
	RunFiles(ctx context.Context, runID string) ([]index.RunFile, error)
	HasCapturesUnder(ctx context.Context, prefix, notRun string) (bool, error)

	// Pages.
	PagesOf(ctx context.Context, urlkey string) ([]index.Page, error)
	PageHeads(ctx context.Context, urlkey string) ([]index.Page, error)
	PageAt(ctx context.Context, urlkey, ts string) (index.Page, bool, error)
	RecentPages(ctx context.Context, n int) ([]index.Page, error)
	LatestPage(ctx context.Context, urlkey, notRun string) (index.Page, bool, error)
	Search(ctx context.Context, q index.SearchQuery) (index.SearchResults, error)

	// Runs, their page changes and their problems.
	SaveRun(ctx context.Context, r index.Run) error
	GetRun(ctx context.Context, id string) (index.Run, bool, error)
	Runs(ctx context.Context, job string, n int) ([]index.Run, error)
	AddChanges(ctx context.Context, changes []index.Change) error
	Changes(ctx context.Context, runID, kind string) ([]index.Change, error)
	AddProblems(ctx context.Context, ps []index.Problem) error
	Problems(ctx context.Context, runID string) ([]index.Problem, error)

	// Rows from files: WARC files under an archive's root, CDXJ files of a
	// remote store.
	Rebuild(ctx context.Context, root string) (index.RebuildStats, error)
	ReindexFile(ctx context.Context, root, name string) error
	AddFile(ctx context.Context, root, name string) (caps, pages int, err error)
	SyncRemote(ctx context.Context, remote storage.Store, haveLocal func(warcName string) bool) (int, error)
	CapturesBetween(ctx context.Context, from, to string, fn func(index.Capture) error) error

	// A running run's frontier.
	NewFrontierWriter(runID string, seq int64) *index.FrontierWriter
	Frontier(ctx context.Context, runID string) ([]index.FrontierItem, error)
	FrontierSize(ctx context.Context, runID string) (int64, error)
	FrontierChanges(ctx context.Context, runID string) ([]index.Change, error)
	FinishFrontier(ctx context.Context, runID string) error

	// Upload state of finished files.
	storage.FileState
	FileState(ctx context.Context, name string) (string, error)
}

// Run runs the suite; newIndex must return an empty index each time, and
// close it when the test ends.
func Run(t *testing.T, newIndex func(t *testing.T) Index) {
	tests := []struct {
		name string
		fn   func(t *testing.T, x Index)
	}{
		{"LookupExactInTimeOrder", lookupExact},
		{"AddingTwiceKeepsOneRow", addTwice},
		{"BatcherHoldsFilesBeingWrittenApart", batcher},
		{"ClosestIsPywbs", closest},
		{"PrefixHostAndDomainListings", listings},
		{"RevisitFindsItsOriginal", revisits},
		{"RetriedAttemptsShowTheFinalOne", attempts},
		{"LatestForDeduplication", latest},
		{"CapturesOfARun", capturesOfRun},
		{"FilesOfARunByWorker", runFilesByWorker},
		{"Pages", pages},
		{"SearchNeedsEveryWord", searchWords},
		{"SearchFiltersAndPaging", searchFilters},
		{"SearchRefusesEmptyQueries", searchBad},
		{"RunHistory", runs},
		{"ChangesAndProblems", changesAndProblems},
		{"FrontierResumesAndFinishes", frontier},
		{"UploadState", uploadState},
		{"RowsFromWARCFiles", fromWARCs},
		{"RowsFromRemoteCDXJ", fromRemote},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newIndex(t)) })
	}
}
