package index

import (
	"context"
	"fmt"
	"strings"

	"github.com/vellumhq/vellum/warc"
)

// MatchType says which URL keys a Query matches, as the CDX API's matchType.
type MatchType string

// The match types of pywb's CDX API.
const (
	MatchExact  MatchType = "exact"  // the URL itself
	MatchPrefix MatchType = "prefix" // every URL that begins with it
	MatchHost   MatchType = "host"   // every URL of its host (a port makes another host)
	MatchDomain MatchType = "domain" // every URL of its host and all its subdomains
)

// Query selects captures. Its fields follow pywb's CDX API parameters.
type Query struct {
	// URL as the user gave it; with MatchType "", a "*" suffix means prefix
	// and a "*." prefix means domain (pywb conventions).
	URL       string
	MatchType MatchType // "" means exact unless URL's wildcards say otherwise
	// From and To bound the timestamps (inclusive); 0–14 digits, padded to
	// the lower and upper bound: 2014 means 20140101000000 and 20141231235959.
	From, To string
	Limit    int  // at most this many captures; 0 means no limit (the HTTP layer caps it)
	Reverse  bool // newest first: descending (urlkey, timestamp)
	// Closest, when set, orders the captures by their distance in time to
	// this 1–14 digit timestamp (the earlier first on ties). It is meant for
	// exact queries; other match types read their whole range.
	Closest string
	// Filter, when set, keeps only the captures it accepts; Limit counts
	// those. It must neither keep nor change the *Capture.
	Filter func(*Capture) bool
}

// QueryError reports a bad Query field. Param names it as the CDX API does.
type QueryError struct {
	Param  string // "url", "matchType", "from", "to", "closest" or "limit"
	Reason string
}

func (e *QueryError) Error() string { return "index: bad " + e.Param + ": " + e.Reason }

// ParseMatch returns the range [lo, hi) of URL keys (SURTs) that q's URL and
// match type select, as pywb computes it: exact is [key, key+"!"); prefix
// keeps a trailing "/" or "?" of the URL; host is the key's host with any
// path; domain is the host and every subdomain ("com" alone means every
// host under it).
func ParseMatch(q Query) (lo, hi string, err error) {
	u, mt := q.URL, q.MatchType
	switch {
	case (mt == "" || mt == MatchDomain) && strings.HasPrefix(u, "*."):
		u, mt = u[2:], MatchDomain
	case (mt == "" || mt == MatchPrefix) && strings.HasSuffix(u, "*"):
		u, mt = u[:len(u)-1], MatchPrefix
	case mt == "":
		mt = MatchExact
	}
	if strings.TrimSpace(u) == "" {
		return "", "", &QueryError{"url", "missing"}
	}
	key, err := warc.SURT(u)
	if err != nil {
		return "", "", &QueryError{"url", err.Error()}
	}
	host, _, _ := strings.Cut(key, ")/")
	switch mt {
	case MatchExact:
		return key, key + "!", nil
	case MatchPrefix:
		if strings.HasSuffix(u, "/") && !strings.HasSuffix(key, "/") {
			key += "/"
		} else if strings.HasSuffix(u, "?") && !strings.HasSuffix(key, "?") {
			key += "?"
		}
		return key, key[:len(key)-1] + string(key[len(key)-1]+1), nil
	case MatchHost:
		return host + ")/", host + "*", nil
	case MatchDomain:
		if !strings.Contains(host, ",") {
			return host + ",", host + "-", nil
		}
		return host + ")/", host + "-", nil
	}
	return "", "", &QueryError{"matchType", fmt.Sprintf("%q is not exact, prefix, host or domain", q.MatchType)}
}

// plan is a checked Query.
type plan struct {
	lo, hi   string
	exact    bool
	from, to string
	closest  int64 // seconds; used when hasClose
	hasClose bool
	limit    int
	reverse  bool
	filter   func(*Capture) bool
}

func makePlan(q Query) (*plan, error) {
	lo, hi, err := ParseMatch(q)
	if err != nil {
		return nil, err
	}
	p := &plan{lo: lo, hi: hi, limit: q.Limit, reverse: q.Reverse, filter: q.Filter}
	p.exact = hi == lo+"!"
	if p.from, err = padTimestamp("from", q.From, "10000101000000"); err != nil {
		return nil, err
	}
	if p.to, err = padTimestamp("to", q.To, "99991231235959"); err != nil {
		return nil, err
	}
	if q.Closest != "" {
		if p.closest, err = closestSeconds(q.Closest); err != nil {
			return nil, err
		}
		p.hasClose = true
	}
	if q.Limit < 0 {
		return nil, &QueryError{"limit", "negative"}
	}
	return p, nil
}

