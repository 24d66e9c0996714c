package capture

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/vellumhq/vellum/capture/frontier"
)

// A run on a shared frontier (Config.Frontier, --frontier) is one run
// across many workers. This worker then has no lanes and no requisite pool
// of its own: its claim loops take pages and requisites from the frontier
// (Next), which keeps one page of a host at a time cluster-wide with the
// delay after it, and the visited set and page budget of the whole run.
// Requisites go through the frontier too (its Requisite kind), so that a
// stylesheet the pages of two workers share is fetched once per run, not
// once per worker. What a page leads to is added before the page is Done,
// so the frontier never looks drained while a page's links are unread.

// Frontier is what the engine needs of a run's shared frontier;
// capture/frontier's Redis satisfies it.
type Frontier interface {
	// Join registers the worker (its files open); its lease starts.
	Join(ctx context.Context, worker string) error
	// Keepalive renews the worker's lease until ctx ends (nil) or the
	// lease is lost (frontier.ErrLeaseLost).
	Keepalive(ctx context.Context, worker string) error
	// Add queues the items the run has not seen.
	Add(ctx context.Context, items ...frontier.Item) ([]bool, error)
	// Next waits for a claim: frontier.ErrDrained when there will be none.
	Next(ctx context.Context, worker string) (frontier.Claim, error)
	// Fetched ends a page's turn of its host; the next may start after delay.
	Fetched(ctx context.Context, c frontier.Claim, delay time.Duration) error
	// Done finishes a claim, after what it led to was added.
	Done(ctx context.Context, c frontier.Claim) error
	// Visit marks a URL seen without queueing it (a redirect's hop in the
	// fetch of claim claimID, "" for none); false: the run has it already.
	Visit(ctx context.Context, claimID, u string) (bool, error)
	// Leave unregisters the worker once its files are closed.
	Leave(ctx context.Context, worker string) error
	// ShareFirst says whether this worker is the first of the run to ask
	// for key (then it makes the value); Share keeps a small value for
	// the whole run under key (a host's robots.txt as its first worker
	// fetched it); Shared reads it: false while there is none.
	ShareFirst(ctx context.Context, key, worker string) (bool, error)
	Share(ctx context.Context, key string, value []byte) error
	Shared(ctx context.Context, key string) ([]byte, bool, error)
}

// DefaultWorker is a worker's name unless Config.Worker gives one: the
// host's name, the process ID and a random part, unique on one machine and
// across them, and to each start of a process (a container restarted keeps
// its host name and, as PID 1, its process ID: the files, claims and
// given-back URLs of its dead run must not be taken for its own).
func DefaultWorker() string { return defaultWorker }

var defaultWorker = func() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "worker"
	}
	var b [2]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%x", host, os.Getpid(), b)
}()

// worker is this worker's name, made fit for a file name: letters, digits,
// dots and dashes (index.RunOfFile reads it back out of the name).
func (c Config) worker() string {
	w := c.Worker
	if w == "" {
		w = DefaultWorker()
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		}
		return '-'
	}, w)
}

// warcPrefix starts the names of the run's WARC files: the run ID, and on
// a shared frontier the worker's name after it, so the files of a run's
// workers never collide (<run id>-<worker>-<serial>.warc.gz).
func (c Config) warcPrefix() string {
	if c.Frontier == nil {
		return c.RunID
	}
	return c.RunID + "-" + c.worker()
}

// lease is a worker's lease on the shared frontier, renewed from the
// start of its Run (before the archive's repair, which may take long: a
// run just started must not look abandoned to a worker starting next) to
// its end, when its files are closed.
type lease struct {
	stop context.CancelFunc
	done chan struct{} // closed when Keepalive returned
	err  error         // Keepalive's error (the lease lost); read after done
}

// keepLease joins the worker to the shared frontier and renews its lease
// until end.
func keepLease(ctx context.Context, f Frontier, worker string) (*lease, error) {
	if err := f.Join(ctx, worker); err != nil {
		return nil, err
	}
	ctx, stop := context.WithCancel(ctx)
	l := &lease{stop: stop, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		l.err = f.Keepalive(ctx, worker)
	}()
	return l, nil
}

// end stops the renewals and waits for them.
func (l *lease) end() {
	l.stop()
	<-l.done
}

