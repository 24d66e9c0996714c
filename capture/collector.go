package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/vellumhq/vellum/capture/extract"
	"github.com/vellumhq/vellum/capture/frontier"
	"github.com/vellumhq/vellum/capture/record"
	"github.com/vellumhq/vellum/internal/pause"
)

// The run's fetches all go through one colly.Collector: pages, requisites,
// robots.txt files and every redirect hop. Vellum's own scheduler (host
// lanes, the requisite pool, the robots cache, the visited set, the
// frontier) decides what is fetched and when, and calls Collector.Request;
// Colly builds the request, runs the callbacks (ours and those a program
// embedding Vellum adds) and follows redirects through our redirect handler;
// the recording transport under it writes every exchange.
//
// Colly runs synchronously here (no Async): the transport, the redirect
// handler and the callbacks of a fetch all run in the goroutine that called
// Collector.Request. A fetch's state (fetchJob) is therefore touched by one
// goroutine at a time, and is found from a header that only the transport
// sees: Colly gives the http.Request a collector-wide context, so
// colly.Request.Ctx never reaches the transport, while headers set for the
// request reach it and are copied by the redirect client to every hop.

// fetchHeader carries a fetch's ID from Collector.Request to the transport,
// which removes it before anything is written: it is never on the wire.
const fetchHeader = "X-Vellum-Fetch" // canonical form, so the map is indexed directly

// pageKey is the colly.Context key of the page a fetch is for; callbacks'
// requests (Request.Visit) descend from it.
const pageKey = "vellum.page"

// errUnscheduled is the error of a request that did not come from Vellum's
// scheduler; OnRequest aborts such requests before they reach the transport.
var errUnscheduled = errors.New("request outside Vellum's scheduler")

// errAborted is the failure of a fetch that a Collector callback aborted.
var errAborted = errors.New("aborted by a Collector callback")

// ErrExcluded is the failure of a URL that an --exclude pattern names.
var ErrExcluded = errors.New("excluded by --exclude")

type fetchKind uint8

const (
	fetchPage fetchKind = iota
	fetchRequisite
	fetchRobots
	fetchBrowser // a request of the browser, through its proxy
)

// fetchJob is one URL fetched through the collector, redirects and retries
// included.
type fetchJob struct {
	id       string
	kind     fetchKind
	run      context.Context // the run's (or the robots fetch's) context
	referer  string          // "" for pages and robots.txt
	hopDelay time.Duration   // pause before each redirect hop (pages)
	page     *pageJob        // the page fetched (pages only)

	// A request of the browser: its method, body and header as the browser
	// sent them, and where the response goes as it arrives.
	method        string
	body          io.Reader
	browserHeader http.Header
	length        int64 // of body, as the browser said (-1: unknown)
	to            func(*http.Response) io.Writer

	ch      chain
	inChain map[string]bool
	cur     *url.URL           // the hop under way
	hop     context.Context    // cur's time limit (Limits.Timeout), its retries included
	stop    context.CancelFunc // ends hop
	tries   int                // retries of cur so far

	// The latest attempt: its response or error.
	got *record.Fetched
	err error

	// Set by OnResponse or OnError: fetch cur again after wait.
	again bool
	wait  time.Duration
}

// startHop makes u the hop under way, with a time limit of its own.
func (j *fetchJob) startHop(u *url.URL, limit time.Duration) {
	if j.stop != nil {
		j.stop()
	}
	j.cur, j.tries, j.got, j.err = u, 0, nil, nil
	j.hop, j.stop = record.WithTimeLimit(j.run, limit)
}

// settle makes the latest attempt's response the chain's latest hop.
func (j *fetchJob) settle() {
	if j.got == nil {
		return
	}
	if j.ch.first == nil {
		j.ch.first = j.got
	}
	j.ch.final, j.ch.finalURL = j.got, j.cur
}

// header is the request header of the job's first hop.
func (j *fetchJob) header(userAgent string) http.Header {
	if j.browserHeader != nil {
		h := j.browserHeader.Clone()
		h[fetchHeader] = []string{j.id}
		return h
	}
	accept := acceptAny
	switch j.kind {
	case fetchPage:
		accept = acceptPage
	case fetchRobots:
		accept = "text/plain,*/*"
	}
	h := http.Header{
		fetchHeader:       {j.id},
		"User-Agent":      {userAgent},
		"Accept":          {accept},
		"Accept-Encoding": {"gzip"},
		"Accept-Language": {"en-US,en;q=0.9"},
	}
	if j.referer != "" {
		h["Referer"] = []string{j.referer}
	}
	return h
}

// fetches finds the state of each fetch under way by its ID.
type fetches struct {
	seq  atomic.Uint64
	jobs sync.Map // id -> *fetchJob
}

