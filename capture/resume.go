package capture

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/vellumhq/vellum/capture/record"
	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/warc"
)

// archived serves a resumed run the URLs it captured before it was stopped:
// they are read back from its own WARC files rather than fetched again, so
// that no URL is captured twice and the pages among them still yield their
// links and requisites.
type archived struct {
	store    storage.Store // where the run's WARC files are read
	idx      runCaptures
	caps     map[string]index.Capture // URL → latest capture of the run
	withMeta map[string]bool          // response record IDs that have their metadata record
}

func loadArchived(ctx context.Context, store storage.Store, idx runCaptures, runID string) (*archived, error) {
	caps, err := idx.CapturesOfRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	withMeta, err := idx.ResponsesWithMetadata(ctx, runID)
	if err != nil {
		return nil, err
	}
	a := &archived{store: store, idx: idx, caps: make(map[string]index.Capture, len(caps)), withMeta: withMeta}
	for _, c := range caps { // the final attempt of each URL, as replay has it
		a.caps[c.URL] = c
	}
	return a, nil
}

// complete reports whether the run captured u before it stopped, with the
// metadata record an HTML page gets after its response (a crash can keep
// the one and lose the other).
func (a *archived) complete(u string) bool {
	if a == nil {
		return false
	}
	c, ok := a.caps[u]
	if !ok {
		return false
	}
	if c.Status >= 300 && c.Status <= 399 {
		// Its target is not in the frontier: walk the chain again (from the
		// archive as far as it goes) so the target is not lost.
		return false
	}
	page := c.MIME == "text/html" || c.MIME == "application/xhtml+xml"
	if !page || c.Type == warc.TypeRevisit {
		return true
	}
	return a.withMeta[c.RecordID]
}

// fetch returns the run's own capture of u, read from its WARC file; ok is
// false when the run has none worth keeping (a 429 or 5xx is fetched again,
// as the retry it was waiting for).
func (a *archived) fetch(ctx context.Context, u *url.URL, limits record.Limits, prior record.PriorFunc) (*record.Fetched, bool) {
	c, ok := a.caps[u.String()]
	if !ok || retryableStatus(c.Status) {
		return nil, false
	}
	keep := limits.MaxKeep
	if keep <= 0 {
		keep = record.DefaultLimits().MaxKeep
	}
	status, header, entity, err := a.read(ctx, c, keep+1)
	if err != nil {
		return nil, false // unreadable: capture it again
	}
	entityCut := int64(len(entity)) > keep
	if entityCut {
		entity = entity[:keep]
	}
	date, _ := warc.ParseTimestamp14(c.Timestamp)
	f := &record.Fetched{
		Status: status, Header: header, Entity: entity, EntityCut: entityCut, FromArchive: true,
		Records: record.ExchangeRecords{
			ResponseID: c.RecordID,
			Response: warc.Entry{ID: c.RecordID, Type: c.Type, TargetURI: c.URL, Date: date, Filename: c.Filename,
				Offset: c.Offset, Length: c.Length, PayloadDigest: c.Digest, MIME: c.MIME, Status: c.Status},
			Revisit: c.Type == warc.TypeRevisit,
		},
	}
	if prior != nil {
		if p, ok := prior(c.URL); ok {
			f.Records.Prior = &p
		}
	}
	return f, true
}

// read returns the HTTP status, header and (up to keep bytes of) entity of a
// capture; a revisit's entity is that of the response it refers to.
func (a *archived) read(ctx context.Context, c index.Capture, keep int64) (int, http.Header, []byte, error) {
	resp, closeFn, err := a.open(ctx, c)
	if err != nil {
		return 0, nil, nil, err
	}
	defer closeFn()
	status, header := resp.StatusCode, resp.Header
	body := resp.Body
	if c.Type == warc.TypeRevisit {
		orig, err := a.idx.ResponseWithDigest(ctx, c.Digest, c.RefersToURL)
		if err != nil {
			return 0, nil, nil, err
		}
		oresp, oclose, err := a.open(ctx, orig)
		if err != nil {
			return 0, nil, nil, err
		}
		defer oclose()
		body = oresp.Body
	}
	if keep <= 0 {
		keep = record.DefaultLimits().MaxKeep
	}
	entity, err := io.ReadAll(io.LimitReader(body, keep))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return 0, nil, nil, err
	}
	return status, header, entity, nil
}

func (a *archived) open(ctx context.Context, c index.Capture) (*http.Response, func(), error) {
	if err := storage.CheckKey(c.Filename); err != nil {
		return nil, nil, err
	}
	n := c.Length
	if n <= 0 {
		n = -1
	}
	rc, err := a.store.Open(ctx, c.Filename, c.Offset, n)
	if err != nil {
		return nil, nil, err
	}
	rd, err := warc.NewReader(rc)
	if err != nil {
		rc.Close()
		return nil, nil, err
	}
	closeFn := func() { rd.Close(); rc.Close() }
	rec, err := rd.Next()
	if err != nil {
		closeFn()
		return nil, nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(rec.Block), nil)
	if err != nil {
		closeFn()
		return nil, nil, fmt.Errorf("%s at %d: %w", c.Filename, c.Offset, err)
	}
	return resp, closeFn, nil
}

// RunLive reports whether a run recorded as running is going on in a live
// process (false: it crashed or was killed, and its job's next run resumes
// it).
func RunLive(archive, id string) bool { return runLive(archive, id) }

// FindResumable returns the run of job that should be resumed: the latest
// one, when it did not end — its process died (crash, kill -9, power cut)
// or, with interrupted, it was stopped by a signal. ok is false when the
// latest run of the job ended, or goes on in a live process.
func FindResumable(ctx context.Context, idx RunLister, archive, job string, interrupted bool) (index.Run, bool, error) {
	runs, err := idx.Runs(ctx, job, 1)
	if err != nil || len(runs) == 0 {
		return index.Run{}, false, err
	}
	r := runs[0]
	switch r.Status {
	case index.RunInterrupted:
		return r, interrupted, nil
	case index.RunRunning:
		return r, !runLive(archive, r.ID), nil
	}
	return r, false, nil
}

// resume queues what a resumed run had claimed but not finished, and what it
// finished but whose records a crash lost (they were still in the WARC
// writer's buffer). The seeds were queued again (their results come from the
// archive); everything else the run claimed counts as visited.
func (c *crawl) resume(ctx context.Context, items []index.FrontierItem) {
	for _, it := range items {
		u, err := url.Parse(it.URL)
		if err != nil {
			continue
		}
		if !c.claim(u) {
			continue
		}
		if it.Kind == index.KindPage {
			c.seenMu.Lock()
			c.pages++ // toward MaxPages, done or not
			c.seenMu.Unlock()
		}
		if it.Done && c.archive.complete(it.URL) {
			// Finished, and its records reached the WARC before the crash.
			if it.Kind == index.KindPage {
				c.stats.pagesFound.Add(1)
				c.stats.pagesDone.Add(1)
				if it.Change != "" { // counted as a page when it was listed as one
					c.stats.pages.Add(1)
				}
			} else {
				c.stats.requisites.Add(1)
			}
			continue
		}
		switch it.Kind {
		case index.KindPage:
			scope, err := url.Parse(it.Scope)
			if err != nil {
				scope = u
			}
			c.pushPage(ctx, pageJob{u: u, scope: scope, depth: it.Depth, seed: -1})
		default:
			c.work.Add(1)
			c.stats.queued.Add(1)
			c.reqs.push(reqJob{u: u, referer: it.Referer})
		}
	}
}
