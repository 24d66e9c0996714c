package index

import (
	"context"
	"database/sql"
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
// Triggers on pages keep both in step, whatever writes pages: the Batcher
// (rows written straight in, and rows moved in from open_pages when their
// file is closed), Add, ReplaceFile, Rebuild and the remote CDXJ imports.
// A row replaced by INSERT OR REPLACE has its terms taken out before the
// insert (pages_search_before): a replace fires delete triggers only with
// recursive_triggers on, and with it on pages_search_deleted finds no
// page_docs row left and takes nothing out twice.
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
	UNIQUE (filename, offset)
);
CREATE VIEW IF NOT EXISTS page_search_content AS
	SELECT d.id AS id, p.title AS title, p.authors AS authors, p.site_name AS site_name, p.text AS text
	FROM page_docs d JOIN pages p ON p.filename = d.filename AND p.offset = d.offset;
CREATE VIRTUAL TABLE IF NOT EXISTS page_search USING fts5(title, authors, site_name, text,
	content='page_search_content', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER IF NOT EXISTS pages_search_before BEFORE INSERT ON pages BEGIN
	INSERT INTO page_search (page_search, rowid, title, authors, site_name, text)
		SELECT 'delete', d.id, p.title, p.authors, p.site_name, p.text
		FROM pages p JOIN page_docs d ON d.filename = p.filename AND d.offset = p.offset
		WHERE p.filename = NEW.filename AND p.offset = NEW.offset;
	DELETE FROM page_docs WHERE filename = NEW.filename AND offset = NEW.offset;
END;
CREATE TRIGGER IF NOT EXISTS pages_search_inserted AFTER INSERT ON pages BEGIN
	INSERT INTO page_docs (filename, offset, urlkey, ts) VALUES (NEW.filename, NEW.offset, NEW.urlkey, NEW.ts);
	INSERT INTO page_search (rowid, title, authors, site_name, text)
		VALUES (last_insert_rowid(), NEW.title, NEW.authors, NEW.site_name, NEW.text);
END;
CREATE TRIGGER IF NOT EXISTS pages_search_deleted AFTER DELETE ON pages BEGIN
	INSERT INTO page_search (page_search, rowid, title, authors, site_name, text)
		SELECT 'delete', d.id, OLD.title, OLD.authors, OLD.site_name, OLD.text
		FROM page_docs d WHERE d.filename = OLD.filename AND d.offset = OLD.offset;
	DELETE FROM page_docs WHERE filename = OLD.filename AND offset = OLD.offset;
END;
CREATE TRIGGER IF NOT EXISTS pages_search_updated AFTER UPDATE ON pages BEGIN
	INSERT INTO page_search (page_search, rowid, title, authors, site_name, text)
		SELECT 'delete', d.id, OLD.title, OLD.authors, OLD.site_name, OLD.text
		FROM page_docs d WHERE d.filename = OLD.filename AND d.offset = OLD.offset;
	DELETE FROM page_docs WHERE filename = OLD.filename AND offset = OLD.offset;
	INSERT INTO page_docs (filename, offset, urlkey, ts) VALUES (NEW.filename, NEW.offset, NEW.urlkey, NEW.ts);
	INSERT INTO page_search (rowid, title, authors, site_name, text)
		VALUES (last_insert_rowid(), NEW.title, NEW.authors, NEW.site_name, NEW.text);
END;
`

// migrateSearch makes the full-text index of an index that has none (a new
// one, or one made by a Vellum before it) and fills it from the pages it
// holds, in one transaction: a crash leaves no half-filled index behind.
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
		`INSERT INTO page_search (page_search) VALUES ('rebuild')`,
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
