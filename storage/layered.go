package storage

import (
	"context"
	"errors"
	"io"
)

// Layered reads from a local store first and from a remote one when the
// local copy is missing: replay of an archive whose files were uploaded and
// removed locally, or of a remote archive with no local files at all.
// Writes go to the local store.
type Layered struct {
	Local  Store
	Remote Store // may be nil
}

var _ Store = (*Layered)(nil)

// Put writes to the local store.
func (l *Layered) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	return l.Local.Put(ctx, key, r, size)
}

// Open reads the local copy, or the remote one when there is no local copy.
func (l *Layered) Open(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	rc, err := l.Local.Open(ctx, key, off, n)
	if errors.Is(err, ErrNotFound) && l.Remote != nil {
		return l.Remote.Open(ctx, key, off, n)
	}
	return rc, err
}

// Stat describes the local copy, or the remote one.
func (l *Layered) Stat(ctx context.Context, key string) (Info, error) {
	in, err := l.Local.Stat(ctx, key)
	if errors.Is(err, ErrNotFound) && l.Remote != nil {
		return l.Remote.Stat(ctx, key)
	}
	return in, err
}

// List lists the local store.
func (l *Layered) List(ctx context.Context, prefix string, fn func(Info) error) error {
	return l.Local.List(ctx, prefix, fn)
}

// Delete deletes the local copy.
func (l *Layered) Delete(ctx context.Context, key string) error { return l.Local.Delete(ctx, key) }
