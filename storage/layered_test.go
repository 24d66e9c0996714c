package storage_test

import (
	"context"
	"io"
	"testing"

	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/storage/local"
	"github.com/vellumhq/vellum/storage/storetest"
)

// TestLayeredConformance runs the suite on a Layered store in the states an
// archive's files go through: only local, uploaded and kept locally, and
// uploaded then removed locally (--keep-local=false), where every read
// falls through to the remote store.
func TestLayeredConformance(t *testing.T) {
	t.Run("NoRemote", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) storage.Store {
			return &storage.Layered{Local: local.New(t.TempDir())}
		})
	})
	t.Run("LocalOnly", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) storage.Store {
			return &storage.Layered{Local: local.New(t.TempDir()), Remote: local.New(t.TempDir())}
		})
	})
	for _, keep := range []bool{true, false} {
		name := "UploadedAndRemovedLocally"
		if keep {
			name = "UploadedAndKeptLocally"
		}
		t.Run(name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) storage.Store {
				l := &storage.Layered{Local: local.New(t.TempDir()), Remote: local.New(t.TempDir())}
				return &uploading{Layered: l, t: t, keepLocal: keep}
			})
		})
	}
}

// uploading is a Layered store whose objects are uploaded to its remote
// store as soon as they are put, as the uploader does with finished files.
type uploading struct {
	*storage.Layered
	t         *testing.T
	keepLocal bool
}

func (u *uploading) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if err := u.Layered.Put(ctx, key, r, size); err != nil {
		return err
	}
	rc, err := u.Local.Open(ctx, key, 0, -1)
	if err != nil {
		u.t.Fatalf("read back %s: %v", key, err)
	}
	defer rc.Close()
	if err := u.Remote.Put(ctx, key, rc, size); err != nil {
		u.t.Fatalf("upload %s: %v", key, err)
	}
	if !u.keepLocal {
		if err := u.Local.Delete(ctx, key); err != nil {
			u.t.Fatalf("remove local %s: %v", key, err)
		}
	}
	return nil
}
