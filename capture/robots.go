package capture

import (
	"context"
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

// robotsCache fetches, keeps and applies each host's robots.txt. The fetch
// goes through the crawl's own recording path, so robots.txt files are
// archived like any response.
type robotsCache struct {
	fetch func(ctx context.Context, u *url.URL) (status int, body []byte, err error)
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
	group *robotstxt.Group
	all   *robotstxt.RobotsData
}

func newRobotsCache(fetch func(context.Context, *url.URL) (int, []byte, error)) *robotsCache {
	return &robotsCache{fetch: fetch, now: time.Now, hosts: map[string]*robotsEntry{}}
}

// check reports whether u may be fetched and the Crawl-delay the host asks
// for. A robots.txt that cannot be fetched (network error) allows
// everything, as a 4xx does; a 5xx disallows everything for now.
func (c *robotsCache) check(ctx context.Context, u *url.URL) (allowed bool, crawlDelay time.Duration) {
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
			return false, 0
		}
	}
	g := e.data
	if g.group == nil {
		return g.all.TestAgent(pathAndQuery(u), robotsAgent), 0
	}
	return g.group.Test(pathAndQuery(u)), g.group.CrawlDelay
}

func (c *robotsCache) load(ctx context.Context, u *url.URL) *robotsGroup {
	ru := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/robots.txt"}
	status, body, err := c.fetch(ctx, ru)
	if err != nil {
		status, body = 404, nil
	}
	data, err := robotstxt.FromStatusAndBytes(status, body)
	if err != nil {
		data, _ = robotstxt.FromStatusAndBytes(404, nil)
	}
	rg := &robotsGroup{all: data}
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
