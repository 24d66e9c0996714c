package capture

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vellumhq/vellum/index"
)

// Stats counts a run's work so far.
type Stats struct {
	Pages      int64 // pages archived, each listed with what changed (seeds and links)
	PagesFound int64 // pages found so far: seeds and links in scope, done or not
	PagesDone  int64 // of those, pages finished: archived, failed, skipped or redirected elsewhere
	Requisites int64 // requisites fetched
	Queued     int64 // URLs waiting or in flight
	Bytes      int64 // response bytes recorded
	Errors     int64 // URLs that failed
	Skipped    int64 // URLs robots.txt forbids: not fetched, and no failure
	New        int64 // pages never captured before (set when the run ends, from its changes)
	Changed    int64 // pages whose payload and main text changed since their latest earlier capture (idem)
	Unchanged  int64 // pages identical to it, by payload digest or by main text (idem)
	Revisits   int64 // responses written as revisit records (identical payload)
	Browsed    int64 // pages loaded in the browser
	// ChromiumPeak is the browser's peak memory in bytes (PSS summed over
	// its processes, sampled each second); 0 without the browser. It is
	// set when the run ends.
	ChromiumPeak int64
	Elapsed      time.Duration
}

type counters struct {
	start                                    time.Time
	pages, requisites, queued, bytes, errors atomic.Int64
	revisits, skipped                        atomic.Int64
	pagesFound, pagesDone, browsed           atomic.Int64
	chromiumPeak                             atomic.Int64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Pages:        c.pages.Load(),
		Requisites:   c.requisites.Load(),
		Queued:       c.queued.Load(),
		Bytes:        c.bytes.Load(),
		Errors:       c.errors.Load(),
		Revisits:     c.revisits.Load(),
		Skipped:      c.skipped.Load(),
		PagesFound:   c.pagesFound.Load(),
		PagesDone:    c.pagesDone.Load(),
		Browsed:      c.browsed.Load(),
		ChromiumPeak: c.chromiumPeak.Load(),
		Elapsed:      time.Since(c.start),
	}
}

// SeedResult is what became of one seed.
type SeedResult struct {
	Seed       string   // as given
	URL        *url.URL // parsed; nil when the seed was not a valid URL
	Status     int      // HTTP status of the last hop; 0 when none came
	FinalURL   string   // after redirects
	Timestamp  string   // 14-digit time of the first response
	Truncated  string   // WARC-Truncated reason of the final response
	Err        error    // why the seed failed; nil when it was archived whole
	Redirects  int
	BytesTotal int64
	Browser    string // why the seed was loaded in the browser ("asked" with --browser); "" when it was not
	Elsewhere  bool   // on a shared frontier: another worker of the run fetched it (this one has no result)
}

// OK reports whether the seed was archived whole with a non-error status.
func (r SeedResult) OK() bool { return r.Err == nil }

// ReplayPath is where `vellum serve` replays the seed: /web/<ts>/<url>.
func (r SeedResult) ReplayPath() string {
	if r.URL == nil || r.Timestamp == "" {
		return ""
	}
	return "/web/" + r.Timestamp + "/" + r.URL.String()
}

// Line is the seed's one-line status for the terminal, with its replay path.
func (r SeedResult) Line() string { return r.LineAt("") }

// LineAt is Line with the replay URL under replayBase (the address of
// `vellum serve`, "http://127.0.0.1:8080"); "" gives the path alone.
func (r SeedResult) LineAt(replayBase string) string {
	at := r.ReplayPath()
	if at != "" {
		at = replayBase + at
	}
	if errors.Is(r.Err, ErrRobots) { // counted as skipped, not as an error: say so, and how to capture it
		return fmt.Sprintf("SKIPPED %s: %v (--ignore-robots captures it)", r.Seed, r.Err)
	}
	if errors.Is(r.Err, ErrExcluded) {
		return fmt.Sprintf("SKIPPED %s: %v", r.Seed, r.Err)
	}
	if r.Elsewhere {
		return fmt.Sprintf("ok     %s  captured by another worker of the run", r.Seed)
	}
	if r.Err != nil {
		if r.Timestamp != "" {
			return fmt.Sprintf("FAILED %s: %v (partial record at %s)", r.Seed, r.Err, at)
		}
		return fmt.Sprintf("FAILED %s: %v", r.Seed, r.Err)
	}
	via := ""
	if r.Redirects > 0 {
		via = fmt.Sprintf(" (→ %s after %d redirect(s))", r.FinalURL, r.Redirects)
	}
	if r.Browser != "" {
		at += " (browser: " + r.Browser + ")"
	}
	return fmt.Sprintf("ok     %d %s%s  %s", r.Status, r.Seed, via, at)
}

// Kinds of URL a problem is about.
const (
	kindPage      = "page"
	kindRequisite = "requisite"
)

// syncList is a list the crawl's goroutines add to, taken whole by its
// owner.
type syncList[T any] struct {
	mu    sync.Mutex
	items []T
}

func (l *syncList[T]) add(v T) {
	l.mu.Lock()
	l.items = append(l.items, v)
	l.mu.Unlock()
}

// take returns what was added and empties the list.
func (l *syncList[T]) take() []T {
	l.mu.Lock()
	defer l.mu.Unlock()
	items := l.items
	l.items = nil
	return items
}

// putBack puts items taken before what was added since.
func (l *syncList[T]) putBack(items []T) {
	l.mu.Lock()
	l.items = append(items, l.items...)
	l.mu.Unlock()
}

// problemLog collects the URLs a run skipped or that failed, until they are
// written to the index (every few seconds and at the end of the run).
type problemLog struct{ syncList[index.Problem] }

// flush writes what was added since the last flush; what could not be
// written stays for the next.
func (l *problemLog) flush(ctx context.Context, idx problemIndex, runID string) error {
	batch := l.take()
	for i := range batch {
		batch[i].RunID = runID
	}
	if err := idx.AddProblems(ctx, batch); err != nil {
		l.putBack(batch) // the crawl goes on adding meanwhile
		return err
	}
	return nil
}

// recorded writes what is pending and returns every skipped and failed URL
// of the run, those of the earlier part of a resumed run included.
func (l *problemLog) recorded(ctx context.Context, idx problemIndex, runID string) ([]index.Problem, error) {
	if err := l.flush(ctx, idx, runID); err != nil {
		return nil, err
	}
	return idx.Problems(ctx, runID)
}

// countProblems counts the failed and the skipped URLs.
func countProblems(ps []index.Problem) (failed, skipped int64) {
	for _, p := range ps {
		if p.Outcome == index.OutcomeSkipped {
			skipped++
		} else {
			failed++
		}
	}
	return failed, skipped
}

// missed records a URL the run did not archive whole: skipped when
// robots.txt forbids it (not the site's failure, and not counted as an
// error), failed otherwise. The run's page lists each with its reason.
func (c *crawl) missed(u, kind string, err error) {
	p := index.Problem{URL: u, Kind: kind, Outcome: index.OutcomeFailed, Reason: err.Error()}
	if errors.Is(err, ErrRobots) || errors.Is(err, ErrExcluded) {
		p.Outcome = index.OutcomeSkipped
		c.stats.skipped.Add(1)
	} else {
		c.stats.errors.Add(1)
	}
	c.problems.add(p)
}