func (f *fetches) add(j *fetchJob) {
	j.id = strconv.FormatUint(f.seq.Add(1), 36)
	f.jobs.Store(j.id, j)
}

func (f *fetches) remove(j *fetchJob) { f.jobs.Delete(j.id) }

// of returns the fetch a request header belongs to, or nil.
func (f *fetches) of(h http.Header) *fetchJob {
	ids := h[fetchHeader]
	if len(ids) == 0 {
		return nil
	}
	j, _ := f.jobs.Load(ids[0])
	jj, _ := j.(*fetchJob)
	return jj
}

// newCollector builds the run's collector. Each setting that Colly
// defaults otherwise would damage the archive or go around the scheduler.
func (c *crawl) newCollector(ctx context.Context, jar http.CookieJar) *colly.Collector {
	// Built with Init rather than colly.NewCollector, which applies COLLY_*
	// environment variables over its options (colly.go:318): nothing in the
	// environment may change what is archived.
	co := &colly.Collector{}
	co.Init()
	co.Context = ctx
	co.UserAgent = c.cfg.UserAgent
	// Colly cuts bodies at 10 MiB by default, silently; the transport has
	// the limits (and records the cut-off).
	co.MaxBodySize = 0
	// Its robots cache never expires, ignores Crawl-delay and redirect
	// hops: ours is checked in OnRequest and in the redirect handler.
	co.IgnoreRobotsTxt = true
	// Its visited key keeps the fragment and it has no acknowledgement: our
	// claim set and frontier decide what is fetched once.
	co.AllowURLRevisit = true
	// Otherwise a 204, a 404 or a 503 goes to OnError rather than being a
	// response like any other (colly.go:1310).
	co.ParseHTTPErrorResponse = true
	co.DetectCharset = false
	co.CacheDir = ""
	co.Async = false // a goroutine per URL: our lanes and pool bound the work
	co.DisallowedURLFilters = c.cfg.Exclude
	co.WithTransport(collyTransport{c})
	co.SetCookieJar(jar)
	// Its client gives up after 10 s by default; the transport has the time
	// limits (and records a cut-off as WARC-Truncated: time).
	co.SetRequestTimeout(0)
	co.SetRedirectHandler(c.redirect)
	co.OnRequest(c.onRequest)
	co.OnResponse(c.onResponse)
	co.OnError(c.onError)
	return co
}

// fetch fetches u through the collector and follows its redirects, each hop
// its own recorded exchange, hopDelay apart. A hop back to a URL of the same
// chain is a redirect loop, unless the redirect set a cookie: a site
// checking for cookies redirects a page to itself, and a browser then gets
// the page (the hop limit still bounds such a chain). A hop to a URL this
// run fetched elsewhere ends the chain there.
//
// A hop is fetched again after a 429, a 5xx, a timeout or a reset, up to
// cfg.Retries more times with growing pauses (or as long as Retry-After
// asks, when that is not too long). Limits.Timeout bounds each hop with its
// retries: a pause that would outlast it ends the retries with the last
// attempt's outcome.
func (c *crawl) fetch(ctx context.Context, kind fetchKind, u *url.URL, referer string, hopDelay time.Duration, page *pageJob) chain {
	j := &fetchJob{kind: kind, run: ctx, referer: referer, hopDelay: hopDelay, page: page, inChain: map[string]bool{u.String(): true}}
	return c.runFetch(j, u)
}

// runFetch carries out the fetch j of u (see fetch).
func (c *crawl) runFetch(j *fetchJob, u *url.URL) chain {
	j.startHop(u, c.cfg.Limits.Timeout)
	c.fetches.add(j)
	defer func() {
		c.fetches.remove(j)
		j.stop()
	}()
	var cctx *colly.Context
	if j.page != nil && c.cfg.Collector != nil { // for the callbacks' requests (adopt)
		cctx = colly.NewContext()
		cctx.Put(pageKey, j.page)
	}
	method := http.MethodGet
	if j.method != "" {
		method = j.method
	}
	for {
		j.again = false
		err := c.coll.Request(method, j.cur.String(), j.body, cctx, j.header(c.cfg.UserAgent))
		if !j.again {
			switch {
			case j.ch.err != nil:
			case j.err != nil:
				j.ch.err = j.err
			case err != nil && j.got == nil: // refused before any exchange
				j.ch.err = collyError(err)
			case j.got == nil: // a callback's Abort
				j.ch.err = errAborted
			default: // a redirect not followed (claimed elsewhere, excluded) ends the chain there
				j.settle()
			}
			return j.ch
		}
		c.log.Debug("retrying", "url", j.cur.String(), "attempt", j.tries, "wait", j.wait, "err", j.err)
		if !pause.For(j.hop, j.wait) {
			if record.TimeLimitReached(j.hop) {
				if j.ch.err = j.err; j.err == nil {
					j.settle()
				}
			} else {
				j.ch.err = j.run.Err()
			}
			return j.ch
		}
	}
}

