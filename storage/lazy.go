package storage

import (
	"context"
	"io"
	"sync"
)

// Lazy is a Store that connects on its first use: a remote store that is
// down when a command starts is used as soon as it answers. A failed
// connection is not kept, so the next call tries again; a made one is kept
// for the life of the Lazy. Its type parameter lets the same connection
// serve as what the caller knows it to be (an *s3.Store is also the
// uploader's FilePutter).
type Lazy[S Store] struct {
	connect func(ctx context.Context) (S, error)

	mu    sync.Mutex
	store S
	ok    bool
}

var _ Store = (*Lazy[Store])(nil)

// NewLazy returns a Lazy that connects with connect, which the first call
// needing the store runs (one at a time; a failure is returned and not
// kept).
func NewLazy[S Store](connect func(ctx context.Context) (S, error)) *Lazy[S] {
	return &Lazy[S]{connect: connect}
}

// Connect returns the store, connecting on first use.
func (l *Lazy[S]) Connect(ctx context.Context) (S, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ok {
		return l.store, nil
	}
	s, err := l.connect(ctx)
	if err != nil {
		var zero S
		return zero, err
	}
	l.store, l.ok = s, true
	return s, nil
}

// Put stores under key in the connected store.
func (l *Lazy[S]) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	s, err := l.Connect(ctx)
	if err != nil {
		return err
	}
	return s.Put(ctx, key, r, size)
}

// Open reads key from the connected store.
func (l *Lazy[S]) Open(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	s, err := l.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return s.Open(ctx, key, off, n)
}

// Stat describes key in the connected store.
func (l *Lazy[S]) Stat(ctx context.Context, key string) (Info, error) {
	s, err := l.Connect(ctx)
	if err != nil {
		return Info{}, err
	}
	return s.Stat(ctx, key)
}

// List lists the connected store.
func (l *Lazy[S]) List(ctx context.Context, prefix string, fn func(Info) error) error {
	s, err := l.Connect(ctx)
	if err != nil {
		return err
	}
	return s.List(ctx, prefix, fn)
}

// Delete deletes key from the connected store.
func (l *Lazy[S]) Delete(ctx context.Context, key string) error {
	s, err := l.Connect(ctx)
	if err != nil {
		return err
	}
	return s.Delete(ctx, key)
}
