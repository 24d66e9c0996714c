package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	neturl "net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vellumhq/vellum/index"
)

// Index is an open capture index on PostgreSQL. It is safe for concurrent
// use, by goroutines and by the nodes of a cluster.
type Index struct {
	pool *pgxpool.Pool
	url  string

	retryFor time.Duration // how long a write waits for an unreachable server (retry.go)
	log      *slog.Logger
}

// defaultConnectTimeout bounds each connection attempt when the URL has
// no connect_timeout.
const defaultConnectTimeout = 10 * time.Second

// ErrBadURL is what Open's error wraps when its url is not a connection
// string at all (rather than one of a server that cannot be reached).
var ErrBadURL = errors.New("not a PostgreSQL connection string")

// Open connects to the database at url ("postgres://user@host/db", or any
// connection string pgx takes) and applies the migrations it lacks. Its
// errors name the url without its password (Redact). A connection attempt
// is given up after 10 s unless the url's connect_timeout says otherwise.
func Open(ctx context.Context, url string) (*Index, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("index: %s: %w: %s", Redact(url), ErrBadURL, parseReason(err))
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		// A host that drops packets would hold a command for the
		// system's TCP timeout (minutes) before it said anything.
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("index: %s: %w", Redact(url), err)
	}
	if _, err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("index: %s: %w", Redact(url), err)
	}
	return &Index{pool: pool, url: url, retryFor: DefaultRetryFor}, nil
}

// parseReason is why pgx could not parse a connection string, without the
// string itself (pgx quotes it first, its password masked at best effort).
func parseReason(err error) string {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "cannot parse `"); ok {
		if i := strings.LastIndex(rest, "`: "); i >= 0 {
			return rest[i+3:]
		}
	}
	return msg
}

// Close closes the connections.
func (x *Index) Close() error {
	x.pool.Close()
	return nil
}

// Path is where the index is, for messages: the connection string without
// its password.
func (x *Index) Path() string { return Redact(x.url) }

