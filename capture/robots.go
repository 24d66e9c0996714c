package capture

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
)

// robotsTTL is how long a robots.txt is trusted before it is fetched again
// (a long-running serve with scheduled jobs would otherwise keep it forever).
const robotsTTL = 24 * time.Hour

// robotsAgent is the product token matched against User-agent lines.
const robotsAgent = "vellum"

// DefaultRobotsTimeout bounds the fetch of one robots.txt unless
// Config.RobotsTimeout says otherwise. Every page of the host waits for it,
// and a few kilobytes of text need no more from a server that works.
const DefaultRobotsTimeout = 30 * time.Second

// ErrRobotsUnreachable is the failure of the URLs of a host whose
// robots.txt could not be fetched: no response within its limit, or a 5xx.
var ErrRobotsUnreachable = errors.New("robots.txt unreachable")

// robotsCache fetches, keeps and applies each host's robots.txt. The fetch
// goes through the crawl's own recording path, so robots.txt files are
// archived like any response.
type robotsCache struct {
	// fetch gets a robots.txt within its time limit (limitedRobots).
	fetch func(ctx context.Context, u *url.URL) (status int, body []byte, err error)
	log   *slog.Logger
	now   func() time.Time

	mu    sync.Mutex
	hosts map[string]*robotsEntry
}

type robotsEntry struct {
	ready   chan struct{} // closed once data is set
	data    *robotsGroup  // written under robotsCache.mu; read freely once ready is closed
	fetched time.Time
}

// robotsGroup is the part of a robots.txt that applies to Vellum.
type robotsGroup struct {
	group       *robotstxt.Group
	all         *robotstxt.RobotsData
	unreachable error // why the file could not be fetched; nil when it was (or answered 4xx)
}

func newRobotsCache(fetch func(context.Context, *url.URL) (int, []byte, error), log *slog.Logger) *robotsCache {
	return &robotsCache{fetch: fetch, log: log, now: time.Now, hosts: map[string]*robotsEntry{}}
}

// check reports whether u may be fetched and the Crawl-delay the host asks
// for. A robots.txt answering 4xx allows everything; one that cannot be
// fetched (a 5xx, or no response within the limit) allows nothing.
func (c *robotsCache) check(ctx context.Context, u *url.URL) (allowed bool, crawlDelay time.Duration) {
	g := c.get(ctx, u)
	if g == nil {
		return false, 0
	}
	return g.allows(u)
}

// refusal says why u may not be fetched: nil when it may, ErrRobots when
// robots.txt disallows it, an error wrapping ErrRobotsUnreachable when the
// host's robots.txt could not be fetched (the SSRF guard's refusal when
// that is why), ctx's error when the run stops first.
func (c *robotsCache) refusal(ctx context.Context, u *url.URL) error {
	g := c.get(ctx, u)
	if ctx.Err() != nil { // stopping: robots.txt may not have been read, nothing was refused
		return ctx.Err()
	}
	if r, ok := guardRefusal(g.unreachable); ok { // the host's address is refused: that is the reason, not its robots.txt
		return r
	}
	if g.unreachable != nil {
		return fmt.Errorf("%w (%v); nothing of its host is fetched this run", ErrRobotsUnreachable, g.unreachable)
	}
	if ok, _ := g.allows(u); !ok {
		return ErrRobots
	}
	return nil
}

func (g *robotsGroup) allows(u *url.URL) (bool, time.Duration) {
	if g.group == nil {
		return g.all.TestAgent(pathAndQuery(u), robotsAgent), 0
	}
	return g.group.Test(pathAndQuery(u)), g.group.CrawlDelay
}

// get returns the robots.txt of u's host, fetching it on first use; nil
// when ctx ends while another caller is fetching it.
func (c *robotsCache) get(ctx context.Context, u *url.URL) *robotsGroup {
	key := u.Scheme + "://" + u.Host
	c.mu.Lock()
	e := c.hosts[key]
	if e != nil && e.data != nil && c.now().Sub(e.fetched) > robotsTTL {
		e = nil
	}
	if e == nil {
		e = &robotsEntry{ready: make(chan struct{})}
		c.hosts[key] = e
		c.mu.Unlock()
		data := c.load(ctx, u)
		c.mu.Lock()
		e.data, e.fetched = data, c.now()
		c.mu.Unlock()
		close(e.ready)
	} else {
		c.mu.Unlock()
		select {
		case <-e.ready:
		case <-ctx.Done():
			return nil
		}
	}
	return e.data
}

func (c *robotsCache) load(ctx context.Context, u *url.URL) *robotsGroup {
	ru := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/robots.txt"}
	status, body, err := c.fetch(ctx, ru)
	var unreachable error
	switch {
	case err != nil && ctx.Err() != nil: // the run is stopping: nothing is known of the host
		status, body = 404, nil
	case err != nil:
		unreachable, status, body = err, 503, nil
	case status >= 500:
		unreachable = fmt.Errorf("HTTP %d", status)
	}
	if unreachable != nil {
		c.log.Warn("robots.txt unreachable: nothing of its host is fetched this run", "url", ru.String(), "err", unreachable)
	}
	data, err := robotstxt.FromStatusAndBytes(status, body)
	if err != nil {
		data, _ = robotstxt.FromStatusAndBytes(404, nil)
	}
	rg := &robotsGroup{all: data, unreachable: unreachable}
	if status >= 200 && status < 300 {
		rg.group = data.FindGroup(robotsAgent)
	}
	return rg
}

func pathAndQuery(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p
}
