package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/vellumhq/vellum/capture/extract"
	"github.com/vellumhq/vellum/capture/record"
	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/warc"
)

// pageJob is a page to fetch: a seed or a link within scope.
type pageJob struct {
	u     *url.URL
	scope *url.URL // the seed it descends from, for scope checks
	depth int
	seed  int // index into the seeds; -1 for a linked page
}

// parseItem is a fetched HTML page waiting to be parsed.
type parseItem struct {
	job pageJob
	ch  chain
}

// lane is one host's queue of pages.
type lane struct {
	q *queue[pageJob]
	// polite is held through a page's fetch, and the delay after it, while
	// a delay applies (--delay or the host's Crawl-delay): then one page of
	// the host is fetched at a time.
	polite sync.Mutex
	next   time.Time // when the next page may start; under polite
}

// pushPage queues a page in its host's lane, starting the lane when new.
// Pages of one host are fetched one at a time with the delay between them;
// with --delay 0 (the user's word that the site may be loaded hard) and no
// Crawl-delay, over up to ConnsPerHost connections at once.
func (c *crawl) pushPage(ctx context.Context, j pageJob) {
	if c.front != nil {
		c.front.Claim(index.FrontierItem{URL: j.u.String(), Kind: index.KindPage, Depth: j.depth, Seed: j.seed, Scope: j.scope.String()})
	}
	c.work.Add(1)
	c.stats.queued.Add(1)
	c.stats.pagesFound.Add(1)
	host := j.u.Host
	c.lanesMu.Lock()
	l, ok := c.lanes[host]
	if !ok {
		l = &lane{q: newQueue[pageJob]()}
		c.lanes[host] = l
		for range c.pageConns() {
			c.spawn(func() { c.laneLoop(ctx, l) })
		}
	}
	c.lanesMu.Unlock()
	l.q.push(j)
}

// pageConns is how many pages of one host may be fetched at once.
func (c *crawl) pageConns() int {
	if c.cfg.Delay > 0 {
		return 1
	}
	return c.cfg.ConnsPerHost
}

// laneLoop fetches one host's pages in turn. Parsing happens elsewhere, so
// the next page's wait starts as soon as a page is fetched.
func (c *crawl) laneLoop(ctx context.Context, l *lane) {
	for {
		j, ok := l.q.pop(ctx, c.done)
		if !ok {
			return
		}
		delay := max(c.cfg.Delay, c.crawlDelay(ctx, j.u))
		if delay <= 0 {
			c.pageFetched(ctx, j, c.fetch(ctx, fetchPage, j.u, "", 0, &j))
			continue
		}
		l.polite.Lock()
		if !sleep(ctx, time.Until(l.next)) {
			l.polite.Unlock()
			c.finishPage()
			return
		}
		ch := c.fetch(ctx, fetchPage, j.u, "", delay, &j)
		l.next = time.Now().Add(delay)
		l.polite.Unlock()
		c.pageFetched(ctx, j, ch)
	}
}

// pageFetched records the outcome of a page and hands HTML to the parsers.
func (c *crawl) pageFetched(ctx context.Context, j pageJob, ch chain) {
	if j.seed >= 0 {
		c.setSeed(j.seed, ch)
	}
	if err := pageProblem(ch); err != nil && ctx.Err() == nil { // a run being stopped is not the site's failure
		c.missed(j.u.String(), kindPage, err)
		// A seed's failure is reported with the seed; a skip is no failure.
		if j.seed < 0 && !errors.Is(err, ErrRobots) {
			c.log.Warn("page failed", "url", j.u.String(), "err", err)
		}
	}
	if ch.final == nil || ch.err != nil { // a chain that failed (a loop, a hop refused) archived its hops but is no page
		c.markDone(ctx, j.u, nil)
		c.finishPage()
		return
	}
	if ch.final.Entity == nil || !isHTML(ch.final.Header.Get("Content-Type")) {
		c.markDone(ctx, j.u, c.classify(ctx, ch, nil))
		c.finishPage()
		return
	}
	select {
	case c.parses <- parseItem{job: j, ch: ch}:
	case <-ctx.Done():
		c.finishPage()
	}
}

func (c *crawl) parseLoop(ctx context.Context) {
	for {
		select {
		case p := <-c.parses:
			c.markDone(ctx, p.job.u, c.parsePage(ctx, p))
			c.finishPage()
		case <-c.done:
			return
		case <-ctx.Done():
			return
		}
	}
}

// parsePage queues a page's requisites and in-scope links, writes its
// metadata record and says what changed since its latest earlier capture.
func (c *crawl) parsePage(ctx context.Context, p parseItem) *index.Change {
	f, pageURL := p.ch.final, p.ch.finalURL
	// A revisit's page is the one its earlier capture describes: unchanged,
	// with that capture's metadata. Extracting the article (most of a
	// page's CPU) would be wasted on it.
	page, err := readFetched(f, pageURL, !f.Records.Revisit)
	if err != nil {
		c.log.Warn("cannot decode page", "url", pageURL.String(), "err", err)
		return c.classify(ctx, p.ch, nil)
	}
	if cut := page.Cut(); cut != "" {
		c.log.Warn("page read in part: links after the cut are not followed", "url", pageURL.String(), "reason", cut)
	}
	links := page.Links()
	c.queueRequisites(ctx, links.Requisites, pageURL)
	if p.job.depth < c.cfg.Depth {
		for _, s := range links.Outlinks {
			u, ok := parseLink(s)
			if !ok || !c.cfg.Scope.Contains(p.job.scope, u) || !c.follows(u) || !c.claimPage(u) {
				continue
			}
			c.pushPage(ctx, pageJob{u: u, scope: p.job.scope, depth: p.job.depth + 1, seed: -1})
		}
	}
	if f.Records.Revisit {
		return c.classify(ctx, p.ch, nil)
	}
	md := page.Metadata()
	if md.TextSkipped != "" {
		c.log.Warn("article text not extracted", "url", pageURL.String(), "reason", md.TextSkipped)
	}
	change := c.classify(ctx, p.ch, &md.Text)
	// A resumed run's page read back from its WARC may have its metadata already.
	if f.FromArchive && c.archive.withMeta[f.Records.ResponseID] {
		return change
	}
	block, err := json.Marshal(md)
	if err != nil {
		return change
	}
	resp := f.Records.Response
	if _, err := c.rec.WriteMetadata(pageURL.String(), resp.Date, f.Records.ResponseID, block); err != nil && ctx.Err() == nil {
		c.log.Error("metadata record not written", "url", pageURL.String(), "err", err)
	}
	return change
}

