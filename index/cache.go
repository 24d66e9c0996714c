package index

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// The capture cache holds every capture of recently looked-up URL keys, so
// that the lookups replay and the CDX API repeat most (one URL's captures,
// the closest of them) cost microseconds instead of a SQLite query (some
// 50–100 µs with modernc.org/sqlite on a million captures).
//
// It is never stale for this process's writes: every write transaction
// empties it (Index.inTx). Writes by another process (a `vellum capture`
// beside `vellum serve`) are noticed through PRAGMA data_version, checked at
// most every cacheCheckEvery, so they show within about that long.
const (
	cacheCaptures   = 1 << 17 // captures held at most: some 70 MB
	cacheKeyMax     = 256     // keys with more captures are not cached
	cacheCheckEvery = 50 * time.Millisecond
)

type captureCache struct {
	limit int // captures held at most; 0 turns the cache off

	mu   sync.RWMutex
	keys map[string][]Capture // in (ts, filename, offset) order; never modified
	size int                  // captures held
	gen  uint64               // bumped by every invalidation

	conn    *sql.Conn // the connection of check, held until close
	check   *sql.Stmt // PRAGMA data_version on a connection of its own
	checkMu sync.Mutex
	version int64
	checked atomic.Int64 // UnixNano of the last check
}

func newCaptureCache(ctx context.Context, db *sql.DB) (*captureCache, error) {
	conn, err := db.Conn(ctx) // held for good: data_version is per connection
	if err != nil {
		return nil, err
	}
	st, err := conn.PrepareContext(ctx, `PRAGMA data_version`)
	if err != nil {
		conn.Close()
		return nil, err
	}
	c := &captureCache{limit: cacheCaptures, keys: map[string][]Capture{}, conn: conn, check: st}
	if err := st.QueryRowContext(ctx).Scan(&c.version); err != nil {
		conn.Close()
		return nil, err
	}
	c.checked.Store(time.Now().UnixNano())
	return c, nil
}

// close gives back the connection of the data_version checks.
func (c *captureCache) close() error {
	c.checkMu.Lock()
	defer c.checkMu.Unlock()
	return errors.Join(c.check.Close(), c.conn.Close())
}

// invalidate drops everything: the index changed.
func (c *captureCache) invalidate() {
	c.mu.Lock()
	c.keys, c.size = map[string][]Capture{}, 0
	c.gen++
	c.mu.Unlock()
}

// pollOthers empties the cache when another process has written since the
// last check, checking at most every cacheCheckEvery.
func (c *captureCache) pollOthers(ctx context.Context) {
	last := c.checked.Load()
	now := time.Now().UnixNano()
	if now-last < int64(cacheCheckEvery) || !c.checked.CompareAndSwap(last, now) {
		return
	}
	c.checkMu.Lock()
	defer c.checkMu.Unlock()
	var v int64
	if err := c.check.QueryRowContext(ctx).Scan(&v); err != nil || v != c.version {
		c.version = v
		c.invalidate()
	}
}

// captures returns every capture of urlkey, from the cache or read through
// r. ok is false for a key with more than cacheKeyMax captures, which the
// caller reads with SQL instead.
func (c *captureCache) captures(ctx context.Context, r *readPool, urlkey string) (caps []Capture, ok bool, err error) {
	if c.limit == 0 {
		return nil, false, nil
	}
	c.pollOthers(ctx)
	c.mu.RLock()
	caps, hit := c.keys[urlkey]
	gen := c.gen
	c.mu.RUnlock()
	if hit {
		return caps, true, nil
	}
	p := &plan{lo: urlkey, hi: urlkey + "!", exact: true, from: "", to: "99999999999999"}
	if caps, err = r.fetch(ctx, p, nil, cacheKeyMax+1, nil); err != nil || len(caps) > cacheKeyMax {
		return nil, false, err
	}
	caps = slices.Clip(caps)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen { // a write came between: these rows may be older than it
		return caps, true, nil
	}
	for k, v := range c.keys { // map order is random: random eviction
		if c.size+len(caps) <= c.limit {
			break
		}
		delete(c.keys, k)
		c.size -= len(v)
	}
	if _, dup := c.keys[urlkey]; !dup {
		c.keys[urlkey] = caps
		c.size += len(caps)
	}
	return caps, true, nil
}

// inMemory answers an exact plan from all captures of its key. fn must not
// modify or keep the *Capture: it may point into the cache.
func inMemory(all []Capture, p *plan, fn func(*Capture) error) error {
	lo := sort.Search(len(all), func(i int) bool { return all[i].Timestamp >= p.from })
	hi := sort.Search(len(all), func(i int) bool { return all[i].Timestamp > p.to })
	caps := all[lo:max(lo, hi)]
	if p.hasClose {
		n := 0
		for _, i := range nearestOrder(caps, p.closest) {
			if p.filter != nil && !p.filter(&caps[i]) {
				continue
			}
			if err := fn(&caps[i]); err != nil {
				return err
			}
			if n++; n == p.limit {
				break
			}
		}
		return nil
	}
	n := 0
	for i := range caps {
		if p.reverse {
			i = len(caps) - 1 - i
		}
		if p.filter != nil && !p.filter(&caps[i]) {
			continue
		}
		if err := fn(&caps[i]); err != nil {
			return err
		}
		if n++; n == p.limit {
			break
		}
	}
	return nil
}
