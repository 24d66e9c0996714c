package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vellumhq/vellum/index"
	"github.com/vellumhq/vellum/storage"
	"github.com/vellumhq/vellum/storage/s3"
	"github.com/vellumhq/vellum/warc"
)

// remote is the S3-compatible store of --remote, connected lazily: a store
// that is down when a command starts is used as soon as it answers.
type remote struct {
	cfg   s3.Config
	store *storage.Lazy[*s3.Store] // also backs replay's and resume's reads of records with no local copy
}

// parseRemote reads --remote and the AWS_* variables; "" means no remote.
func parseRemote(flag string) (*remote, error) {
	if flag == "" {
		return nil, nil
	}
	cfg, err := s3.ConfigFromEnv(flag, os.Getenv)
	if err != nil {
		return nil, &exitError{2, "--remote: " + err.Error()}
	}
	return &remote{cfg: cfg, store: storage.NewLazy(func(ctx context.Context) (*s3.Store, error) {
		return s3.New(ctx, cfg) // creates the bucket when missing
	})}, nil
}

func (r *remote) String() string { return r.cfg.String() }

// putter adapts the lazy connection to the uploader.
func (r *remote) putter(ctx context.Context) (storage.FilePutter, error) {
	s, err := r.store.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// newUploader uploads the archive's finished files to r, keeping their state in idx.
func newUploader(archive string, idx *index.Index, r *remote, keepLocal bool) *storage.Uploader {
	return storage.NewUploader(storage.UploaderConfig{
		Root: archive, Open: r.putter, State: idx, KeepLocal: keepLocal, Remote: r.String(),
	})
}

// markLocalFiles marks every finished local WARC and CDXJ file that is not
// known to be uploaded as pending, so the next upload sends it.
func markLocalFiles(ctx context.Context, archive string, idx *index.Index) error {
	names, err := index.WARCFiles(archive)
	if err != nil {
		return err
	}
	for _, n := range names {
		for _, name := range []string{n, cdxjName(n)} {
			st, err := idx.FileState(ctx, name)
			if err != nil {
				return err
			}
			if st == index.StateUploaded {
				continue
			}
			fi, err := os.Stat(filepath.Join(archive, filepath.FromSlash(name)))
			if err != nil {
				continue // a WARC of another tool has no CDXJ beside it
			}
			if err := idx.MarkPending(ctx, storage.File{Name: name, Size: fi.Size()}); err != nil {
				return err
			}
		}
	}
	return nil
}

// cdxjName is the name of the CDXJ file beside a WARC file.
func cdxjName(warcName string) string {
	return strings.TrimSuffix(strings.TrimSuffix(warcName, ".gz"), ".warc") + ".cdxj"
}

// filesOf are the two files a closed WARC file makes.
func filesOf(archive string, f warc.ClosedFile) []storage.File {
	files := []storage.File{{Name: f.Filename, Size: f.Size, SHA256: f.SHA256}}
	cn := cdxjName(f.Filename)
	if fi, err := os.Stat(filepath.Join(archive, filepath.FromSlash(cn))); err == nil {
		files = append(files, storage.File{Name: cn, Size: fi.Size()})
	}
	return files
}

// pendingReport is the line a command prints when files are still pending.
func pendingReport(ctx context.Context, idx *index.Index, r *remote, up *storage.Uploader) error {
	pending, err := idx.Pending(ctx)
	if err != nil {
		return err
	}
	if len(pending) == 0 {
		return nil
	}
	why := "not uploaded yet"
	if e := up.LastError(); e != nil {
		why = oneLine(e)
	} else if p := pending[len(pending)-1]; p.LastError != "" {
		why = p.LastError
	}
	return &exitError{1, fmt.Sprintf("%d files kept locally, pending upload to %s: %s; run `vellum upload`", len(pending), r, afterStoreName(why, r.String()))}
}

// afterStoreName is a failure's cause without the layers before it that
// name the store (the uploader's "upload FILE to STORE:", the store's own
// "STORE:"), for a line that names the store once already.
func afterStoreName(msg, store string) string {
	if i := strings.LastIndex(msg, store+": "); i >= 0 {
		return msg[i+len(store)+2:]
	}
	return msg
}

func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }
