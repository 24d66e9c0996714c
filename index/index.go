package index

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/vellumhq/vellum/internal/layout"
)

// Index is an open capture index. It is safe for concurrent use; writes are
// serialised by SQLite.
type Index struct {
	db      *sql.DB
	path    string
	readers readers // the read-only pool of lookups (lookup.go)

	latestOnce sync.Once // Latest's statement, prepared on first use
	latest     *sql.Stmt
	latestErr  error
}

// captureTable and pageTable are the columns of the capture and page rows,
// shared by the tables of finished files and of files being written.
const (
	captureTable = `(
	urlkey         TEXT NOT NULL,
	ts             TEXT NOT NULL,
	url            TEXT NOT NULL,
	type           TEXT NOT NULL,
	mime           TEXT NOT NULL,
	status         INTEGER NOT NULL,
	digest         TEXT NOT NULL,
	length         INTEGER NOT NULL,
	offset         INTEGER NOT NULL,
	filename       TEXT NOT NULL,
	record_id      TEXT NOT NULL,
	refers_to_url  TEXT NOT NULL,
	refers_to_ts   TEXT NOT NULL,
	truncated      TEXT NOT NULL DEFAULT '',
	run            TEXT NOT NULL DEFAULT '',  -- the run that wrote it, from the file name (attempts.go)
	superseded     INTEGER NOT NULL DEFAULT 0, -- an attempt its run retried (attempts.go)
	PRIMARY KEY (filename, offset)
) WITHOUT ROWID`
	pageTable = `(
	record_id      TEXT NOT NULL,
	concurrent_to  TEXT NOT NULL,
	urlkey         TEXT NOT NULL,
	ts             TEXT NOT NULL,
	url            TEXT NOT NULL,
	filename       TEXT NOT NULL,
	offset         INTEGER NOT NULL,
	title          TEXT NOT NULL,
	authors        TEXT NOT NULL,
	published      TEXT NOT NULL,
	site_name      TEXT NOT NULL,
	canonical_url  TEXT NOT NULL,
	language       TEXT NOT NULL,
	description    TEXT NOT NULL,
	image          TEXT NOT NULL,
	text           TEXT NOT NULL,
	PRIMARY KEY (filename, offset)
) WITHOUT ROWID`
)

const schema = `
CREATE TABLE IF NOT EXISTS captures ` + captureTable + `;
CREATE TABLE IF NOT EXISTS pages ` + pageTable + `;
CREATE INDEX IF NOT EXISTS pages_by_key ON pages (urlkey, ts);
CREATE INDEX IF NOT EXISTS pages_by_ts ON pages (ts);
-- The rows of records in WARC files still being written ("<name>.open"):
-- nothing looks them up, as the file does not exist under the name they
-- give; they move to captures and pages once it does (batch.go).
CREATE TABLE IF NOT EXISTS open_captures ` + captureTable + `;
CREATE TABLE IF NOT EXISTS open_pages ` + pageTable + `;
`

// capturesIndexes are made once the captures table has every column
// (migrate). Lookups (lookup.go) read every column from captures_by_urlkey
// alone: a covering index in (urlkey, ts) order. On a million captures it
// halves the time of a lookup, which otherwise seeks the table once per row.
// It replaces captures_lookup, which lacked the columns of attempts.go.
const capturesIndexes = `
DROP INDEX IF EXISTS captures_lookup;
DROP INDEX IF EXISTS captures_by_key;
CREATE INDEX IF NOT EXISTS captures_by_urlkey ON captures (urlkey, ts, filename, offset,
	url, type, mime, status, digest, length, record_id, refers_to_url, refers_to_ts, truncated, superseded, run);
CREATE INDEX IF NOT EXISTS captures_by_digest ON captures (digest);
`

// migrate adds the columns that an index made by an older Vellum lacks.
// Their rows are whole (nothing said otherwise) and get their run from
// their file name, and each run's retried URLs are settled; the CDXJ files
// of the remote store are read again on the next sync, so a replay node on
// the store alone gets its pages and runs too. An index without the
// full-text index of its pages gets it, filled (fulltext.go).
func migrate(ctx context.Context, db *sql.DB) error {
	added := false
	for _, col := range []string{
		`truncated TEXT NOT NULL DEFAULT ''`,
		`run TEXT NOT NULL DEFAULT ''`,
		`superseded INTEGER NOT NULL DEFAULT 0`,
	} {
		name, _, _ := strings.Cut(col, " ")
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info('captures') WHERE name = ?`, name).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			if _, err := db.ExecContext(ctx, `ALTER TABLE captures ADD COLUMN `+col); err != nil {
				return err
			}
			added = true
		}
	}
	if _, err := db.ExecContext(ctx, capturesIndexes); err != nil {
		return err
	}
	if err := migrateSearch(ctx, db); err != nil {
		return fmt.Errorf("full-text index: %w", err)
	}
	if !added {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := settleOlderRows(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// settleOlderRows gives the rows of an older index their run and settles
// their attempts, and has the remote CDXJ files imported again.
func settleOlderRows(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT filename FROM captures`)
	if err != nil {
		return err
	}
	var files []string
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			rows.Close()
			return err
		}
		files = append(files, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, f := range files {
		run := runOfFile(f)
		if run == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE captures SET run = ? WHERE filename = ?`, run, f); err != nil {
			return err
		}
		if err := settleFile(ctx, tx, f); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM remote_cdxj`)
	return err
}

// ErrNoArchive reports a folder that holds no archive (OpenArchive).
var ErrNoArchive = errors.New("no archive")

// OpenArchive opens the index of the archive in folder dir. With create, a
// missing dir is made (created says so); without, a dir that is missing or
// holds neither vellum.db nor warcs/ is an error wrapping ErrNoArchive ("no
// archive at DIR"). A dir that cannot be written is reported as "cannot write
// to DIR: <reason>" (permission denied, read-only file system, ...). Every
// command and a capture open their archive here, so each says the same.
func OpenArchive(ctx context.Context, dir string, create bool) (x *Index, created bool, err error) {
	fi, err := os.Stat(dir)
	missing := errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
	switch {
	case missing && create:
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, false, cannotWrite(dir, err)
		}
		created = true
	case missing:
		return nil, false, fmt.Errorf("%w at %s", ErrNoArchive, showDir(dir))
	case err != nil:
		return nil, false, fmt.Errorf("archive %s: %w", showDir(dir), err)
	case !fi.IsDir():
		return nil, false, fmt.Errorf("%w at %s: it is a file, not a folder", ErrNoArchive, showDir(dir))
	case !create && !holdsArchive(dir):
		return nil, false, fmt.Errorf("%w at %s: no %s or %s/ in it", ErrNoArchive, showDir(dir), layout.IndexFile, layout.WARCDir)
	}
	probe, err := os.CreateTemp(dir, ".vellum-probe-*")
	if err != nil {
		return nil, created, cannotWrite(dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	x, err = Open(ctx, layout.Index(dir))
	return x, created, err
}

func holdsArchive(dir string) bool {
	for _, path := range []string{layout.Index(dir), layout.WARCs(dir)} {
		if _, err := os.Stat(path); err == nil {
			return true
		}
	}
	return false
}

// cannotWrite says which folder cannot be written and why, in the system's
// words for the reason ("permission denied") rather than a library's.
func cannotWrite(dir string, err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return fmt.Errorf("cannot write to %s: %w", showDir(dir), errno)
	}
	return fmt.Errorf("cannot write to %s: %w", showDir(dir), err)
}

// showDir is dir as a user would type it: "./archive" rather than "archive".
func showDir(dir string) string {
	if filepath.IsAbs(dir) || strings.HasPrefix(dir, ".") {
		return dir
	}
	return "." + string(filepath.Separator) + dir
}

// Open opens (creating when missing) the index database at path.
func Open(ctx context.Context, path string) (*Index, error) {
	// A writer's page cache is 512 KiB, not SQLite's 2 MiB: its writes
	// append (rows of new records, in file order) and lookups have their
	// own pool (readers.go), so a bigger cache held pages nobody read
	// again. Each of the 4 connections filled its 2 MiB in a capture: 5–7
	// MB of peak RSS, with no change in a capture's time or the Batcher
	// benchmarks (docs/decisions.md, issue 11).
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-512)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("index: open %s: %w", path, err)
	}
	// Writes are serialised by SQLite anyway; a few connections serve the
	// crawl's writers and its dedup lookups without each of a dozen
	// workers holding a connection (and its page cache) of its own.
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	if _, err := db.ExecContext(ctx, schema+filesSchema+runsSchema+problemsSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("index: open %s: %w", path, err)
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("index: open %s: %w", path, err)
	}
	return &Index{db: db, path: path}, nil
}

