package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vellumhq/vellum/capture/record"
)

// maxRedirects is how many redirect hops one URL may take.
const maxRedirects = 10

const (
	acceptPage = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	acceptAny  = "*/*"
)

// ErrRobots is the failure of a URL that robots.txt disallows.
var ErrRobots = errors.New("disallowed by robots.txt")

// chain is one URL fetched with its redirects followed, each hop recorded.
type chain struct {
	first    *record.Fetched // the first hop: its time is the capture's time
	final    *record.Fetched // the last hop
	finalURL *url.URL
	hops     int
	err      error
}

// fetchChain fetches u and follows redirects, each hop its own recorded
// exchange, hopDelay apart. A hop back to a URL of the same chain is a
// redirect loop, unless the redirect set a cookie: a site checking for
// cookies redirects a page to itself, and a browser then gets the page (the
// hop limit still bounds such a chain). A hop to a URL this run fetched
// elsewhere ends the chain there.
func (c *crawl) fetchChain(ctx context.Context, t *record.Transport, u *url.URL, accept, referer string, hopDelay time.Duration) chain {
	var ch chain
	inChain := map[string]bool{u.String(): true}
	for {
		if ch.hops > 0 && !sleep(ctx, hopDelay) {
			ch.err = ctx.Err()
			return ch
		}
		if !c.cfg.IgnoreRobots {
			if ch.err = c.robots.refusal(ctx, u); ch.err != nil {
				return ch
			}
		}
		f, err := c.fetchRetrying(ctx, t, u, accept, referer)
		if err != nil {
			ch.err = err
			return ch
		}
		if ch.first == nil {
			ch.first = f
		}
		ch.final, ch.finalURL = f, u
		loc := f.Header.Get("Location")
		if f.Status < 300 || f.Status > 399 || loc == "" || f.Status == 304 {
			return ch
		}
		next, err := u.Parse(loc)
		if err != nil || (next.Scheme != "http" && next.Scheme != "https") {
			return ch // an unusable Location: the redirect itself is what was archived
		}
		next = normalize(next)
		if ch.hops == maxRedirects {
			ch.err = fmt.Errorf("redirect loop: stopped after %d hops at %s", maxRedirects, u)
			return ch
		}
		switch {
		case inChain[next.String()] && len(f.Header.Values("Set-Cookie")) == 0:
			ch.err = fmt.Errorf("redirect loop: %s redirects back to %s", u, next)
			return ch
		case !inChain[next.String()] && !c.claim(next):
			return ch
		}
		inChain[next.String()] = true
		ch.hops++
		u = next
	}
}

// fetchRetrying fetches u once, then again after a 429, a 5xx, a timeout or
// a reset, up to cfg.Retries more times with growing pauses (or as long as
// Retry-After asks, when that is not too long). Limits.Timeout bounds it
// all: each attempt has what is left of it, and a pause that would outlast
// it ends the retries with the last attempt's outcome.
func (c *crawl) fetchRetrying(ctx context.Context, t *record.Transport, u *url.URL, accept, referer string) (*record.Fetched, error) {
	ctx, cancel := record.WithTimeLimit(ctx, c.cfg.Limits.Timeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	for attempt := 0; ; attempt++ {
		f, err := c.fetchOnce(ctx, t, u, accept, referer)
		retry := (err != nil && retryableErr(err)) || (err == nil && (retryableStatus(f.Status) || f.Truncated == "disconnect"))
		if !retry || attempt >= c.cfg.Retries || ctx.Err() != nil {
			if err == nil && f.Truncated == "disconnect" {
				return f, nil
			}
			return f, err
		}
		wait := c.cfg.RetryBackoff << attempt
		wait += time.Duration(rand.Int64N(int64(wait)/4 + 1))
		if f != nil {
			if ra, ok := retryAfter(f.Header.Get("Retry-After"), time.Now()); ok {
				if ra > c.cfg.MaxRetryWait {
					return f, nil
				}
				wait = ra
			}
		}
		if wait >= time.Until(deadline) {
			return f, err
		}
		c.log.Debug("retrying", "url", u.String(), "attempt", attempt+1, "wait", wait, "err", err)
		if !sleep(ctx, wait) {
			if record.TimeLimitReached(ctx) {
				return f, err
			}
			return f, ctx.Err()
		}
	}
}

func (c *crawl) fetchOnce(ctx context.Context, t *record.Transport, u *url.URL, accept, referer string) (*record.Fetched, error) {
	if c.archive != nil {
		if f, ok := c.archive.fetch(ctx, u, c.cfg.Limits, c.prior); ok {
			return f, nil
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	req.Header.Set("Accept", accept)
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("Accept-Language", "en-US,en;q=0.9")
	if referer != "" {
		req.Header.Set("Referer", referer)
	}
	for _, ck := range c.jar.Cookies(u) {
		req.AddCookie(ck)
	}
	f, err := t.Fetch(req, func(r *http.Response) bool {
		return IsParseable(r.Header.Get("Content-Type")) || strings.HasSuffix(u.Path, "/robots.txt")
	})
	if err != nil {
		return nil, err
	}
	c.stats.bytes.Add(f.Size)
	if f.Records.Revisit {
		c.stats.revisits.Add(1)
	}
	if cks := (&http.Response{Header: f.Header}).Cookies(); len(cks) > 0 {
		c.jar.SetCookies(u, cks)
	}
	return f, nil
}

func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusRequestTimeout ||
		code == http.StatusBadGateway || code == http.StatusServiceUnavailable ||
		code == http.StatusGatewayTimeout || code == http.StatusInternalServerError
}

// retryableErr tells transient network trouble (worth another try) from
// failures that will not change (no such host, refused, bad certificate,
// malformed HTTP).
func retryableErr(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsTemporary || dnsErr.IsTimeout
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return false
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// retryAfter reads a Retry-After value: seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(min(s, int(math.MaxInt64/time.Second))) * time.Second, true // no overflow to a negative wait
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// IsParseable says whether a response's media type is one Vellum parses for
// links and requisites.
func IsParseable(contentType string) bool {
	ct := strings.ToLower(contentType)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	switch strings.TrimSpace(ct) {
	case "text/html", "application/xhtml+xml", "text/css":
		return true
	}
	return false
}
