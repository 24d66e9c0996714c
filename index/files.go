package index

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vellumhq/vellum/storage"
)

// filesSchema keeps the upload state of finished files (WARCs and their
// CDXJ files) and which remote CDXJ files replay has imported. Unlike the
// capture rows it cannot be derived from the WARCs alone; `vellum upload`
// rebuilds it by comparing local files with the remote store.
const filesSchema = `
CREATE TABLE IF NOT EXISTS files (
	name       TEXT PRIMARY KEY,
	size       INTEGER NOT NULL,
	sha256     TEXT NOT NULL,
	state      TEXT NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	updated    TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS remote_cdxj (
	name     TEXT PRIMARY KEY,
	size     INTEGER NOT NULL,
	imported TEXT NOT NULL
) WITHOUT ROWID;
`

// File states.
const (
	StatePending  = "pending"
	StateUploaded = "uploaded"
)

var _ storage.FileState = (*Index)(nil)

// MarkPending records a finished file that must reach the remote store. A
// file already uploaded with the same size and digest stays uploaded.
func (x *Index) MarkPending(ctx context.Context, f storage.File) error {
	_, err := x.db.ExecContext(ctx, `INSERT INTO files (name, size, sha256, state, updated) VALUES (?,?,?,?,?)
		ON CONFLICT(name) DO UPDATE SET state = CASE WHEN files.state = 'uploaded' AND files.size = excluded.size
			AND files.sha256 = excluded.sha256 THEN 'uploaded' ELSE 'pending' END,
			size = excluded.size, sha256 = excluded.sha256, updated = excluded.updated`,
		f.Name, f.Size, f.SHA256, StatePending, now())
	if err != nil {
		return fmt.Errorf("index: mark %s pending: %w", f.Name, err)
	}
	return nil
}

// MarkUploaded records a verified upload.
func (x *Index) MarkUploaded(ctx context.Context, name string) error {
	_, err := x.db.ExecContext(ctx, `UPDATE files SET state = ?, last_error = '', updated = ? WHERE name = ?`, StateUploaded, now(), name)
	if err != nil {
		return fmt.Errorf("index: mark %s uploaded: %w", name, err)
	}
	return nil
}

// MarkFailed records a failed attempt; the file stays pending.
func (x *Index) MarkFailed(ctx context.Context, name string, cause error) error {
	_, err := x.db.ExecContext(ctx, `UPDATE files SET attempts = attempts + 1, last_error = ?, updated = ? WHERE name = ?`,
		cause.Error(), now(), name)
	if err != nil {
		return fmt.Errorf("index: mark %s failed: %w", name, err)
	}
	return nil
}

// Pending lists the files not yet uploaded, by name.
func (x *Index) Pending(ctx context.Context) ([]storage.File, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT name, size, sha256, attempts, last_error FROM files WHERE state = ? ORDER BY name`, StatePending)
	if err != nil {
		return nil, fmt.Errorf("index: pending files: %w", err)
	}
	defer rows.Close()
	var out []storage.File
	for rows.Next() {
		var f storage.File
		if err := rows.Scan(&f.Name, &f.Size, &f.SHA256, &f.Attempts, &f.LastError); err != nil {
			return nil, fmt.Errorf("index: pending files: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// FileState returns the upload state of one file ("" when unknown).
func (x *Index) FileState(ctx context.Context, name string) (string, error) {
	var st string
	err := x.db.QueryRowContext(ctx, `SELECT state FROM files WHERE name = ?`, name).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return st, err
}

// ImportedCDXJ reports whether a remote CDXJ file of that size was imported.
func (x *Index) ImportedCDXJ(ctx context.Context, name string, size int64) (bool, error) {
	var n int64
	err := x.db.QueryRowContext(ctx, `SELECT size FROM remote_cdxj WHERE name = ?`, name).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil && n == size, err
}

// ImportCDXJ replaces the capture and page rows of one WARC file with those
// read through its CDXJ file (from a remote store) and remembers the import.
func (x *Index) ImportCDXJ(ctx context.Context, cdxjName string, size int64, warcName string, caps []Capture, pages []Page) error {
	return x.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{`DELETE FROM captures WHERE filename = ?`, `DELETE FROM pages WHERE filename = ?`} {
			if _, err := tx.ExecContext(ctx, q, warcName); err != nil {
				return err
			}
		}
		if err := insert(ctx, tx, caps, pages); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO remote_cdxj (name, size, imported) VALUES (?,?,?)`, cdxjName, size, now())
		return err
	})
}

func now() string { return time.Now().UTC().Format(time.RFC3339) }

// CountFiles counts the finished files in a state (StatePending, StateUploaded).
func (x *Index) CountFiles(ctx context.Context, state string) (int64, error) {
	var n int64
	if err := x.db.QueryRowContext(ctx, `SELECT count(*) FROM files WHERE state = ?`, state).Scan(&n); err != nil {
		return 0, fmt.Errorf("index: count %s files: %w", state, err)
	}
	return n, nil
}
