package storage

import (
	"context"
	"errors"
	"io"
)

// Layered reads from a local store first and from a remote one when the
// local copy is missing: replay of an archive whose files were uploaded and
// removed locally, or of a remote archive with no local files at all.
// Writes go to the local store; List and Delete cover both, so that it
// keeps the Store contract over what it reads.
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

// List lists the objects of both stores in key order, each key once (the
// local copy's Info where both have it): every key Open can read.
func (l *Layered) List(ctx context.Context, prefix string, fn func(Info) error) error {
	if l.Remote == nil {
		return l.Local.List(ctx, prefix, fn)
	}
	// The local listing is held in memory (local.Store builds it so to sort
	// it anyway); the remote one, possibly far longer, streams past it.
	var locals []Info
	if err := l.Local.List(ctx, prefix, func(in Info) error { locals = append(locals, in); return nil }); err != nil {
		return err
	}
	var fnErr error
	call := func(in Info) error {
		fnErr = fn(in)
		return fnErr
	}
	err := l.Remote.List(ctx, prefix, func(in Info) error {
		for len(locals) > 0 && locals[0].Key <= in.Key {
			same := locals[0].Key == in.Key
			if err := call(locals[0]); err != nil {
				return err
			}
			locals = locals[1:]
			if same {
				return nil
			}
		}
		return call(in)
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return err
	}
	for _, in := range locals {
		if err := fn(in); err != nil {
			return err
		}
	}
	return nil
}

// Delete deletes both copies, so that no read finds the key afterwards.
// (The uploader frees a local copy after its upload by itself, not
// through a Layered store.)
func (l *Layered) Delete(ctx context.Context, key string) error {
	if err := l.Local.Delete(ctx, key); err != nil {
		return err
	}
	if l.Remote != nil {
		return l.Remote.Delete(ctx, key)
	}
	return nil
}
