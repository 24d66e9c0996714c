package index

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"sync"
	"sync/atomic"
)

// Statements of a readPool: scans are stmtScan plus the flags.
const (
	stmtExact = 1 << iota // one URL key: its timestamps bound the index range
	stmtDesc              // newest first
	stmtNext              // resume after a row
	stmtNearest
	stmtCount = stmtNearest + 1
	stmtScan  = 0
)

// scanSQL is the query of one scan statement. Its parameters: ?1 lo (the
// URL key when exact), ?2 hi, ?3 from, ?4 to, ?5 limit and, resuming, ?6–?9
// the (urlkey, ts, filename, offset) of the row to resume after.
func scanSQL(flags int) string {
	where := `urlkey >= ?1 AND urlkey < ?2 AND ts >= ?3 AND ts <= ?4 AND superseded = 0`
	after, order, dir := `(urlkey, ts, filename, offset) %s (?6, ?7, ?8, ?9)`, "urlkey%[1]s, ts%[1]s, filename%[1]s, offset%[1]s", ""
	if flags&stmtExact != 0 {
		where = `urlkey = ?1 AND ts >= ?3 AND ts <= ?4 AND superseded = 0`
		after = `(ts, filename, offset) %s (?7, ?8, ?9)`
	}
	op := ">"
	if flags&stmtDesc != 0 {
		op, dir = "<", " DESC"
	}
	if flags&stmtNext != 0 {
		where += " AND " + fmt.Sprintf(after, op)
	}
	return `SELECT ` + captureCols + ` FROM captures WHERE ` + where + ` ORDER BY ` + fmt.Sprintf(order, dir) + ` LIMIT ?5`
}

// nearestSQL reads both sides of ?2 for one URL key, each nearest first.
const nearestSQL = `SELECT * FROM (SELECT ` + captureCols + ` FROM captures
		WHERE urlkey = ?1 AND ts <= ?2 AND ts >= ?3 AND ts <= ?4 AND superseded = 0 ORDER BY ts DESC, filename DESC, offset DESC LIMIT ?5)
	UNION ALL SELECT * FROM (SELECT ` + captureCols + ` FROM captures
		WHERE urlkey = ?1 AND ts > ?2 AND ts >= ?3 AND ts <= ?4 AND superseded = 0 ORDER BY ts, filename, offset LIMIT ?5)`

// readers is the lookup side of an Index: a pool of read-only connections,
// opened on first use, with its prepared statements. Lookups do not queue
// behind writes (WAL), and the writer's pool stays free for them.
type readers struct {
	mu     sync.Mutex
	pool   atomic.Pointer[readPool]
	closed bool
}

type readPool struct {
	db    *sql.DB
	stmts [stmtCount + 1]*sql.Stmt
	cache *captureCache
}

func (rs *readers) get(ctx context.Context, path string) (*readPool, error) {
	if r := rs.pool.Load(); r != nil {
		return r, nil
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.closed {
		return nil, errors.New("index: closed")
	}
	if r := rs.pool.Load(); r != nil {
		return r, nil
	}
	// query_only guards against a stray write; mmap lets every connection
	// read the same pages without copying them into a cache of its own.
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_pragma=busy_timeout(10000)"+
		"&_pragma=query_only(1)&_pragma=mmap_size(4294967296)&_pragma=cache_size(-16384)&_pragma=temp_store(MEMORY)")
	if err != nil {
		return nil, fmt.Errorf("index: open readers: %w", err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0)) + 1 // one is the cache's, for good
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	r := &readPool{db: db}
	for id := range r.stmts {
		q := scanSQL(id)
		switch id {
		case stmtNearest:
			q = nearestSQL
		case stmtCount:
			q = `SELECT count(*) FROM captures WHERE superseded = 0`
		}
		if r.stmts[id], err = db.PrepareContext(ctx, q); err != nil {
			db.Close()
			return nil, fmt.Errorf("index: prepare lookups: %w", err)
		}
	}
	if r.cache, err = newCaptureCache(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("index: open readers: %w", err)
	}
	rs.pool.Store(r)
	return r, nil
}

// changed tells the lookups that this process wrote to the index.
func (rs *readers) changed() {
	if r := rs.pool.Load(); r != nil {
		r.cache.invalidate()
	}
}

// close closes the pool; later lookups fail.
func (rs *readers) close() error {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.closed = true
	if r := rs.pool.Swap(nil); r != nil {
		return errors.Join(r.cache.close(), r.db.Close()) // db.Close closes the statements
	}
	return nil
}

// scanRows appends the captures of rows to buf and closes rows.
func scanRows(rows *sql.Rows, buf []Capture) ([]Capture, error) {
	defer rows.Close()
	var c Capture
	dest := []any{&c.URLKey, &c.Timestamp, &c.URL, &c.Type, &c.MIME, (*intCol)(&c.Status), &c.Digest,
		(*int64Col)(&c.Length), (*int64Col)(&c.Offset), &c.Filename, &c.RecordID, &c.RefersToURL, &c.RefersToTimestamp, &c.Truncated}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return buf, fmt.Errorf("index: read captures: %w", err)
		}
		buf = append(buf, c)
	}
	if err := rows.Err(); err != nil {
		return buf, fmt.Errorf("index: read captures: %w", err)
	}
	return buf, nil
}

// intCol and int64Col scan INTEGER columns without database/sql's
// reflection (which formats and parses an int64 to store it in an int).
type (
	intCol   int
	int64Col int64
)

func (v *intCol) Scan(src any) error {
	n, ok := src.(int64)
	if !ok {
		return errors.New("not an integer")
	}
	*v = intCol(n)
	return nil
}

func (v *int64Col) Scan(src any) error {
	n, ok := src.(int64)
	if !ok {
		return errors.New("not an integer")
	}
	*v = int64Col(n)
	return nil
}
