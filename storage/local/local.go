package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/vellumhq/vellum/storage"
)

// Store keeps objects as files under Root; a key is a path relative to Root.
type Store struct {
	Root string
}

var _ storage.Store = (*Store)(nil)

// New returns a Store rooted at dir (created on first Put).
func New(dir string) *Store { return &Store{Root: dir} }

func (s *Store) path(key string) (string, error) {
	if err := storage.CheckKey(key); err != nil {
		return "", err
	}
	return filepath.Join(s.Root, filepath.FromSlash(key)), nil
}

// Put writes a temporary file beside the target, syncs it, renames it into
// place and syncs the directory, so a crash leaves the old object or the
// new one, never a mix.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("local: put %s: %w", key, err)
	}
	tmp, err := os.CreateTemp(dir, ".put-*")
	if err != nil {
		return fmt.Errorf("local: put %s: %w", key, err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	n, err := io.Copy(tmp, io.LimitReader(ctxReader{ctx, r}, size+1))
	if err == nil && n != size {
		err = fmt.Errorf("got %d bytes, want %d", n, size)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("local: put %s: %w", key, err)
	}
	return nil
}

// Open opens key for reading n bytes from off.
func (s *Store) Open(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("local: open %s: %w", key, storage.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("local: open %s: %w", key, err)
	}
	if n < 0 {
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("local: open %s: %w", key, err)
		}
		n = max(fi.Size()-off, 0)
	}
	return &sectionFile{SectionReader: io.NewSectionReader(f, off, n), f: f}, nil
}

type sectionFile struct {
	*io.SectionReader
	f *os.File
}

func (s *sectionFile) Close() error { return s.f.Close() }

// Stat describes key.
func (s *Store) Stat(ctx context.Context, key string) (storage.Info, error) {
	p, err := s.path(key)
	if err != nil {
		return storage.Info{}, err
	}
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && fi.IsDir()) {
		return storage.Info{}, fmt.Errorf("local: stat %s: %w", key, storage.ErrNotFound)
	}
	if err != nil {
		return storage.Info{}, fmt.Errorf("local: stat %s: %w", key, err)
	}
	return storage.Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// List walks Root and reports the files whose keys start with prefix, in
// key order. Temporary files of unfinished Puts are not listed.
func (s *Store) List(ctx context.Context, prefix string, fn func(storage.Info) error) error {
	var infos []storage.Info
	err := filepath.WalkDir(s.Root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == s.Root {
				return filepath.SkipDir
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".put-") {
			return nil
		}
		rel, err := filepath.Rel(s.Root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil // vanished meanwhile
		}
		infos = append(infos, storage.Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()})
		return nil
	})
	if err != nil {
		return fmt.Errorf("local: list %q: %w", prefix, err)
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Key < infos[j].Key })
	for _, in := range infos {
		if err := fn(in); err != nil {
			return err
		}
	}
	return nil
}

// Delete removes key.
func (s *Store) Delete(ctx context.Context, key string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("local: delete %s: %w", key, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// PutFile copies a local file into the store and verifies the copy against
// sha256hex by reading it back.
func (s *Store) PutFile(ctx context.Context, key, path string, size int64, sha256hex string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("local: put %s: %w", key, err)
	}
	defer f.Close()
	if err := s.Put(ctx, key, f, size); err != nil {
		return err
	}
	p, _ := s.path(key)
	got, err := storage.FileSHA256(p)
	if err != nil {
		return fmt.Errorf("local: verify %s: %w", key, err)
	}
	if got != sha256hex {
		_ = s.Delete(ctx, key)
		return fmt.Errorf("local: verify %s: sha256 %s, want %s", key, got, sha256hex)
	}
	return nil
}
