package capture

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/vellumhq/vellum/capture/extract"
	"github.com/vellumhq/vellum/capture/frontier"
	"github.com/vellumhq/vellum/capture/record"
	"github.com/vellumhq/vellum/index"
)

// reqJob is a requisite to fetch for the page at referer.
type reqJob struct {
	u       *url.URL
	referer string
}

// queueRequisites queues the URLs a page or stylesheet needs, each once per run.
func (c *crawl) queueRequisites(ctx context.Context, urls []string, referer *url.URL) {
	var shared []frontier.Item // for a shared frontier, added at once
	for _, s := range urls {
		u, ok := parseLink(s)
		if !ok || c.excluded(u) || !c.claim(u) {
			continue
		}
		if c.cfg.Frontier != nil {
			shared = append(shared, frontier.Item{URL: u.String(), Kind: frontier.Requisite, Seed: -1, Referer: referer.String()})
			continue
		}
		if c.front != nil {
			c.front.Claim(index.FrontierItem{URL: u.String(), Kind: index.KindRequisite, Seed: -1, Referer: referer.String()})
		}
		c.work.Add(1)
		c.stats.queued.Add(1)
		c.reqs.push(reqJob{u: u, referer: referer.String()})
	}
	c.share(ctx, shared)
}

// requisiteLoop fetches requisites; their transport keeps each host to
// cfg.ConnsPerHost connections, like a browser.
func (c *crawl) requisiteLoop(ctx context.Context) {
	for {
		j, ok := c.reqs.pop(ctx, c.done)
		if !ok {
			return
		}
		c.requisite(ctx, j)
		c.markURLDone(ctx, j.u, nil)
		c.finish()
	}
}

// requisite fetches one requisite; a stylesheet's own requisites (imports,
// fonts, images) and a framed page's requisites are queued in turn.
func (c *crawl) requisite(ctx context.Context, j reqJob) {
	ch := c.fetch(ctx, fetchRequisite, j.u, j.referer, 0, nil)
	if ch.err != nil && ctx.Err() == nil { // a run being stopped is not the site's failure
		c.missed(j.u.String(), kindRequisite, ch.err)
		if !errors.Is(ch.err, ErrRobots) {
			c.log.Warn("requisite failed", "url", j.u.String(), "page", j.referer, "err", ch.err)
		}
	}
	f := ch.final
	if f == nil {
		return
	}
	c.stats.requisites.Add(1)
	if f.Entity == nil {
		return
	}
	enc, ct := f.Header.Get("Content-Encoding"), f.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(strings.ToLower(ct), "text/css"):
		body, cut, err := extract.DecodeEntity(enc, f.Entity)
		if err != nil {
			return
		}
		if f.EntityCut {
			cut = keptOnly(len(f.Entity))
		}
		if cut != "" {
			c.log.Warn("stylesheet read in part", "url", ch.finalURL.String(), "reason", cut)
		}
		c.queueRequisites(ctx, extract.CSS(body, ch.finalURL), ch.finalURL)
	case isHTML(ct):
		if page, err := readFetched(f, ch.finalURL, false); err == nil {
			if cut := page.Cut(); cut != "" {
				c.log.Warn("framed page read in part", "url", ch.finalURL.String(), "reason", cut)
			}
			c.queueRequisites(ctx, page.Links().Requisites, ch.finalURL)
		}
	}
}

// fetchRobots fetches a robots.txt through the collector (it is archived
// too), following redirects but never checking robots for itself. A
// redirect it does not follow (a loop, too many hops, a URL the run has
// already) leaves no robots.txt: everything is allowed.
// limitedRobots is fetchRobots within the robots.txt time limit.
func (c *crawl) limitedRobots(ctx context.Context, u *url.URL) (int, []byte, error) {
	fctx, cancel := record.WithTimeLimit(ctx, c.cfg.robotsTimeout())
	defer cancel()
	return c.fetchRobots(fctx, u)
}

func (c *crawl) fetchRobots(ctx context.Context, u *url.URL) (int, []byte, error) {
	if c.excluded(u) {
		return 0, nil, fmt.Errorf("%w: --ignore-robots captures the host without it", ErrExcluded)
	}
	c.claim(u)
	ch := c.fetch(ctx, fetchRobots, u, "", 0, nil)
	if ch.err != nil {
		return 0, nil, ch.err
	}
	f := ch.final
	if f == nil {
		return 0, nil, errAborted
	}
	if f.BodyErr != nil { // half a robots.txt could allow what its rest forbids
		return 0, nil, fmt.Errorf("cut off: %w", f.BodyErr)
	}
	if followable(f, ch.finalURL) {
		return http.StatusNotFound, nil, nil
	}
	if f.Status >= 300 && f.Status <= 399 {
		return f.Status, nil, nil
	}
	body, _, err := extract.DecodeEntity(f.Header.Get("Content-Encoding"), f.Entity)
	if err != nil {
		return f.Status, nil, nil
	}
	return f.Status, body, nil
}

// seedProblem says why a fetched seed does not count as archived.
func seedProblem(f *record.Fetched) error {
	switch f.Truncated {
	case "length":
		return fmt.Errorf("response cut at the size limit (%d bytes recorded)", f.Size)
	case "time":
		return fmt.Errorf("response cut at the time limit: %v", f.BodyErr)
	case "disconnect":
		return fmt.Errorf("connection lost mid-response after %d bytes: %v", f.Size, f.BodyErr)
	}
	if f.Status >= 400 {
		return fmt.Errorf("HTTP %d %s", f.Status, http.StatusText(f.Status))
	}
	return nil
}
