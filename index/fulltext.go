package index

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
)

// The full-text index of the pages' article metadata (search.go reads it).
//
// page_search is an FTS5 table over title, authors, site name and main text
// that keeps no copy of them: its content is the page_search_content view,
// which reads them from pages. FTS5 needs an integer row id and pages, keyed
// by (filename, offset), has none; page_docs gives each page row one, and
// carries the URL key and timestamp so that the site and date filters of a
// search read a small row by its integer key instead of the page itself.
//
// Triggers on pages keep page_docs in step, whatever writes pages: the
// Batcher (rows written straight in, and rows moved in from open_pages when
// their file is closed), Add, ReplaceFile, Rebuild and the remote CDXJ
// imports. A new row is only listed, as pending (indexed = 0): its words
// are indexed later, in batches, by UpdateSearch, which the serving node
// runs every few seconds and every search runs first. Indexing an
// article's words costs ten times what writing its row does (BenchmarkBatcherPages),
// and a capture must not pay it. A row that goes (deleted, or replaced by
// INSERT OR REPLACE) has its words taken out when they were indexed, with
// the values they were indexed with, which FTS5 needs. A replace fires
// delete triggers only with recursive_triggers on; pages_search_before takes
// the replaced row out itself, and with recursive_triggers on
// pages_search_deleted then finds no page_docs row left and takes nothing
// out twice.
//
// The tokenizer folds case and diacritics ("frontiere" finds "frontière"
// and the reverse) and does not stem: a word finds that word, or with "*"
// the words it begins.
const searchSchema = `
CREATE TABLE IF NOT EXISTS page_docs (
	id       INTEGER PRIMARY KEY,
	filename TEXT NOT NULL,
	offset   INTEGER NOT NULL,
	urlkey   TEXT NOT NULL,
	ts       TEXT NOT NULL,
	indexed  INTEGER NOT NULL DEFAULT 0,
	UNIQUE (filename, offset)
);
CREATE INDEX IF NOT EXISTS page_docs_pending ON page_docs (id) WHERE indexed = 0;
CREATE VIEW IF NOT EXISTS page_search_content AS
	SELECT d.id AS id, p.title AS title, p.authors AS authors, p.site_name AS site_name, p.text AS text
	FROM page_docs d JOIN pages p ON p.filename = d.filename AND p.offset = d.offset WHERE d.indexed = 1;
CREATE VIRTUAL TABLE IF NOT EXISTS page_search USING fts5(title, authors, site_name, text,
	content='page_search_content', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER IF NOT EXISTS pages_search_before BEFORE INSERT ON pages BEGIN
	INSERT INTO page_search (page_search, rowid, title, authors, site_name, text)
		SELECT 'delete', d.id, p.title, p.authors, p.site_name, p.text
		FROM pages p JOIN page_docs d ON d.filename = p.filename AND d.offset = p.offset
		WHERE p.filename = NEW.filename AND p.offset = NEW.offset AND d.indexed = 1;
	DELETE FROM page_docs WHERE filename = NEW.filename AND offset = NEW.offset;
END;
CREATE TRIGGER IF NOT EXISTS pages_search_inserted AFTER INSERT ON pages BEGIN
	INSERT INTO page_docs (filename, offset, urlkey, ts) VALUES (NEW.filename, NEW.offset, NEW.urlkey, NEW.ts);
END;
CREATE TRIGGER IF NOT EXISTS pages_search_deleted AFTER DELETE ON pages BEGIN
	INSERT INTO page_search (page_search, rowid, title, authors, site_name, text)
		SELECT 'delete', d.id, OLD.title, OLD.authors, OLD.site_name, OLD.text
		FROM page_docs d WHERE d.filename = OLD.filename AND d.offset = OLD.offset AND d.indexed = 1;
	DELETE FROM page_docs WHERE filename = OLD.filename AND offset = OLD.offset;
END;
CREATE TRIGGER IF NOT EXISTS pages_search_updated AFTER UPDATE ON pages BEGIN
	INSERT INTO page_search (page_search, rowid, title, authors, site_name, text)
		SELECT 'delete', d.id, OLD.title, OLD.authors, OLD.site_name, OLD.text
		FROM page_docs d WHERE d.filename = OLD.filename AND d.offset = OLD.offset AND d.indexed = 1;
	DELETE FROM page_docs WHERE filename = OLD.filename AND offset = OLD.offset;
	INSERT INTO page_docs (filename, offset, urlkey, ts) VALUES (NEW.filename, NEW.offset, NEW.urlkey, NEW.ts);
END;
`

