package capture

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http/cookiejar"
	"net/url"
	"os"
	"sync"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/gocolly/colly/v2"

	"github.com/vellumhq/vellum/capture/frontier"
	"github.com/vellumhq/vellum/capture/record"
	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/internal/layout"
	"github.com/vellumhq/vellum/warc"
)

// Result is the outcome of a run.
type Result struct {
	RunID    string
	Run      index.Run       // the run as recorded in the index and in runs/<id>.json
	Changes  []index.Change  // what the run found of each page it archived
	Problems []index.Problem // each URL the run skipped (robots.txt) or that failed, with the reason
	Seeds    []SeedResult
	Stats    Stats
	Files    []warc.ClosedFile // WARC files written, in order
	Repaired []warc.Repaired   // ".open" files of an earlier crash that this run repaired
	// Part is, on a shared frontier, this worker's own counts: Run's are
	// the sums over the run's workers (totals.go). Nil otherwise.
	Part *WorkerPart
}

// Failed counts the seeds that failed.
func (r *Result) Failed() int {
	n := 0
	for _, s := range r.Seeds {
		if !s.OK() {
			n++
		}
	}
	return n
}

// crawl is the state of one run.
type crawl struct {
	cfg      Config
	log      *slog.Logger
	coll     *colly.Collector  // every fetch goes through it
	fetches  fetches           // the fetches under way, for the collector's transport and callbacks
	pageT    *record.Transport // pages and robots.txt: one connection per host (ConnsPerHost with --delay 0)
	reqT     *record.Transport // cfg.ConnsPerHost connections per host: requisites
	rec      *record.Recorder
	idx      priorIndex
	prior    record.PriorFunc        // latest capture of a URL by another run
	front    *index.FrontierWriter   // the run's claimed and finished URLs, for resuming; nil for an ad-hoc capture
	flush    func() error            // hands the records written so far to the files (FileWriter.Sync)
	lease    *lease                  // this worker's on a shared frontier; nil otherwise
	changes  *syncList[index.Change] // page changes, when there is no frontier to keep them
	problems *problemLog             // URLs skipped or failed
	archive  *archived               // a resumed run's own captures; nil otherwise
	robots   *robotsCache
	stats    *counters
	runCtx   context.Context // the run's, for pages that callbacks queue and the browser's requests
	browsing *browsing       // the browser and its proxy; nil without --browser
	// browserPriors are this run's captures of what the browser fetched
	// besides pages, by URL: the browser asks for a page's stylesheets,
	// scripts and fonts again on every page, and an identical one is then
	// written as a revisit of the run's own capture.
	browserPriors sync.Map

	seenMu sync.Mutex
	seen   map[string]struct{}
	pages  int // pages claimed, for MaxPages

	work    sync.WaitGroup // URLs queued and not yet finished
	workers sync.WaitGroup // goroutines of the run
	done    chan struct{}  // closed when no work is left

	lanesMu sync.Mutex
	lanes   map[string]*lane
	parses  chan parseItem
	reqs    *queue[reqJob]

	seedsMu sync.Mutex
	seeds   []SeedResult

	failMu  sync.Mutex
	failure error              // the first failed write to the archive, which stopped the run
	stopRun context.CancelFunc // ends the run's context (set by run)
}

