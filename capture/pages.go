package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vellumhq/vellum/capture/browser"
	"github.com/vellumhq/vellum/capture/extract"
	"github.com/vellumhq/vellum/capture/frontier"
	"github.com/vellumhq/vellum/capture/record"
	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/pause"
	"github.com/vellumhq/vellum/warc"
)

// pageJob is a page to fetch: a seed or a link within scope.
type pageJob struct {
	u     *url.URL
	scope *url.URL // the seed it descends from, for scope checks
	depth int
	seed  int // index into the seeds; -1 for a linked page
	// browse is why the page is loaded in the browser: "asked" (--browser),
	// or, with --browser=auto, what its static capture showed; "" = static.
	browse string
	again  bool // a page captured statically already, loaded in the browser now (--browser=auto)
	// staticMeta is the metadata of the page's static capture, written only
	// when the browser fails it: one metadata record a page.
	staticMeta *pendingMeta
	claim      *frontier.Claim // the page's claim on a shared frontier; nil otherwise
}

// pendingMeta is a metadata record not written yet: the browser's capture
// takes its place, or, when that does not come, it is written as the page
// is finished.
type pendingMeta struct {
	url, concurrentTo string
	date              time.Time
	block             []byte
	taken             atomic.Bool
}

// take says whether the caller is the one to decide what becomes of it.
func (m *pendingMeta) take() bool { return m != nil && m.taken.CompareAndSwap(false, true) }

// parseItem is a fetched HTML page waiting to be parsed.
type parseItem struct {
	job      pageJob
	ch       chain
	rendered *browser.Page // the page as the browser rendered it; nil for a static capture
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
			c.fetchPage(ctx, j, 0, func() {})
			continue
		}
		l.polite.Lock()
		if !pause.For(ctx, time.Until(l.next)) {
			l.polite.Unlock()
			c.finishPageJob(ctx, j)
			return
		}
		// The next page's wait starts when this one is fetched, not parsed.
		c.fetchPage(ctx, j, delay, func() {
			l.next = time.Now().Add(delay)
			l.polite.Unlock()
		})
	}
}

// fetchPage fetches a page, or loads it in the browser, calls fetched,
// and hands the page on.
func (c *crawl) fetchPage(ctx context.Context, j pageJob, delay time.Duration, fetched func()) {
	if j.browse == "" && c.browsing != nil && c.cfg.Browser.Mode == BrowserOn {
		j.browse = "asked"
	}
	if j.browse == "" {
		ch := c.fetch(ctx, fetchPage, j.u, "", delay, &j)
		fetched()
		c.pageFetched(ctx, j, ch, nil)
		return
	}
	var refused error
	switch {
	case c.excluded(j.u):
		refused = ErrExcluded
	case !c.cfg.IgnoreRobots:
		refused = c.robots.refusal(ctx, j.u)
	}
	if refused != nil {
		fetched()
		c.pageFetched(ctx, j, chain{err: refused}, nil)
		return
	}
	c.stats.browsed.Add(1)
	c.log.Info("loading the page in the browser", "url", j.u.String(), "why", j.browse)
	ch, p := c.browse(ctx, j)
	fetched()
	if j.again && (ch.err != nil || ch.final == nil || seedProblem(ch.final) != nil) {
		// Captured statically already: the browser's failure (or an error
		// page on the second load) costs the page nothing.
		if ctx.Err() == nil {
			c.log.Warn("page not loaded in the browser; its static capture stands", "url", j.u.String(), "err", ch.err)
		}
		c.finishPageJob(ctx, j)
		return
	}
	c.pageFetched(ctx, j, ch, p)
}

// pageFetched records the outcome of a page and hands HTML to the parsers.
func (c *crawl) pageFetched(ctx context.Context, j pageJob, ch chain, rendered *browser.Page) {
	if j.seed >= 0 {
		c.setSeed(j.seed, ch, j.browse)
	}
	if err := pageProblem(ch); err != nil && ctx.Err() == nil { // a run being stopped is not the site's failure
		c.missed(j.u.String(), kindPage, err)
		// A seed's failure is reported with the seed; a skip is no failure.
		if j.seed < 0 && !errors.Is(err, ErrRobots) {
			c.log.Warn("page failed", "url", j.u.String(), "err", err)
		}
	}
	if ch.final == nil || ch.err != nil { // a chain that failed (a loop, a hop refused) archived its hops but is no page
		c.markDone(ctx, j, nil)
		c.finishPageJob(ctx, j)
		return
	}
	parseable := ch.final.Entity != nil || (rendered != nil && rendered.HTML != "")
	if !parseable || !isHTML(ch.final.Header.Get("Content-Type")) {
		c.markDone(ctx, j, c.classify(ctx, ch, nil))
		c.finishPageJob(ctx, j)
		return
	}
	select {
	case c.parses <- parseItem{job: j, ch: ch, rendered: rendered}:
	case <-ctx.Done():
		c.finishPageJob(ctx, j)
	}
}