// migrateSearch makes the full-text index of an index that has none (a new
// one, or one made by a Vellum before it) and lists the pages it holds as
// pending, in one transaction; the first UpdateSearch indexes them.
func migrateSearch(ctx context.Context, db *sql.DB) error {
	if ok, err := hasTable(ctx, db, "page_search"); err != nil || ok {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Another process opening the same index may have made it meanwhile.
	if ok, err := hasTable(ctx, tx, "page_search"); err != nil || ok {
		return err
	}
	for _, q := range []string{
		searchSchema,
		`INSERT INTO page_docs (filename, offset, urlkey, ts) SELECT filename, offset, urlkey, ts FROM pages`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// clearSearch empties the full-text index before every page row is deleted
// (Rebuild): the rows' terms then need not be taken out one by one.
func clearSearch(ctx context.Context, tx *sql.Tx) error {
	for _, q := range []string{`DELETE FROM page_docs`, `INSERT INTO page_search (page_search) VALUES ('delete-all')`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func hasTable(ctx context.Context, db queryer, name string) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = ?`, name).Scan(&n)
	return n > 0, err
}

// searchBatch is how many pages UpdateSearch indexes in one transaction.
const searchBatch = 500

// UpdateSearch indexes the words of the pages not yet in the full-text
// index, in transactions of a few hundred pages, and returns how many it
// indexed. Search runs it first; a serving node runs it every few seconds.
func (x *Index) UpdateSearch(ctx context.Context) (int, error) {
	total := 0
	for {
		tx, err := x.db.BeginTx(ctx, nil)
		if err != nil {
			return total, fmt.Errorf("index: update search: %w", err)
		}
		n, err := indexPending(ctx, tx, searchBatch)
		if err == nil {
			err = tx.Commit()
		}
		if err != nil {
			_ = tx.Rollback()
			return total, fmt.Errorf("index: update search: %w", err)
		}
		total += n
		if n < searchBatch {
			return total, nil
		}
	}
}

// indexPending indexes the words of up to max pending pages (all with max
// 0) and marks them indexed.
func indexPending(ctx context.Context, tx *sql.Tx, max int) (int, error) {
	var hi sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(id) FROM (SELECT id FROM page_docs WHERE indexed = 0 ORDER BY id LIMIT ?)`,
		cmp.Or(max, -1)).Scan(&hi); err != nil || !hi.Valid {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO page_search (rowid, title, authors, site_name, text)
		SELECT d.id, p.title, p.authors, p.site_name, p.text
		FROM page_docs d JOIN pages p ON p.filename = d.filename AND p.offset = d.offset
		WHERE d.indexed = 0 AND d.id <= ?`, hi.Int64)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	// Only what was indexed is marked: a row marked indexed has its words
	// taken out when it goes, and FTS5 must not be asked to take out
	// words it never had. (page_docs has no row without its page.)
	_, err = tx.ExecContext(ctx, `UPDATE page_docs SET indexed = 1 WHERE indexed = 0 AND id <= ?
		AND EXISTS (SELECT 1 FROM pages p WHERE p.filename = page_docs.filename AND p.offset = page_docs.offset)`, hi.Int64)
	return int(n), err
}

// searchPending reports whether some pages wait to be indexed.
func searchPending(ctx context.Context, db queryer) (bool, error) {
	var pending bool
	err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM page_docs WHERE indexed = 0)`).Scan(&pending)
	return pending, err
}
