package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"
)

// ErrNotFound is returned by every backend for a key that does not exist.
var ErrNotFound = errors.New("storage: not found")

// Info describes a stored object.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// Store keeps objects under keys. Implementations are safe for concurrent use.
type Store interface {
	// Put stores exactly size bytes read from r under key, replacing any
	// object there. The object becomes visible only once complete: a failed
	// Put leaves no partial object under key.
	Put(ctx context.Context, key string, r io.Reader, size int64) error
	// Open reads n bytes of key starting at off (n < 0: to the end). A
	// missing key is ErrNotFound; a range beyond the end yields what exists.
	Open(ctx context.Context, key string, off, n int64) (io.ReadCloser, error)
	// Stat describes key, or returns ErrNotFound.
	Stat(ctx context.Context, key string) (Info, error)
	// List calls fn for every object whose key starts with prefix, in key
	// order; an error from fn stops the listing and is returned.
	List(ctx context.Context, prefix string, fn func(Info) error) error
	// Delete removes key. Deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// CheckKey rejects keys that are empty, absolute, not clean, or that would
// climb out of the store ("../x"), so no backend can be tricked into
// touching files outside its root.
func CheckKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.Contains(key, "\\") || strings.ContainsRune(key, 0) {
		return fmt.Errorf("storage: invalid key %q", key)
	}
	if path.Clean(key) != key || key == "." || key == ".." || strings.HasPrefix(key, "../") {
		return fmt.Errorf("storage: invalid key %q", key)
	}
	return nil
}