// runShared adds the seeds to the shared frontier and fetches what it
// hands this worker until the run is drained (or stopped), then waits for
// the pages being parsed.
func (c *crawl) runShared(ctx context.Context, seeds []frontier.Item) {
	w := c.cfg.worker()
	c.spawn(func() { // a lost lease stops the run
		select {
		case <-c.lease.done:
			if c.lease.err != nil {
				c.sharedFailed(ctx, c.lease.err)
			}
		case <-ctx.Done():
		}
	})
	// Every worker adds the seeds: the visited set keeps them once, and a
	// worker that starts first never finds the run drained before them.
	c.share(ctx, seeds)
	var claiming sync.WaitGroup
	for range c.cfg.Workers {
		claiming.Add(1)
		c.spawn(func() {
			defer claiming.Done()
			c.claimLoop(ctx, w)
		})
	}
	drained := make(chan struct{})
	go func() { // not waited for when the run is stopped, as run's own c.work.Wait
		claiming.Wait()
		c.work.Wait() // pages still being parsed
		close(drained)
	}()
	select {
	case <-drained:
	case <-ctx.Done():
	}
	close(c.done)
}

// claimLoop fetches what the frontier hands this worker: a page in its
// host's turn (Fetched when its fetch ends, Done once its links are
// added), or a requisite.
func (c *crawl) claimLoop(ctx context.Context, w string) {
	f := c.cfg.Frontier
	for {
		cl, err := f.Next(ctx, w)
		if errors.Is(err, frontier.ErrDrained) {
			return
		}
		if err != nil {
			c.sharedFailed(ctx, err)
			return
		}
		c.work.Add(1)
		c.stats.queued.Add(1)
		ctx := context.WithValue(ctx, claimKey{}, cl.ID) // for the hops of its fetch (claimHop)
		u, uerr := url.Parse(cl.Item.URL)
		if uerr != nil { // added by this engine, parsed before: not expected
			c.log.Error("a URL of the frontier does not parse", "url", cl.Item.URL, "err", uerr)
			c.doneShared(ctx, &cl)
			c.finish()
			continue
		}
		if cl.Item.Kind == frontier.Requisite {
			c.requisite(ctx, reqJob{u: u, referer: cl.Item.Referer})
			c.doneShared(ctx, &cl)
			c.finish()
			continue
		}
		j := pageJob{u: u, scope: u, depth: cl.Item.Depth, seed: c.seedIndex(cl.Item), claim: &cl}
		if s, err := url.Parse(cl.Item.Scope); err == nil && cl.Item.Scope != "" {
			j.scope = s
		}
		c.stats.pagesFound.Add(1)
		delay := max(c.cfg.Delay, c.crawlDelay(ctx, j.u))
		c.fetchPage(ctx, j, delay, func() {
			if err := f.Fetched(ctx, cl, delay); err != nil {
				c.sharedFailed(ctx, err)
			}
		})
	}
}

// seedIndex is the index of the seed an item is, when it is one of this
// worker's seeds; -1 otherwise (a worker given other seeds for the run).
func (c *crawl) seedIndex(it frontier.Item) int {
	if it.Seed < 0 || it.Seed >= len(c.seeds) || c.seeds[it.Seed].URL == nil || c.seeds[it.Seed].URL.String() != it.URL {
		return -1
	}
	return it.Seed
}

// pageItem is a page as the frontier keeps it.
func pageItem(u, scope *url.URL, depth, seed int) frontier.Item {
	return frontier.Item{URL: u.String(), Kind: frontier.Page, Depth: depth, Seed: seed, Scope: scope.String()}
}

// share adds items to the shared frontier.
func (c *crawl) share(ctx context.Context, items []frontier.Item) {
	if len(items) == 0 {
		return
	}
	if _, err := c.cfg.Frontier.Add(ctx, items...); err != nil {
		c.sharedFailed(ctx, err)
	}
}

// doneShared finishes a claim, unless the run is stopping: then what it
// led to may not have been added, and Leave gives it back to the queue.
// The claim's records are handed to the file first, as the local
// frontier's barrier does: a URL done has its records in this worker's
// file even if the worker is killed the next moment.
func (c *crawl) doneShared(ctx context.Context, cl *frontier.Claim) {
	if cl == nil || ctx.Err() != nil {
		return
	}
	if err := c.flush(); err != nil {
		c.stopOnFailure(err)
		return
	}
	if err := c.cfg.Frontier.Done(ctx, *cl); err != nil {
		c.sharedFailed(ctx, err)
	}
}