// Run captures the seeds (and, by cfg, their requisites and linked pages)
// into cfg.Archive. Seeds that fail are reported in the Result; the error is
// for a run that could not happen at all (an unwritable archive, say).
func Run(ctx context.Context, cfg Config, seeds []string) (_ *Result, err error) {
	if cfg.Frontier != nil {
		// Its files closed (or never opened), the worker leaves the run,
		// as it joined it, whatever happened.
		defer func() {
			err = errors.Join(err, cfg.Frontier.Leave(context.WithoutCancel(ctx), cfg.worker()))
		}()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var held *lease // this worker's lease on a shared frontier
	if cfg.Frontier != nil {
		if held, err = keepLease(ctx, cfg.Frontier, cfg.worker()); err != nil {
			return nil, err
		}
		defer held.end() // before the deferred Leave
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.RunID == "" {
		cfg.RunID = NewRunID(time.Now())
	}
	res := &Result{RunID: cfg.RunID}
	idx := cfg.Index
	if idx == nil {
		x, _, err := index.OpenArchive(ctx, cfg.Archive, true)
		if err != nil {
			return nil, err
		}
		defer x.Close()
		idx = x
	}
	abandon := cfg.Abandon
	if abandon != nil && cfg.Frontier != nil {
		abandon = func(ctx context.Context, runID, worker string) ([]string, error) {
			if worker == cfg.worker() { // this worker's own name, given again (Config.Worker): giving its claims back would end its lease
				cfg.Logger.Warn("a file left open under this worker's own name is repaired whole: give each start of a worker a name of its own", "worker", worker)
				return nil, nil
			}
			return cfg.Abandon(ctx, runID, worker)
		}
	}
	if res.Repaired, err = RepairArchive(ctx, cfg.Archive, idx, abandon); err != nil {
		return nil, err
	}
	for _, r := range res.Repaired {
		cfg.Logger.Warn("repaired a WARC file left open by a crash", "file", r.Filename, "records", r.KeptRecords, "trimmed_bytes", r.TrimmedBytes, "left_to_other_workers", r.Dropped)
		repairedClosed(cfg, r)
	}
	// A setting that cannot work (a bad --ca-file) fails before the run starts.
	pageConns := 1
	if cfg.Delay == 0 {
		pageConns = cfg.ConnsPerHost
	}
	pageBase, err := cfg.baseTransport(pageConns)
	if err != nil {
		return nil, err
	}
	reqBase, _ := cfg.baseTransport(cfg.ConnsPerHost)
	book, err := startRun(ctx, idx, cfg, seeds)
	if err != nil {
		return nil, err
	}
	seeds = book.run.Seeds
	var filesMu sync.Mutex
	batch := idx.NewBatcher()
	fw, err := warc.NewFileWriter(warc.FileWriterConfig{
		Root:     cfg.Archive,
		Dir:      layout.Day,
		Prefix:   cfg.warcPrefix(),
		MaxSize:  cfg.MaxFileSize,
		Warcinfo: warcinfo(cfg),
		OnCreate: batch.FileOpened,
		OnClose: func(f warc.ClosedFile) {
			batch.FileClosed(f.Filename)
			filesMu.Lock()
			res.Files = append(res.Files, f)
			filesMu.Unlock()
			if cfg.OnFileClosed != nil {
				cfg.OnFileClosed(f)
			}
		},
	})
	if err != nil {
		return nil, book.abort(context.WithoutCancel(ctx), errors.Join(err, batch.Close()))
	}
	if book.front != nil {
		book.front.SetBarrier(fw.Sync)
	}
	jar, _ := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List})
	c := &crawl{
		cfg:      cfg,
		log:      cfg.Logger.With("component", "capture", "run", cfg.RunID),
		rec:      record.NewRecorder(fw, batchIndex{batch}),
		idx:      idx,
		front:    book.front,
		flush:    fw.Sync,
		lease:    held,
		changes:  book.changes,
		problems: book.missed,
		archive:  book.archive,
		stats:    &counters{start: time.Now()},
		seen:     map[string]struct{}{},
		done:     make(chan struct{}),
		lanes:    map[string]*lane{},
		parses:   make(chan parseItem, cfg.Parsers),
		reqs:     newQueue[reqJob](),
	}
	c.pageT, c.reqT = record.NewTransport(pageBase, c.rec), record.NewTransport(reqBase, c.rec)
	c.pageT.SetLimits(cfg.Limits)
	c.reqT.SetLimits(cfg.Limits)
	robotsFetch := c.limitedRobots
	if cfg.Frontier != nil {
		robotsFetch = c.sharedRobots
	}
	c.robots = newRobotsCache(robotsFetch, c.log)
	hosts := newHostsSeen(idx, cfg.RunID)
	c.prior = func(u string) (record.Prior, bool) {
		if p, ok := c.browserPriors.Load(u); ok {
			return p.(record.Prior), true
		}
		key, err := warc.SURT(u)
		if err != nil || !hosts.captured(context.WithoutCancel(ctx), key) {
			return record.Prior{}, false
		}
		p, ok, err := idx.Latest(context.WithoutCancel(ctx), key, u, cfg.RunID)
		return priorOf(p), ok && err == nil
	}
	c.rec.Dedup(c.prior)
	c.rec.OnFailure(c.stopOnFailure)
	c.coll = c.newCollector(ctx, jar)
	if cfg.Collector != nil {
		cfg.Collector(c.coll)
	}

	if cfg.Browser.Mode != BrowserOff {
		if err := c.startBrowser(ctx); err != nil {
			return nil, book.abort(context.WithoutCancel(ctx), errors.Join(err, fw.Close(), batch.Close()))
		}
	}
	saving := book.saveWhileRunning(ctx, c.stats)
	c.run(ctx, seeds, book.items)
	c.stopBrowser()
	saving()

	c.pageT.CloseIdleConnections()
	c.reqT.CloseIdleConnections()
	closeErr := errors.Join(c.stoppedBy(), fw.Close(), batch.Close())
	c.markElsewhere()
	res.Seeds = c.seeds
	res.Stats = c.stats.snapshot()
	if err := book.finish(context.WithoutCancel(ctx), res, ctx.Err() != nil, closeErr); err != nil {
		closeErr = errors.Join(closeErr, err)
	}
	if cfg.OnProgress != nil {
		cfg.OnProgress(res.Stats)
	}
	if closeErr != nil {
		return res, closeErr
	}
	return res, nil
}