// collyError is the error Collector.Request returned before any exchange.
func collyError(err error) error {
	if errors.Is(err, colly.ErrForbiddenURL) {
		return ErrExcluded
	}
	return err
}

// onRequest checks robots.txt for a fetch's first hop and adopts requests
// that callbacks made.
func (c *crawl) onRequest(r *colly.Request) {
	j := c.fetches.of(*r.Headers)
	if j == nil {
		r.Abort()
		c.adopt(r)
		return
	}
	// The body Colly gets is UTF-8 already (decoded as the page says, <meta>
	// included): it must not decode it a second time.
	r.ResponseCharacterEncoding = "utf-8"
	if j.kind == fetchRobots || c.cfg.IgnoreRobots || j.ch.hops > 0 || j.tries > 0 {
		return
	}
	if err := c.robots.refusal(j.run, j.cur); err != nil {
		j.ch.err = err
		r.Abort()
	}
}

// adopt queues, as a page of the run, a page that a callback asked Colly to
// visit (Request.Visit in an OnHTML rule): it goes through the lanes, robots
// and the frontier like any page. It counts as a link of the page whose
// callback found it: --depth and --max-pages apply (and --exclude, which
// Colly checked), --scope and --include do not, the callback being the
// program's own link rule.
func (c *crawl) adopt(r *colly.Request) {
	parent, _ := r.Ctx.GetAny(pageKey).(*pageJob)
	u, ok := parseLink(r.URL.String())
	switch {
	case parent == nil || !ok:
		c.log.Warn("not fetched: a collector request outside the callbacks of a page of the run", "url", r.URL.String())
	case c.cfg.Frontier != nil:
		if parent.depth < c.cfg.Depth && c.claim(u) {
			c.share(c.runCtx, []frontier.Item{pageItem(u, parent.scope, parent.depth+1, -1)})
		}
	case parent.depth < c.cfg.Depth && c.claimPage(u):
		c.pushPage(c.runCtx, pageJob{u: u, scope: parent.scope, depth: parent.depth + 1, seed: -1})
	}
}

// onResponse plans a retry after a 429 or a 5xx, or a response cut by a
// lost connection.
func (c *crawl) onResponse(r *colly.Response) {
	j := c.fetches.of(*r.Request.Headers)
	if j == nil || j.got == nil {
		return
	}
	if retryableStatus(j.got.Status) || j.got.Truncated == "disconnect" {
		c.planRetry(j, j.got.Header.Get("Retry-After"))
	}
}

// onError plans a retry after a timeout or a reset. (A redirect to a URL
// that --exclude names comes here too, and ends the chain at the redirect.)
func (c *crawl) onError(r *colly.Response, _ error) {
	j := c.fetches.of(*r.Request.Headers)
	if j == nil || j.ch.err != nil {
		return
	}
	if j.err != nil && retryableErr(j.err) {
		c.planRetry(j, "")
	}
}

// planRetry asks for cur again, unless the retries are spent, the hop's
// time is up or would be before the pause ends, or the server asks for a
// longer pause than cfg.MaxRetryWait.
func (c *crawl) planRetry(j *fetchJob, retryAfterValue string) {
	if j.kind == fetchBrowser || j.tries >= c.cfg.Retries || j.hop.Err() != nil { // the browser retries for itself
		return
	}
	wait := c.cfg.RetryBackoff << j.tries
	wait += time.Duration(rand.Int64N(int64(wait)/4 + 1))
	if ra, ok := retryAfter(retryAfterValue, time.Now()); ok {
		if ra > c.cfg.MaxRetryWait {
			return
		}
		wait = ra
	}
	if deadline, _ := j.hop.Deadline(); wait >= time.Until(deadline) {
		return
	}
	j.tries++
	j.again, j.wait = true, wait
}

