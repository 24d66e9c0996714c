package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// File is a finished local file that belongs in the remote store under Name
// (its path relative to the archive root, slash-separated).
type File struct {
	Name      string
	Size      int64
	SHA256    string // hex
	Attempts  int    // failed uploads so far
	LastError string
}

// FileState records which files still have to be uploaded. Vellum keeps it
// in vellum.db (index.Index implements it).
type FileState interface {
	MarkPending(ctx context.Context, f File) error
	MarkUploaded(ctx context.Context, name string) error
	MarkFailed(ctx context.Context, name string, cause error) error
	Pending(ctx context.Context) ([]File, error)
}

// FilePutter stores a local file and verifies the stored copy against the
// file's SHA-256 before returning nil.
type FilePutter interface {
	PutFile(ctx context.Context, key, path string, size int64, sha256hex string) error
}

// Opener connects to the remote store. The uploader calls it again after a
// failure, so a store that was down when a capture started is used as soon
// as it comes back.
type Opener func(ctx context.Context) (FilePutter, error)

// Remote is a remote store as Vellum's commands use it: read through Store
// (records with no local copy, the CDXJ files other machines uploaded),
// uploaded to through Open, and named in messages by Name, never with a
// secret. capture/upload and serve both take it.
type Remote struct {
	Store Store
	Open  Opener
	Name  string
}

func (r *Remote) String() string { return r.Name }

// UploaderConfig configures an Uploader.
type UploaderConfig struct {
	Root        string // local archive root
	Open        Opener
	State       FileState
	Concurrency int    // files uploaded at once (default 2)
	KeepLocal   bool   // keep local copies after a verified upload
	Remote      string // how to name the remote in messages (never with secrets)
}

// Uploader moves finished files to the remote store. Files are uploaded as
// they are added, concurrently across files; a file counts as uploaded only
// once the store verified it; until then it is pending in FileState and
// retried by a later Upload.
type Uploader struct {
	cfg UploaderConfig

	mu      sync.Mutex
	store   FilePutter
	lastErr error

	sem chan struct{}
	wg  sync.WaitGroup
}

// NewUploader returns an uploader.
func NewUploader(cfg UploaderConfig) *Uploader {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 2
	}
	return &Uploader{cfg: cfg, sem: make(chan struct{}, cfg.Concurrency)}
}

// Add marks files pending and starts uploading them in the background, in
// order (a WARC before its CDXJ, so no reader finds an index line before
// its record). Wait waits for them.
func (u *Uploader) Add(ctx context.Context, files ...File) error {
	for _, f := range files {
		if err := u.cfg.State.MarkPending(ctx, f); err != nil {
			return err
		}
	}
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		u.sem <- struct{}{}
		defer func() { <-u.sem }()
		for _, f := range files {
			if u.upload(ctx, f) != nil {
				return // the rest of the group waits for the next attempt
			}
		}
	}()
	return nil
}

// Wait waits for the uploads started by Add.
func (u *Uploader) Wait() { u.wg.Wait() }

// LastError is the most recent upload failure, if any.
func (u *Uploader) LastError() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.lastErr
}

// UploadPending tries every pending file once, concurrently, and returns
// how many were uploaded and how many are still pending.
func (u *Uploader) UploadPending(ctx context.Context) (uploaded, pending int, err error) {
	files, err := u.cfg.State.Pending(ctx)
	if err != nil {
		return 0, 0, err
	}
	// Its own WaitGroup: u.wg's Wait may not run while Add adds to it from
	// a capture's OnFileClosed (a WaitGroup reused while waited on).
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, group := range groupByWARC(files) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u.sem <- struct{}{}
			defer func() { <-u.sem }()
			for _, f := range group {
				err := u.upload(ctx, f)
				mu.Lock()
				if err == nil {
					uploaded++
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	return uploaded, len(files) - uploaded, nil
}

// Retry runs UploadPending until nothing is pending, the attempts run out
// or ctx ends, pausing with exponential backoff (from first, at most max)
// between rounds.
func (u *Uploader) Retry(ctx context.Context, attempts int, first, maxWait time.Duration) (pending int, err error) {
	wait := first
	for i := 0; i < attempts; i++ {
		_, pending, err = u.UploadPending(ctx)
		if err != nil || pending == 0 || i == attempts-1 {
			return pending, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return pending, ctx.Err()
		case <-t.C:
		}
		wait = min(wait*2, maxWait)
	}
	return pending, nil
}

func (u *Uploader) upload(ctx context.Context, f File) error {
	store, err := u.connect(ctx)
	if err == nil {
		path := filepath.Join(u.cfg.Root, filepath.FromSlash(f.Name))
		if f.SHA256 == "" {
			f.SHA256, err = FileSHA256(path)
		}
		if err == nil {
			err = store.PutFile(ctx, f.Name, path, f.Size, f.SHA256)
		}
		if err == nil {
			if err = u.cfg.State.MarkUploaded(ctx, f.Name); err == nil && !u.cfg.KeepLocal {
				err = removeLocal(path)
			}
			return err
		}
	}
	err = fmt.Errorf("upload %s to %s: %w", f.Name, u.cfg.Remote, err)
	u.mu.Lock()
	u.lastErr = err
	u.mu.Unlock()
	if merr := u.cfg.State.MarkFailed(context.WithoutCancel(ctx), f.Name, err); merr != nil {
		return errors.Join(err, merr)
	}
	return err
}

func (u *Uploader) connect(ctx context.Context) (FilePutter, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.store != nil {
		return u.store, nil
	}
	s, err := u.cfg.Open(ctx)
	if err != nil {
		return nil, err
	}
	u.store = s
	return s, nil
}

// removeLocal deletes a local copy once its upload is verified.
func removeLocal(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove local copy: %w", err)
	}
	return nil
}

// FileSHA256 hashes a local file.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// groupByWARC groups pending files so that a WARC file goes before the
// CDXJ file of the same name stem.
func groupByWARC(files []File) [][]File {
	groups := map[string][]File{}
	var stems []string
	for _, f := range files {
		stem := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(f.Name, ".gz"), ".warc"), ".cdxj")
		if _, ok := groups[stem]; !ok {
			stems = append(stems, stem)
		}
		groups[stem] = append(groups[stem], f)
	}
	sort.Strings(stems)
	out := make([][]File, 0, len(stems))
	for _, s := range stems {
		g := groups[s]
		sort.SliceStable(g, func(i, j int) bool {
			return !strings.HasSuffix(g[i].Name, ".cdxj") && strings.HasSuffix(g[j].Name, ".cdxj")
		})
		out = append(out, g)
	}
	return out
}