func (c *crawl) run(ctx context.Context, seeds []string, resume []index.FrontierItem) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.failMu.Lock()
	c.stopRun = cancel
	c.failMu.Unlock()
	c.runCtx = ctx
	c.seeds = make([]SeedResult, len(seeds))
	var shared []frontier.Item // the seeds, for a shared frontier
	for i, s := range seeds {
		c.seeds[i].Seed = s
		u, err := ParseSeed(s)
		if err != nil {
			c.seeds[i].Err = err
			c.missed(s, kindPage, err)
			continue
		}
		c.seeds[i].URL = u
		if !c.claim(u) {
			continue // listed twice: it shares the first listing's result
		}
		if c.cfg.Frontier != nil {
			shared = append(shared, pageItem(u, u, 0, i))
			continue
		}
		c.seenMu.Lock()
		c.pages++ // seeds count toward MaxPages (and are always captured)
		c.seenMu.Unlock()
		c.pushPage(ctx, pageJob{u: u, scope: u, seed: i})
	}
	c.resume(ctx, resume)
	for range c.cfg.Parsers {
		c.spawn(func() { c.parseLoop(ctx) })
	}
	if c.cfg.OnProgress != nil {
		c.spawn(func() { c.progressLoop(ctx) })
	}
	if c.cfg.Frontier != nil {
		c.runShared(ctx, shared)
	} else {
		for range c.cfg.Workers {
			c.spawn(func() { c.requisiteLoop(ctx) })
		}
		go func() {
			c.work.Wait()
			close(c.done)
		}()
		select {
		case <-c.done:
		case <-ctx.Done():
		}
	}
	cancel()
	c.workers.Wait()
	c.fillDuplicateSeeds()
}

// stopOnFailure stops the run at the first write to the archive that fails
// (a full disk, say): every later page would fail the same way.
func (c *crawl) stopOnFailure(err error) {
	c.failMu.Lock()
	defer c.failMu.Unlock()
	if c.failure == nil {
		c.failure = err
		if c.stopRun != nil {
			c.stopRun()
		}
	}
}

// stoppedBy returns the failed write that stopped the run, if any; the seeds
// the run did not reach then fail with errNotReached.
func (c *crawl) stoppedBy() error {
	c.failMu.Lock()
	defer c.failMu.Unlock()
	if c.failure == nil {
		return nil
	}
	for i, s := range c.seeds {
		if s.Err == nil && s.Status == 0 && s.URL != nil {
			c.seeds[i].Err = errNotReached
		}
	}
	return c.failure
}

// errNotReached is the error of a seed a run stopped by a failure never got to.
var errNotReached = errors.New("not captured: the run stopped")

func (c *crawl) spawn(f func()) {
	c.workers.Add(1)
	go func() {
		defer c.workers.Done()
		f()
	}()
}

// claim marks u as fetched by this run; false means it already was.
func (c *crawl) claim(u *url.URL) bool {
	key := u.String()
	c.seenMu.Lock()
	defer c.seenMu.Unlock()
	if _, ok := c.seen[key]; ok {
		return false
	}
	c.seen[key] = struct{}{}
	return true
}

// claimPage is claim plus the MaxPages budget.
func (c *crawl) claimPage(u *url.URL) bool {
	c.seenMu.Lock()
	defer c.seenMu.Unlock()
	if c.cfg.MaxPages > 0 && c.pages >= c.cfg.MaxPages {
		return false
	}
	key := u.String()
	if _, ok := c.seen[key]; ok {
		return false
	}
	c.seen[key] = struct{}{}
	c.pages++
	return true
}

func (c *crawl) progressLoop(ctx context.Context) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			c.cfg.OnProgress(c.stats.snapshot())
		case <-c.done:
			return
		case <-ctx.Done():
			return
		}
	}
}

// fillDuplicateSeeds gives a seed listed more than once the result of its
// first listing.
func (c *crawl) fillDuplicateSeeds() {
	first := map[string]int{}
	for i, s := range c.seeds {
		if s.URL == nil {
			continue
		}
		k := s.URL.String()
		if j, ok := first[k]; ok {
			r := c.seeds[j]
			r.Seed = s.Seed
			c.seeds[i] = r
			continue
		}
		first[k] = i
	}
}

// NewRunID makes a run ID from the clock and a little randomness:
// 20261125T083731Z-3f9a.
func NewRunID(t time.Time) string {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

func warcinfo(cfg Config) warc.Header {
	var h warc.Header
	host, _ := os.Hostname()
	robots := "obey"
	if cfg.IgnoreRobots {
		robots = "ignore"
	}
	h.Add("software", "Vellum/"+Version+" (+https://github.com/vellumhq/vellum)")
	h.Add("format", "WARC File Format 1.1")
	h.Add("conformsTo", "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/")
	h.Add("run-id", cfg.RunID)
	if cfg.Job != "" {
		h.Add("job", cfg.Job)
	}
	if cfg.Operator != "" {
		h.Add("operator", cfg.Operator)
	}
	h.Add("hostname", host)
	if cfg.Frontier != nil {
		h.Add("worker", cfg.worker())
	}
	h.Add("robots", robots)
	h.Add("http-header-user-agent", cfg.UserAgent)
	return h
}