// padTimestamp checks a 0–14 digit timestamp and pads it with the rest of pad.
func padTimestamp(param, ts, pad string) (string, error) {
	if len(ts) > 14 || strings.Trim(ts, "0123456789") != "" {
		return "", &QueryError{param, fmt.Sprintf("%q is not a timestamp of up to 14 digits", ts)}
	}
	return ts + pad[min(len(ts), len(pad)):], nil
}

// Lookup streams the captures q selects to fn, in (urlkey, timestamp)
// order, newest first with q.Reverse, or by distance to q.Closest. fn's error
// stops the lookup and is returned as it is. Rows are read in chunks and fn
// runs while no database connection is held, so a slow consumer (an HTTP
// client) ties up nothing; a write landing during a long lookup may or may
// not be seen, but no row is seen twice. Exact lookups are answered from
// the capture cache (cache.go) when the URL's captures are in it. A bad q
// gives a *QueryError.
func (x *Index) Lookup(ctx context.Context, q Query, fn func(Capture) error) error {
	p, err := makePlan(q)
	if err != nil {
		return err
	}
	r, err := x.readers.get(ctx, x.path)
	if err != nil {
		return err
	}
	each := func(c *Capture) error { return fn(*c) }
	if p.exact {
		all, ok, err := r.cache.captures(ctx, r, p.lo)
		if err != nil {
			return err
		}
		if ok {
			return inMemory(all, p, each)
		}
	}
	if !p.hasClose {
		return r.scan(ctx, p, each)
	}
	var near []Capture
	if p.exact {
		near, err = r.nearest(ctx, p.lo, p.closest, p.from, p.to, p.limit, p.filter)
	} else {
		near, err = r.nearestInRange(ctx, p)
	}
	if err != nil {
		return err
	}
	for _, c := range near {
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// Closest returns the n captures of one URL key nearest in time to ts (a
// 0–14 digit timestamp, padded to the latest time it can mean), nearest
// first and the earlier first on ties: the order in which replay tries
// them. n < 1 means all of them.
func (x *Index) Closest(ctx context.Context, urlkey, ts string, n int) ([]Capture, error) {
	at, err := closestSeconds(ts)
	if err != nil {
		return nil, err
	}
	r, err := x.readers.get(ctx, x.path)
	if err != nil {
		return nil, err
	}
	all, ok, err := r.cache.captures(ctx, r, urlkey)
	if err != nil {
		return nil, err
	}
	if !ok {
		return r.nearest(ctx, urlkey, at, "", "99999999999999", n, nil)
	}
	var near []Capture
	p := &plan{to: "99999999999999", closest: at, hasClose: true, limit: max(n, 0)}
	err = inMemory(all, p, func(c *Capture) error { near = append(near, *c); return nil })
	return near, err
}

// Count returns the number of captures in the index.
func (x *Index) Count(ctx context.Context) (int64, error) {
	r, err := x.readers.get(ctx, x.path)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := r.stmts[stmtCount].QueryRowContext(ctx).Scan(&n); err != nil {
		return 0, fmt.Errorf("index: count: %w", err)
	}
	return n, nil
}

// Chunk sizes of a scan: the first fits every capture of almost any single
// URL, so an exact lookup is one query.
const (
	firstChunk = 64
	nextChunk  = 1024
)

// scan streams the rows of p in chunks, resuming each chunk after the last
// row of the one before (keyset pagination on the captures_by_urlkey index).
func (r *readPool) scan(ctx context.Context, p *plan, fn func(*Capture) error) error {
	var buf []Capture
	var after *Capture
	seen, size := 0, firstChunk
	for {
		n := size
		if p.limit > 0 && p.filter == nil {
			n = min(n, p.limit-seen)
		}
		var err error
		if buf, err = r.fetch(ctx, p, after, n, buf[:0]); err != nil {
			return err
		}
		for i := range buf {
			if p.filter != nil && !p.filter(&buf[i]) {
				continue
			}
			if err := fn(&buf[i]); err != nil {
				return err
			}
			if seen++; p.limit > 0 && seen == p.limit {
				return nil
			}
		}
		if len(buf) < n {
			return nil
		}
		last := buf[len(buf)-1]
		after, size = &last, nextChunk
	}
}

// fetch appends up to n rows of p that come after the row after (nil: from
// the start) to buf.
func (r *readPool) fetch(ctx context.Context, p *plan, after *Capture, n int, buf []Capture) ([]Capture, error) {
	id := stmtScan
	if p.exact {
		id |= stmtExact
	}
	if p.reverse {
		id |= stmtDesc
	}
	args := make([]any, 5, 9)
	args[0], args[1], args[2], args[3], args[4] = p.lo, p.hi, p.from, p.to, n
	if after != nil {
		id |= stmtNext
		args = append(args, after.URLKey, after.Timestamp, after.Filename, after.Offset)
	}
	rows, err := r.stmts[id].QueryContext(ctx, args...)
	if err != nil {
		return buf, fmt.Errorf("index: lookup: %w", err)
	}
	return scanRows(rows, buf)
}