// claimKey is the context key of the ID of the claim a fetch is for: a
// claim given back (its worker died) unvisits the hops its fetch marked,
// for the next fetch of it to follow them again.
type claimKey struct{}

// claimHop claims a redirect's hop: in this run, and on a shared frontier
// for the whole run.
func (c *crawl) claimHop(ctx context.Context, u *url.URL) bool {
	if !c.claim(u) {
		return false
	}
	if c.cfg.Frontier == nil {
		return true
	}
	claimID, _ := ctx.Value(claimKey{}).(string)
	ok, err := c.cfg.Frontier.Visit(ctx, claimID, u.String())
	if err != nil {
		c.sharedFailed(ctx, err)
		return false
	}
	return ok
}

// errLeaseLost is the failure of a worker whose lease on the frontier
// expired: the other workers have its claims by now.
var errLeaseLost = errors.New("this worker's lease on the shared frontier expired (no renewal reached Redis in time): its pages went back to the queue for the other workers, and it stops")

// sharedFailed stops the worker at a frontier step that failed (Redis away
// for longer than the frontier retries, or the lease lost); a run being
// stopped is no failure.
func (c *crawl) sharedFailed(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	if errors.Is(err, frontier.ErrLeaseLost) {
		err = errLeaseLost
	}
	c.stopOnFailure(err)
}

// markElsewhere marks the seeds this worker did not fetch: another worker
// of the run did (or will, when this one stopped early).
func (c *crawl) markElsewhere() {
	if c.cfg.Frontier == nil {
		return
	}
	for i, s := range c.seeds {
		if s.URL != nil && s.Err == nil && s.Status == 0 {
			c.seeds[i].Elsewhere = true
		}
	}
}

// sharedRobotsFile is a host's robots.txt as the worker that fetched it
// for the run left it in the frontier: its fetch failed (Failed: the
// others fetch it themselves, to learn why), or its status and body.
type sharedRobotsFile struct {
	Status int    `json:"s"`
	Body   []byte `json:"b,omitempty"`
	Failed bool   `json:"f,omitempty"`
}

// sharedRobots is limitedRobots on a shared frontier: a host's robots.txt
// is fetched (and archived) once per run and day, by the first worker to
// need it, which leaves it in the frontier; the others wait for it there
// (the time limit and a little more: its fetcher may have died, and then
// they fetch it themselves, within a time limit of their own) rather than
// fetch and archive it again.
func (c *crawl) sharedRobots(ctx context.Context, u *url.URL) (int, []byte, error) {
	f := c.cfg.Frontier
	if c.excluded(u) {
		return c.limitedRobots(ctx, u)
	}
	// Its redirects are no hops of the page whose check asked for it: a
	// claim given back must not unvisit them (claimHop).
	ctx = context.WithValue(ctx, claimKey{}, "")
	key := fmt.Sprintf("robots %s %d", u, time.Now().Unix()/int64(robotsTTL/time.Second))
	first, err := f.ShareFirst(ctx, key, c.cfg.worker())
	if err != nil {
		c.sharedFailed(ctx, err)
		return 0, nil, err
	}
	if first {
		status, body, err := c.limitedRobots(ctx, u)
		v, _ := json.Marshal(sharedRobotsFile{Status: status, Body: body, Failed: err != nil})
		if serr := f.Share(ctx, key, v); serr != nil {
			c.sharedFailed(ctx, serr)
		}
		return status, body, err
	}
	wait := time.NewTimer(c.cfg.robotsTimeout() + 5*time.Second)
	defer wait.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		v, ok, err := f.Shared(ctx, key)
		if err != nil {
			c.sharedFailed(ctx, err)
			return 0, nil, err
		}
		var got sharedRobotsFile
		if ok && json.Unmarshal(v, &got) == nil {
			if got.Failed {
				return c.limitedRobots(ctx, u)
			}
			return got.Status, got.Body, nil
		}
		select {
		case <-ctx.Done():
			return 0, nil, ctx.Err()
		case <-wait.C:
			c.log.Warn("robots.txt: the worker fetching it for the run left nothing: fetching it here", "url", u.String())
			return c.limitedRobots(ctx, u)
		case <-tick.C:
		}
	}
}