// Close closes the database.
func (x *Index) Close() error {
	var err error
	if x.latest != nil {
		err = x.latest.Close()
	}
	return errors.Join(err, x.readers.close(), x.db.Close())
}

// Path is the database file's path.
func (x *Index) Path() string { return x.path }

// Add inserts captures and pages in one transaction. A row whose (filename,
// offset) is already present is replaced, so adding the same records twice
// leaves one row each.
func (x *Index) Add(ctx context.Context, caps []Capture, pages []Page) error {
	if len(caps) == 0 && len(pages) == 0 {
		return nil
	}
	return x.inTx(ctx, func(tx *sql.Tx) error { return insert(ctx, tx, caps, pages) })
}

// ReplaceFile replaces every row that points into filename with the given
// rows, in one transaction: what a repaired or re-read WARC file needs. Rows
// a writer of the file held apart are dropped too.
func (x *Index) ReplaceFile(ctx context.Context, filename string, caps []Capture, pages []Page) error {
	return x.inTx(ctx, func(tx *sql.Tx) error {
		gone, err := attemptsInFile(ctx, tx, filename) // rows that go may have been the final attempts
		if err != nil {
			return err
		}
		for _, table := range []string{"captures", "pages", "open_captures", "open_pages"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE filename = ?`, filename); err != nil {
				return err
			}
		}
		if err := insertInto(ctx, tx, "", caps, pages); err != nil {
			return err
		}
		return settleAttempts(ctx, tx, append(gone, attemptsOf(caps)...))
	})
}

func (x *Index) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	defer x.readers.changed() // lookups must not serve what this replaced
	tx, err := x.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		// SQLite may have rolled back already (a full disk does); the
		// rollback's own complaint would only hide the cause.
		_ = tx.Rollback()
		return fmt.Errorf("index: write: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("index: commit: %w", err)
	}
	return nil
}

// insert adds rows of finished files and settles which attempts of their
// URLs are final.
func insert(ctx context.Context, tx *sql.Tx, caps []Capture, pages []Page) error {
	if err := insertInto(ctx, tx, "", caps, pages); err != nil {
		return err
	}
	return settleAttempts(ctx, tx, attemptsOf(caps))
}

// insertInto inserts rows as they are into the tables of finished files
// (prefix "") or of files being written ("open_"): a capture is not
// superseded until settleAttempts says so.
func insertInto(ctx context.Context, tx *sql.Tx, prefix string, caps []Capture, pages []Page) error {
	if len(caps) > 0 {
		st, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO `+prefix+`captures
			(urlkey, ts, url, type, mime, status, digest, length, offset, filename, record_id, refers_to_url, refers_to_ts,
			 truncated, run, superseded)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, c := range caps {
			if _, err := st.ExecContext(ctx, c.URLKey, c.Timestamp, c.URL, c.Type, c.MIME, c.Status, c.Digest,
				c.Length, c.Offset, c.Filename, c.RecordID, c.RefersToURL, c.RefersToTimestamp,
				c.Truncated, runOfFile(c.Filename)); err != nil {
				return err
			}
		}
	}
	if len(pages) > 0 {
		st, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO `+prefix+`pages
			(record_id, concurrent_to, urlkey, ts, url, filename, offset, title, authors, published, site_name,
			 canonical_url, language, description, image, text)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, p := range pages {
			if _, err := st.ExecContext(ctx, p.RecordID, p.ConcurrentTo, p.URLKey, p.Timestamp, p.URL, p.Filename,
				p.Offset, p.Title, strings.Join(p.Authors, "\n"), p.Published, p.SiteName, p.CanonicalURL,
				p.Language, p.Description, p.Image, p.Text); err != nil {
				return err
			}
		}
	}
	return nil
}