// writeStaticMeta writes the metadata of a page's static capture that was
// held back for its browser capture, unless that capture took its place.
func (c *crawl) writeStaticMeta(ctx context.Context, j pageJob) {
	m := j.staticMeta
	if !m.take() {
		return
	}
	if _, err := c.rec.WriteMetadata(m.url, m.date, m.concurrentTo, m.block); err != nil && ctx.Err() == nil {
		c.log.Error("metadata record not written", "url", m.url, "err", err)
	}
}

// finishPageJob marks one queued page done; a page loaded in the browser
// after its static capture is no page more.
func (c *crawl) finishPageJob(ctx context.Context, j pageJob) {
	if j.again {
		c.writeStaticMeta(ctx, j)
		c.finish()
		return
	}
	c.doneShared(ctx, j.claim)
	c.finishPage()
}

// pushBrowse queues a page captured statically to be loaded in the browser
// (--browser=auto), in its host's lane like any page.
func (c *crawl) pushBrowse(ctx context.Context, j pageJob, why string) {
	j.browse, j.again = why, true
	c.work.Add(1)
	c.stats.queued.Add(1)
	c.lanesMu.Lock()
	l := c.lanes[j.u.Host]
	c.lanesMu.Unlock()
	l.q.push(j)
}

func (c *crawl) parseLoop(ctx context.Context) {
	for {
		select {
		case p := <-c.parses:
			c.markDone(ctx, p.job, c.parsePage(ctx, p))
			c.finishPageJob(ctx, p.job)
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
	// page's CPU) would be wasted on it — but not on a page the browser
	// rendered, whose scripts may have brought new text.
	fresh := !f.Records.Revisit || p.rendered != nil
	var page *extract.Page
	var err error
	if p.rendered != nil {
		page, err = extract.ReadPage([]byte(p.rendered.HTML), "", "text/html; charset=utf-8", pageURL, true)
		c.writeScreenshot(ctx, pageURL, f, p.rendered)
	} else {
		page, err = readFetched(f, pageURL, fresh)
	}
	if err != nil {
		c.log.Warn("cannot decode page", "url", pageURL.String(), "err", err)
		return c.classify(ctx, p.ch, nil)
	}
	if cut := page.Cut(); cut != "" {
		c.log.Warn("page read in part: links after the cut are not followed", "url", pageURL.String(), "reason", cut)
	}
	links := page.Links()
	c.queueRequisites(ctx, links.Requisites, pageURL)
	if p.job.depth < c.cfg.Depth && !p.job.again {
		var found []frontier.Item // for a shared frontier, added at once
		for _, s := range links.Outlinks {
			u, ok := parseLink(s)
			if !ok || !c.cfg.Scope.Contains(p.job.scope, u) || !c.follows(u) {
				continue
			}
			if c.cfg.Frontier != nil { // its visited set and budget decide; ours only saves asking twice
				if c.claim(u) {
					found = append(found, pageItem(u, p.job.scope, p.job.depth+1, -1))
				}
				continue
			}
			if c.claimPage(u) {
				c.pushPage(ctx, pageJob{u: u, scope: p.job.scope, depth: p.job.depth + 1, seed: -1})
			}
		}
		c.share(ctx, found)
	}
	if !fresh {
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
	p.job.staticMeta.take() // the browser's metadata takes the place of the static capture's
	resp := f.Records.Response
	if p.rendered == nil && c.browsing != nil && c.cfg.Browser.Mode == BrowserAuto {
		if why := browseReason(page.ScriptHints(), md.Text); why != "" {
			// The browser's capture will have the page's metadata.
			j := p.job
			j.staticMeta = &pendingMeta{url: pageURL.String(), concurrentTo: f.Records.ResponseID, date: resp.Date, block: block}
			c.pushBrowse(ctx, j, why)
			return change
		}
	}
	if _, err := c.rec.WriteMetadata(pageURL.String(), resp.Date, f.Records.ResponseID, block); err != nil && ctx.Err() == nil {
		c.log.Error("metadata record not written", "url", pageURL.String(), "err", err)
	}
	return change
}

// writeScreenshot writes the screenshot of a page the browser rendered as
// a resource record at urn:view:<page URL>, concurrent to its response.
func (c *crawl) writeScreenshot(ctx context.Context, pageURL *url.URL, f *record.Fetched, p *browser.Page) {
	if len(p.Screenshot) == 0 {
		return
	}
	resp := f.Records.Response
	if _, err := c.rec.WriteResource(warc.ViewURI(pageURL.String()), resp.Date, f.Records.ResponseID, "image/png", p.Screenshot); err != nil && ctx.Err() == nil {
		c.log.Error("screenshot not written", "url", pageURL.String(), "err", err)
	}
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
	case f.Records.Revisit && text == nil: // a browser's page is compared by its rendered text
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
func (c *crawl) markDone(ctx context.Context, j pageJob, change *index.Change) {
	if j.again {
		return // its static capture was marked done, and counted
	}
	c.markURLDone(ctx, j.u, change)
}

// markURLDone is markDone of any URL.
func (c *crawl) markURLDone(ctx context.Context, u *url.URL, change *index.Change) {
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

func (c *crawl) setSeed(i int, ch chain, browse string) {
	c.seedsMu.Lock()
	defer c.seedsMu.Unlock()
	r := &c.seeds[i]
	r.Browser = browse
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