// redirect is the collector's redirect handler: it applies the chain's
// rules to the hop the client is about to make (Colly has already refused a
// hop that --exclude names).
func (c *crawl) redirect(req *http.Request, via []*http.Request) error {
	j := c.fetches.of(req.Header)
	if j == nil {
		return errUnscheduled
	}
	j.settle()
	if j.kind == fetchBrowser {
		return http.ErrUseLastResponse // the browser follows redirects itself
	}
	from, next := j.cur, normalize(req.URL)
	cookie := j.got != nil && len(j.got.Header.Values("Set-Cookie")) > 0
	switch {
	case j.ch.hops == maxRedirects:
		if j.kind == fetchRobots {
			return http.ErrUseLastResponse
		}
		j.ch.err = fmt.Errorf("redirect loop: stopped after %d hops at %s", maxRedirects, from)
		return j.ch.err
	case j.inChain[next.String()] && (!cookie || j.kind == fetchRobots):
		if j.kind == fetchRobots {
			return http.ErrUseLastResponse
		}
		j.ch.err = fmt.Errorf("redirect loop: %s redirects back to %s", from, next)
		return j.ch.err
	case !j.inChain[next.String()] && !c.claimHop(j.run, next):
		return http.ErrUseLastResponse
	}
	j.inChain[next.String()] = true
	j.ch.hops++
	if !pause.For(j.run, j.hopDelay) {
		j.ch.err = j.run.Err()
		return j.ch.err
	}
	if j.kind != fetchRobots && !c.cfg.IgnoreRobots {
		if err := c.robots.refusal(j.run, next); err != nil {
			j.ch.err = err
			return err
		}
	}
	j.startHop(next, c.cfg.Limits.Timeout)
	return nil
}

// collyTransport is the collector's transport: it finds the fetch a request
// belongs to, fetches the hop under way through the recording transport
// (or reads it back from a resumed run's WARC) and hands Colly the response.
type collyTransport struct{ c *crawl }

func (t collyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c := t.c
	j := c.fetches.of(req.Header)
	if j == nil {
		return nil, errUnscheduled
	}
	out := req.WithContext(j.hop) // a shallow copy: its header is replaced below, never changed in place
	out.URL = j.cur               // ours, not Colly's re-serialisation of it
	if req.Header.Get("Host") == "" {
		out.Host = "" // from out.URL
	}
	out.Header = make(http.Header, len(req.Header))
	for k, vs := range req.Header {
		if k != fetchHeader {
			out.Header[k] = vs
		}
	}
	switch {
	case j.kind == fetchBrowser:
		// Exactly what the browser sent: not the collector jar's cookies,
		// and the body framed as the browser framed it.
		out.Header = j.browserHeader.Clone()
		out.ContentLength = j.length
	// The Referer is the page's on every hop, as a browser sends it (Go's
	// client would name the hop before).
	case j.referer != "":
		out.Header.Set("Referer", j.referer)
	default:
		out.Header.Del("Referer")
	}
	tr := c.pageT
	if j.kind == fetchRequisite || j.kind == fetchBrowser {
		tr = c.reqT
	}
	j.got, j.err = c.exchange(j.hop, tr, out, j.to)
	if j.err != nil {
		return nil, j.err
	}
	return c.responseFor(j, req), nil
}

// responseFor is what Colly gets of the latest exchange: its status and
// header (without a Location the chain does not follow) and, when callbacks
// of a program embedding Vellum may read it, an HTML page's body as UTF-8.
// Colly reads every body to its end (http_backend.go:217): others get none.
func (c *crawl) responseFor(j *fetchJob, req *http.Request) *http.Response {
	f := j.got
	h := f.Header
	if !followable(f, j.cur) {
		h = h.Clone()
		h.Del("Location")
	}
	var body []byte
	if c.cfg.Collector != nil && j.kind == fetchPage && f.Entity != nil && isHTML(f.Header.Get("Content-Type")) {
		body, _ = extract.UTF8Page(f.Entity, f.Header.Get("Content-Encoding"), f.Header.Get("Content-Type"))
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", f.Status, http.StatusText(f.Status)),
		StatusCode:    f.Status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
		// Decoded already, or empty: Colly must not gunzip it.
		Uncompressed: true,
	}
}

// followable says whether a response is a redirect the chain follows: a
// 3xx (but 304) whose Location is an http or https URL.
func followable(f *record.Fetched, u *url.URL) bool {
	loc := f.Header.Get("Location")
	if f.Status < 300 || f.Status > 399 || f.Status == http.StatusNotModified || loc == "" {
		return false
	}
	next, err := u.Parse(loc)
	return err == nil && (next.Scheme == "http" || next.Scheme == "https")
}

// exchange fetches one hop through t and records it, or reads a resumed
// run's own capture of it back from its WARC file.
func (c *crawl) exchange(ctx context.Context, t *record.Transport, req *http.Request, to func(*http.Response) io.Writer) (*record.Fetched, error) {
	u := req.URL
	if c.archive != nil && to == nil {
		if f, ok := c.archive.fetch(ctx, u, c.cfg.Limits, c.prior); ok {
			return f, nil
		}
	}
	f, err := t.FetchTo(req, func(r *http.Response) bool {
		return IsParseable(r.Header.Get("Content-Type")) || strings.HasSuffix(u.Path, "/robots.txt")
	}, to)
	if r, ok := guardRefusal(err); ok {
		return nil, r
	}
	if err != nil {
		return nil, err
	}
	c.stats.bytes.Add(f.Size)
	if f.Records.Revisit {
		c.stats.revisits.Add(1)
	}
	return f, nil
}