// Redact returns a connection URL for messages: its password, in the user
// information or as a password or sslpassword parameter, is replaced by
// "xxxxx", even when the URL does not parse. A connection string of
// key=value pairs keeps only its host.
func Redact(s string) string {
	u, err := neturl.Parse(s)
	if err != nil || u.Scheme == "" {
		return redactBroken(s)
	}
	if q := u.Query(); q.Has("password") || q.Has("sslpassword") {
		for _, k := range []string{"password", "sslpassword"} {
			if q.Has(k) {
				q.Set(k, "xxxxx")
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// redactBroken masks what may be a password in a string net/url cannot
// read: all of the user information before the host.
func redactBroken(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		if cfg, err := pgx.ParseConfig(s); err == nil { // host=… user=… password=…
			return "host=" + cfg.Host
		}
		return "(a connection string)"
	}
	rest, query, _ := strings.Cut(rest, "?") // its parameters may hold a password
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		user, _, _ := strings.Cut(rest[:at], ":")
		rest = user + ":xxxxx" + rest[at:]
	}
	if query != "" {
		rest += "?…"
	}
	return scheme + "://" + rest
}

// Add inserts captures and pages in one transaction. A row whose (filename,
// offset) is already present is replaced, so adding the same records twice
// leaves one row each; then the attempts of their URLs are settled
// (settle).
func (x *Index) Add(ctx context.Context, caps []index.Capture, pages []index.Page) error {
	if len(caps) == 0 && len(pages) == 0 {
		return nil
	}
	return x.inTx(ctx, func(tx pgx.Tx) error { return insert(ctx, tx, caps, pages) })
}

// ReplaceFile replaces every row that points into filename with the given
// rows, in one transaction: what a repaired or re-read WARC file needs.
func (x *Index) ReplaceFile(ctx context.Context, filename string, caps []index.Capture, pages []index.Page) error {
	return x.inTx(ctx, func(tx pgx.Tx) error { return replaceFile(ctx, tx, filename, caps, pages) })
}

func replaceFile(ctx context.Context, tx pgx.Tx, filename string, caps []index.Capture, pages []index.Page) error {
	gone, err := groupsInFile(ctx, tx, filename) // rows that go may have been the final attempts
	if err != nil {
		return err
	}
	for _, table := range []string{"captures", "pages", "open_captures", "open_pages"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE filename = $1`, filename); err != nil {
			return err
		}
	}
	if err := insertRows(ctx, tx, "", caps, pages); err != nil {
		return err
	}
	return settle(ctx, tx, append(gone, groupsOf(caps)...))
}

// inTx runs fn in a transaction, run again while the server cannot be
// reached (retry.go).
func (x *Index) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	if err := x.retry(ctx, func() error { return pgx.BeginFunc(ctx, x.pool, fn) }); err != nil {
		return fmt.Errorf("index: write: %w", err)
	}
	return nil
}

// insert adds rows and settles which attempts of their URLs are final.
func insert(ctx context.Context, tx pgx.Tx, caps []index.Capture, pages []index.Page) error {
	if err := insertRows(ctx, tx, "", caps, pages); err != nil {
		return err
	}
	return settle(ctx, tx, groupsOf(caps))
}

// The words of a page: its title weighs most (A), then its authors (B),
// its site's name (C) and its text (D), as the SQLite index weighs them.
const pageWords = `setweight(to_tsvector('simple', unaccent($9)), 'A') ||
	setweight(to_tsvector('simple', unaccent(array_to_string($10::text[], ' '))), 'B') ||
	setweight(to_tsvector('simple', unaccent($12)), 'C') ||
	setweight(to_tsvector('simple', unaccent($17)), 'D')`

// insertRows inserts or replaces rows as they are into the tables of final
// files (prefix "") or of files being written ("open_"): a capture is not
// superseded until settle says so.
func insertRows(ctx context.Context, tx pgx.Tx, prefix string, caps []index.Capture, pages []index.Page) error {
	b := &pgx.Batch{}
	for _, c := range caps {
		b.Queue(`INSERT INTO `+prefix+`captures (urlkey, ts, url, type, mime, status, digest, length, "offset", filename, record_id,
			refers_to_url, refers_to_ts, truncated, run, superseded) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,false)
			ON CONFLICT (filename, "offset") DO UPDATE SET urlkey = excluded.urlkey, ts = excluded.ts, url = excluded.url,
			type = excluded.type, mime = excluded.mime, status = excluded.status, digest = excluded.digest,
			length = excluded.length, record_id = excluded.record_id, refers_to_url = excluded.refers_to_url,
			refers_to_ts = excluded.refers_to_ts, truncated = excluded.truncated, run = excluded.run, superseded = false`,
			clean(c.URLKey), c.Timestamp, clean(c.URL), c.Type, clean(c.MIME), c.Status, c.Digest, c.Length, c.Offset,
			c.Filename, c.RecordID, clean(c.RefersToURL), c.RefersToTimestamp, c.Truncated, index.RunOfFile(c.Filename))
	}
	for _, p := range pages {
		authors := make([]string, len(p.Authors))
		for i, a := range p.Authors {
			authors[i] = clean(a)
		}
		b.Queue(`INSERT INTO `+prefix+`pages (record_id, concurrent_to, urlkey, ts, url, filename, "offset", title, authors, published,
			site_name, canonical_url, language, description, image, text, run, words)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$9,$10,$11,$12,$13,$14,$15,$16,$17,$8,`+pageWords+`)
			ON CONFLICT (filename, "offset") DO UPDATE SET record_id = excluded.record_id, concurrent_to = excluded.concurrent_to,
			urlkey = excluded.urlkey, ts = excluded.ts, url = excluded.url, title = excluded.title, authors = excluded.authors,
			published = excluded.published, site_name = excluded.site_name, canonical_url = excluded.canonical_url,
			language = excluded.language, description = excluded.description, image = excluded.image, text = excluded.text,
			run = excluded.run, words = excluded.words`,
			p.RecordID, p.ConcurrentTo, clean(p.URLKey), p.Timestamp, clean(p.URL), p.Filename, p.Offset,
			index.RunOfFile(p.Filename), clean(p.Title), authors, clean(p.Published), clean(p.SiteName),
			clean(p.CanonicalURL), clean(p.Language), clean(p.Description), clean(p.Image), clean(p.Text))
	}
	return tx.SendBatch(ctx, b).Close()
}

// WriteBatch writes one batch of an index.Batcher in one transaction: a
// crawl's records reach the index through it (NewBatcher).
func (x *Index) WriteBatch(ctx context.Context, b index.Batch) error {
	return x.inTx(ctx, func(tx pgx.Tx) error {
		if err := insert(ctx, tx, b.Captures, b.Pages); err != nil {
			return err
		}
		if err := insertRows(ctx, tx, "open_", b.HeldCaptures, b.HeldPages); err != nil {
			return err
		}
		for _, name := range b.Closed {
			if err := moveIn(ctx, tx, name); err != nil {
				return err
			}
		}
		return nil
	})
}

// NewBatcher starts a batcher writing to the index; close it to flush.
func (x *Index) NewBatcher() *index.Batcher { return index.NewBatcherTo(x) }

// moveIn moves the rows held apart for a file, now final, to the tables
// lookups read, and settles the attempts of their URLs.
func moveIn(ctx context.Context, tx pgx.Tx, name string) error {
	for _, table := range []string{"captures", "pages"} {
		for _, q := range []string{
			`DELETE FROM ` + table + ` t USING open_` + table + ` o WHERE o.filename = $1 AND t.filename = o.filename AND t."offset" = o."offset"`,
			`INSERT INTO ` + table + ` SELECT * FROM open_` + table + ` WHERE filename = $1`,
			`DELETE FROM open_` + table + ` WHERE filename = $1`,
		} {
			if _, err := tx.Exec(ctx, q, name); err != nil {
				return err
			}
		}
	}
	groups, err := groupsInFile(ctx, tx, name)
	if err != nil {
		return err
	}
	return settle(ctx, tx, groups)
}

// clean drops what PostgreSQL's text cannot hold: NUL characters, and
// bytes that are not UTF-8 (SQLite keeps both; a page's text or a URL
// seldom has either).
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return s
}

var errNoRows = pgx.ErrNoRows

func isNoRows(err error) bool { return errors.Is(err, errNoRows) }
