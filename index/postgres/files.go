package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/storage"
)

// The upload state of finished files (WARCs and their CDXJ files), and
// which remote CDXJ files were imported. In a cluster each worker marks
// the files it wrote; their names are unique to the worker's runs.

var _ storage.FileState = (*Index)(nil)

// MarkPending records a finished file that must reach the remote store. A
// file already uploaded with the same size and digest stays uploaded.
func (x *Index) MarkPending(ctx context.Context, f storage.File) error {
	_, err := x.pool.Exec(ctx, `INSERT INTO files (name, size, sha256, state, updated) VALUES ($1,$2,$3,'pending',now())
		ON CONFLICT (name) DO UPDATE SET state = CASE WHEN files.state = 'uploaded' AND files.size = excluded.size
			AND files.sha256 = excluded.sha256 THEN 'uploaded' ELSE 'pending' END,
			size = excluded.size, sha256 = excluded.sha256, updated = excluded.updated`, f.Name, f.Size, f.SHA256)
	if err != nil {
		return fmt.Errorf("index: mark %s pending: %w", f.Name, err)
	}
	return nil
}

// MarkUploaded records a verified upload.
func (x *Index) MarkUploaded(ctx context.Context, name string) error {
	_, err := x.pool.Exec(ctx, `UPDATE files SET state = 'uploaded', last_error = '', updated = now() WHERE name = $1`, name)
	if err != nil {
		return fmt.Errorf("index: mark %s uploaded: %w", name, err)
	}
	return nil
}

// MarkFailed records a failed attempt; the file stays pending.
func (x *Index) MarkFailed(ctx context.Context, name string, cause error) error {
	_, err := x.pool.Exec(ctx, `UPDATE files SET attempts = attempts + 1, last_error = $1, updated = now() WHERE name = $2`,
		clean(cause.Error()), name)
	if err != nil {
		return fmt.Errorf("index: mark %s failed: %w", name, err)
	}
	return nil
}

// Pending lists the files not yet uploaded, by name.
func (x *Index) Pending(ctx context.Context) ([]storage.File, error) {
	rows, err := x.pool.Query(ctx, `SELECT name, size, sha256, attempts, last_error FROM files WHERE state = 'pending' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("index: pending files: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (storage.File, error) {
		var f storage.File
		err := r.Scan(&f.Name, &f.Size, &f.SHA256, &f.Attempts, &f.LastError)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("index: pending files: %w", err)
	}
	return out, nil
}

// FileState returns the upload state of one file ("" when unknown).
func (x *Index) FileState(ctx context.Context, name string) (string, error) {
	var st string
	err := x.pool.QueryRow(ctx, `SELECT state FROM files WHERE name = $1`, name).Scan(&st)
	if isNoRows(err) {
		return "", nil
	}
	return st, err
}

// CountFiles counts the finished files in a state (index.StatePending,
// index.StateUploaded).
func (x *Index) CountFiles(ctx context.Context, state string) (int64, error) {
	var n int64
	if err := x.pool.QueryRow(ctx, `SELECT count(*) FROM files WHERE state = $1`, state).Scan(&n); err != nil {
		return 0, fmt.Errorf("index: count %s files: %w", state, err)
	}
	return n, nil
}

// ImportedCDXJ reports whether a remote CDXJ file of that size was imported.
func (x *Index) ImportedCDXJ(ctx context.Context, name string, size int64) (bool, error) {
	var n int64
	err := x.pool.QueryRow(ctx, `SELECT size FROM remote_cdxj WHERE name = $1`, name).Scan(&n)
	if isNoRows(err) {
		return false, nil
	}
	return err == nil && n == size, err
}

// ImportCDXJ replaces the capture and page rows of one WARC file with those
// read through its CDXJ file (from a remote store) and remembers the import.
func (x *Index) ImportCDXJ(ctx context.Context, cdxjName string, size int64, warcName string, caps []index.Capture, pages []index.Page) error {
	return x.inTx(ctx, func(tx pgx.Tx) error {
		if err := replaceFile(ctx, tx, warcName, caps, pages); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO remote_cdxj (name, size, imported) VALUES ($1,$2,now())
			ON CONFLICT (name) DO UPDATE SET size = excluded.size, imported = excluded.imported`, cdxjName, size)
		return err
	})
}