// classify compares a fetched page with the latest earlier capture of its
// URL (by another run): new when there is none, unchanged when the payload
// is identical (it was written as a revisit) or, given the page's main text,
// when that text is the same; changed otherwise — an article that now
// answers 404 too, so a vanished story is reported.
func (c *crawl) classify(ctx context.Context, ch chain, text *string) *index.Change {
	f := ch.final
	if f == nil || ch.finalURL == nil {
		return nil
	}
	out := &index.Change{URL: ch.finalURL.String(), TS: warc.Timestamp14(f.Records.Response.Date)}
	prior := f.Records.Prior
	switch {
	case prior == nil && (f.Status < 200 || f.Status > 299):
		return nil // not there, and never archived: nothing to report
	case prior == nil:
		out.Change = index.ChangeNew
		return out
	case f.Records.Revisit:
		out.Change, out.PrevTS = index.ChangeUnchanged, prior.Timestamp
		return out
	}
	out.Change, out.PrevTS = index.ChangeChanged, prior.Timestamp
	if text != nil && c.idx != nil {
		if key, err := warc.SURT(out.URL); err == nil {
			if prev, ok, err := c.idx.LatestPage(ctx, key, c.cfg.RunID); err == nil && ok {
				out.PrevTS = prev.Timestamp
				// No main text (an image gallery, a page its scripts fill):
				// the payload changed, and nothing says the page did not.
				if strings.TrimSpace(*text) != "" && sameText(prev.Text, *text) {
					out.Change = index.ChangeUnchanged
				}
			}
		}
	}
	return out
}

// sameText compares two main texts ignoring how whitespace was laid out.
func sameText(a, b string) bool {
	return strings.Join(strings.Fields(a), " ") == strings.Join(strings.Fields(b), " ")
}

// markDone records in the frontier that the run is finished with u, unless
// the run is stopping: then u may be half done, and a resumed run takes it
// up again.
//
// A page counts as a page of the run when its change is recorded: the run's
// page count is the number of pages it lists (a redirect to a page the run
// already has, or an error page never archived before, is none).
func (c *crawl) markDone(ctx context.Context, u *url.URL, change *index.Change) {
	switch {
	case c.front != nil && ctx.Err() == nil:
		c.front.Done(u.String(), change)
	case c.front == nil && change != nil:
		c.changes.add(*change)
	default:
		return
	}
	if change != nil {
		c.stats.pages.Add(1)
	}
}

// pageProblem says why a fetched page was not archived whole: it failed,
// robots.txt forbids it, or its response is an error or was cut.
func pageProblem(ch chain) error {
	if ch.err != nil || ch.final == nil {
		return ch.err
	}
	return seedProblem(ch.final)
}

func (c *crawl) setSeed(i int, ch chain) {
	c.seedsMu.Lock()
	defer c.seedsMu.Unlock()
	r := &c.seeds[i]
	r.Err = ch.err
	r.Redirects = ch.hops
	if ch.first != nil {
		r.Timestamp = warc.Timestamp14(ch.first.Records.Response.Date)
	}
	if f := ch.final; f != nil {
		r.Status = f.Status
		r.FinalURL = ch.finalURL.String()
		r.Truncated = f.Truncated
		if r.Err == nil {
			r.Err = seedProblem(f)
		}
	}
}

// finishPage marks one queued page done.
func (c *crawl) finishPage() {
	c.stats.pagesDone.Add(1)
	c.finish()
}

// finish marks one queued URL done.
func (c *crawl) finish() {
	c.stats.queued.Add(-1)
	c.work.Done()
}

// crawlDelay is the Crawl-delay the host's robots.txt asks of Vellum.
func (c *crawl) crawlDelay(ctx context.Context, u *url.URL) time.Duration {
	if c.cfg.IgnoreRobots {
		return 0
	}
	_, d := c.robots.check(ctx, u)
	return d
}

func isHTML(contentType string) bool {
	ct := strings.ToLower(contentType)
	return strings.HasPrefix(ct, "text/html") || strings.HasPrefix(ct, "application/xhtml+xml")
}

// maxParseBytes is how much of a page or stylesheet is kept in memory for parsing: no more is read.
const maxParseBytes = extract.MaxParseBytes

// readFetched reads a fetched page; a body longer than was kept for parsing is read in part.
func readFetched(f *record.Fetched, pageURL *url.URL, article bool) (*extract.Page, error) {
	p, err := extract.ReadPage(f.Entity, f.Header.Get("Content-Encoding"), f.Header.Get("Content-Type"), pageURL, article)
	if err == nil && f.EntityCut {
		p.SetEntityCut(keptOnly(len(f.Entity)))
	}
	return p, err
}

// keptOnly is the reason a body was read in part when only n bytes of it were kept.
func keptOnly(n int) string {
	return fmt.Sprintf("only the first %d bytes of the body (as sent) were kept for parsing", n)
}
