package index

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

const captureCols = `urlkey, ts, url, type, mime, status, digest, length, offset, filename, record_id, refers_to_url, refers_to_ts, truncated`

const pageCols = `record_id, concurrent_to, urlkey, ts, url, filename, offset, title, authors, published, site_name,
	canonical_url, language, description, image, text`

// pageHeadCols are pageCols with an empty text.
const pageHeadCols = `record_id, concurrent_to, urlkey, ts, url, filename, offset, title, authors, published, site_name,
	canonical_url, language, description, image, ''`

// Captures returns the captures of one URL key (SURT), oldest first
// (attempts superseded within their run left out, see attempts.go),
// through the read pool and its cache (lookup.go): replay asks this on every
// page for the previous and next captures.
func (x *Index) Captures(ctx context.Context, urlkey string) ([]Capture, error) {
	r, err := x.readers.get(ctx, x.path)
	if err != nil {
		return nil, err
	}
	all, ok, err := r.cache.captures(ctx, r, urlkey)
	if err != nil {
		return nil, err
	}
	if ok {
		return slices.Clone(all), nil
	}
	return x.captures(ctx, `SELECT `+captureCols+` FROM captures WHERE urlkey = ? AND superseded = 0 ORDER BY ts, filename, offset`, urlkey)
}

// AllCaptures returns every capture, ordered by file and offset.
func (x *Index) AllCaptures(ctx context.Context) ([]Capture, error) {
	return x.captures(ctx, `SELECT `+captureCols+` FROM captures ORDER BY filename, offset`)
}

// AllPages returns every page, ordered by file and offset.
func (x *Index) AllPages(ctx context.Context) ([]Page, error) {
	return x.pages(ctx, `SELECT `+pageCols+` FROM pages ORDER BY filename, offset`)
}

func (x *Index) pages(ctx context.Context, q string, args ...any) ([]Page, error) {
	rows, err := x.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("index: query pages: %w", err)
	}
	defer rows.Close()
	var out []Page
	for rows.Next() {
		var p Page
		var authors string
		if err := rows.Scan(&p.RecordID, &p.ConcurrentTo, &p.URLKey, &p.Timestamp, &p.URL, &p.Filename, &p.Offset,
			&p.Title, &authors, &p.Published, &p.SiteName, &p.CanonicalURL, &p.Language, &p.Description,
			&p.Image, &p.Text); err != nil {
			return nil, fmt.Errorf("index: read pages: %w", err)
		}
		p.Authors = []string{}
		if authors != "" {
			p.Authors = strings.Split(authors, "\n")
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("index: read pages: %w", err)
	}
	return out, nil
}

func (x *Index) captures(ctx context.Context, q string, args ...any) ([]Capture, error) {
	rows, err := x.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("index: query captures: %w", err)
	}
	defer rows.Close()
	return scanCaptures(rows)
}

func scanCaptures(rows *sql.Rows) ([]Capture, error) {
	var out []Capture
	for rows.Next() {
		var c Capture
		if err := rows.Scan(&c.URLKey, &c.Timestamp, &c.URL, &c.Type, &c.MIME, &c.Status, &c.Digest, &c.Length,
			&c.Offset, &c.Filename, &c.RecordID, &c.RefersToURL, &c.RefersToTimestamp, &c.Truncated); err != nil {
			return nil, fmt.Errorf("index: read captures: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("index: read captures: %w", err)
	}
	return out, nil
}

// RecentPages returns the n most recently captured pages, newest first.
func (x *Index) RecentPages(ctx context.Context, n int) ([]Page, error) {
	return x.pages(ctx, `SELECT `+pageCols+` FROM pages ORDER BY ts DESC, filename DESC, offset DESC LIMIT ?`, n)
}

// PagesOf returns the pages (metadata) of one URL key, oldest first.
func (x *Index) PagesOf(ctx context.Context, urlkey string) ([]Page, error) {
	return x.pages(ctx, `SELECT `+pageCols+` FROM pages WHERE urlkey = ? ORDER BY ts, filename, offset`, urlkey)
}

// PageHeads is PagesOf without the texts (Text is ""): what a calendar, a
// capture bar or a list shows of a URL that may have thousands of
// captures, each with its article's text.
func (x *Index) PageHeads(ctx context.Context, urlkey string) ([]Page, error) {
	return x.pages(ctx, `SELECT `+pageHeadCols+` FROM pages WHERE urlkey = ? ORDER BY ts, filename, offset`, urlkey)
}
