package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vellumhq/vellum/index"
)

const pageCols = `record_id, concurrent_to, urlkey, ts, url, filename, "offset", title, authors, published, site_name,
	canonical_url, language, description, image, text`

// pageHeadCols are pageCols with an empty text.
const pageHeadCols = `record_id, concurrent_to, urlkey, ts, url, filename, "offset", title, authors, published, site_name,
	canonical_url, language, description, image, ''`

func scanPage(r pgx.CollectableRow) (index.Page, error) {
	var p index.Page
	err := r.Scan(&p.RecordID, &p.ConcurrentTo, &p.URLKey, &p.Timestamp, &p.URL, &p.Filename, &p.Offset,
		&p.Title, &p.Authors, &p.Published, &p.SiteName, &p.CanonicalURL, &p.Language, &p.Description,
		&p.Image, &p.Text)
	if p.Authors == nil {
		p.Authors = []string{}
	}
	return p, err
}

func (x *Index) pages(ctx context.Context, q string, args ...any) ([]index.Page, error) {
	rows, err := x.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("index: query pages: %w", err)
	}
	pages, err := pgx.CollectRows(rows, scanPage)
	if err != nil {
		return nil, fmt.Errorf("index: read pages: %w", err)
	}
	return pages, nil
}

// PagesOf returns the pages (metadata) of one URL key, oldest first.
func (x *Index) PagesOf(ctx context.Context, urlkey string) ([]index.Page, error) {
	return x.pages(ctx, `SELECT `+pageCols+` FROM pages WHERE urlkey = $1 ORDER BY ts, filename, "offset"`, urlkey)
}

// PageHeads is PagesOf without the texts (Text is "").
func (x *Index) PageHeads(ctx context.Context, urlkey string) ([]index.Page, error) {
	return x.pages(ctx, `SELECT `+pageHeadCols+` FROM pages WHERE urlkey = $1 ORDER BY ts, filename, "offset"`, urlkey)
}

// PageAt returns the metadata of the capture of a page at exactly ts.
func (x *Index) PageAt(ctx context.Context, urlkey, ts string) (index.Page, bool, error) {
	pages, err := x.pages(ctx, `SELECT `+pageCols+` FROM pages WHERE urlkey = $1 AND ts = $2
		ORDER BY filename DESC, "offset" DESC LIMIT 1`, urlkey, ts)
	if err != nil || len(pages) == 0 {
		return index.Page{}, false, err
	}
	return pages[0], true, nil
}

// RecentPages returns the n most recently captured pages, newest first.
func (x *Index) RecentPages(ctx context.Context, n int) ([]index.Page, error) {
	return x.pages(ctx, `SELECT `+pageCols+` FROM pages ORDER BY ts DESC, filename DESC, "offset" DESC LIMIT $1`, n)
}

// LatestPage returns the metadata of the latest capture of a page that
// another run than notRun wrote, for change detection.
func (x *Index) LatestPage(ctx context.Context, urlkey, notRun string) (index.Page, bool, error) {
	pages, err := x.pages(ctx, `SELECT `+pageCols+` FROM pages WHERE urlkey = $1 AND ($2 = '' OR run <> $2)
		ORDER BY ts DESC, filename DESC, "offset" DESC LIMIT 1`, urlkey, notRun)
	if err != nil || len(pages) == 0 {
		return index.Page{}, false, err
	}
	return pages[0], true, nil
}

// ResponsesWithMetadata returns the record IDs of the responses a run wrote
// a metadata record for.
func (x *Index) ResponsesWithMetadata(ctx context.Context, runID string) (map[string]bool, error) {
	rows, err := x.pool.Query(ctx, `SELECT concurrent_to FROM pages WHERE run = $1`, runID)
	if err != nil {
		return nil, fmt.Errorf("index: query pages: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("index: read pages: %w", err)
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}
