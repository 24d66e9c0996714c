package s3

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/vellumhq/vellum/storage"
)

// partUploads is how many parts of one file are in flight at once. Parts
// stream from the file (nothing is buffered per part), so it bounds
// connections and server load, not memory.
const partUploads = 4

// probeRetries bounds the attempts of New's first request, so a wrong
// endpoint fails in well under a second instead of after minio-go's ten
// retries with backoff. Later requests retry the minio-go default of 10,
// but PutFile's uploads, which retry on their own (withRetries).
const probeRetries = 2

// Store is an S3 bucket (under an optional key prefix) as a storage.Store.
// Keys are relative to the prefix. It is safe for concurrent use.
type Store struct {
	cfg    Config
	client *minio.Client
	core   minio.Core
	once   minio.Core // one attempt per call: requests with a body, retried by withRetries

	mu     sync.Mutex
	active map[string]bool // IDs of the multipart uploads in flight here
}

var _ storage.Store = (*Store)(nil)

// New connects to the store and creates the bucket when it is missing.
// Errors name the endpoint and bucket and never a secret.
func New(ctx context.Context, cfg Config) (*Store, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	host, secure, err := cfg.endpoint()
	if err != nil {
		return nil, err
	}
	tr, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg, err)
	}
	client, err := newClient(cfg, host, secure, tr, 0)
	if err != nil {
		return nil, err
	}
	probe, err := newClient(cfg, host, secure, tr, probeRetries)
	if err != nil {
		return nil, err
	}
	once, err := newClient(cfg, host, secure, tr, 1)
	if err != nil {
		return nil, err
	}
	s := &Store{cfg: cfg, client: client, core: minio.Core{Client: client}, once: minio.Core{Client: once}, active: map[string]bool{}}
	exists, err := probe.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, s.fail("", "", err, false)
	}
	if !exists {
		err := probe.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region})
		if err != nil && !isCode(err, "BucketAlreadyOwnedByYou", "BucketAlreadyExists") {
			return nil, s.fail("create bucket", "", err, true)
		}
	}
	return s, nil
}

// newClient makes a minio-go client; retries 0 means minio-go's default.
func newClient(cfg Config, host string, secure bool, tr http.RoundTripper, retries int) (*minio.Client, error) {
	c, err := minio.New(host, &minio.Options{
		Transport:       tr,
		Creds:           credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken),
		Secure:          secure,
		Region:          cfg.Region,
		TrailingHeaders: true,
		MaxRetries:      retries,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %v", cfg, err)
	}
	return c, nil
}

// String names the store, as Config.String does.
func (s *Store) String() string { return s.cfg.String() }

// name checks a key and returns its object name in the bucket.
func (s *Store) name(key string) (string, error) {
	if err := storage.CheckKey(key); err != nil {
		return "", err
	}
	return s.cfg.key(key), nil
}

// Put uploads exactly size bytes from r with SHA-256 checksums the server
// checks. Objects above the part size go up in parts; minio-go aborts a
// failed multipart upload, so no partial object appears. Memory: when r is
// an io.ReaderAt+io.Seeker (a file, a bytes.Reader) parts stream from it;
// otherwise one part-size buffer is used.
//
// Put does not retry: minio-go's checksum reader is not reset when a retry
// seeks back, so a retried request would carry a wrong checksum. The body
// is therefore never seekable and a failure goes back to the caller.
// Uploads of files should use PutFile, which retries each part.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	name, err := s.name(key)
	if err != nil {
		return err
	}
	if size < 0 {
		return fmt.Errorf("%s: put %s: unknown size", s.cfg, key)
	}
	var body io.Reader = struct{ io.Reader }{r} // hide ReadAt: minio-go would read from offset 0
	if ra, ok := r.(interface {
		io.ReaderAt
		io.Seeker
	}); ok {
		off, end, err := seekBounds(ra)
		if err != nil {
			return fmt.Errorf("%s: put %s: %w", s.cfg, key, err)
		}
		if end-off < size {
			// minio-go would retry a short seekable body ten times.
			return fmt.Errorf("%s: put %s: the reader has %d bytes, want %d", s.cfg, key, end-off, size)
		}
		sr := io.NewSectionReader(ra, off, size)
		body = struct { // ReadAt for streaming parts, but no Seek (see above)
			io.Reader
			io.ReaderAt
		}{sr, sr}
	}
	_, err = s.client.PutObject(ctx, s.cfg.Bucket, name, body, size, minio.PutObjectOptions{
		PartSize:    s.cfg.PartSize,
		NumThreads:  partUploads,
		Checksum:    minio.ChecksumSHA256,
		ContentType: "application/octet-stream",
	})
	if err != nil {
		return s.fail("put", key, err, true)
	}
	return nil
}

// seekBounds returns the current and the end offset of r, leaving it where it was.
func seekBounds(r io.Seeker) (off, end int64, err error) {
	if off, err = r.Seek(0, io.SeekCurrent); err == nil {
		if end, err = r.Seek(0, io.SeekEnd); err == nil {
			_, err = r.Seek(off, io.SeekStart)
		}
	}
	return off, end, err
}

// Open reads n bytes of key from off (n < 0: to the end) with one ranged GET.
func (s *Store) Open(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	name, err := s.name(key)
	if err != nil {
		return nil, err
	}
	if off < 0 {
		return nil, fmt.Errorf("%s: open %s: negative offset %d", s.cfg, key, off)
	}
	if n == 0 {
		if _, err := s.Stat(ctx, key); err != nil {
			return nil, err
		}
		return io.NopCloser(strings.NewReader("")), nil
	}
	var opts minio.GetObjectOptions
	switch {
	case off > 0 && n < 0:
		err = opts.SetRange(off, 0) // "bytes=off-"
	case n > 0:
		err = opts.SetRange(off, off+n-1) // the end is inclusive
	}
	if err != nil {
		return nil, fmt.Errorf("%s: open %s: %w", s.cfg, key, err)
	}
	// Core.GetObject sends the request now, unlike Client.GetObject, so a
	// missing key fails here and not at the first Read.
	rc, _, _, err := s.core.GetObject(ctx, s.cfg.Bucket, name, opts)
	if isCode(err, "InvalidRange") {
		return io.NopCloser(strings.NewReader("")), nil // off is at or past the end
	}
	if err != nil {
		return nil, s.fail("open", key, err, false)
	}
	return rc, nil
}

// Stat describes key.
func (s *Store) Stat(ctx context.Context, key string) (storage.Info, error) {
	name, err := s.name(key)
	if err != nil {
		return storage.Info{}, err
	}
	oi, err := s.client.StatObject(ctx, s.cfg.Bucket, name, minio.StatObjectOptions{})
	if err != nil {
		return storage.Info{}, s.fail("stat", key, err, false)
	}
	return storage.Info{Key: key, Size: oi.Size, ModTime: oi.LastModified}, nil
}

// List calls fn for every object under the store's prefix whose key starts
// with prefix, in key order (S3 lists in byte order). Objects whose names
// are not valid keys (directory markers, "a//b") are skipped.
func (s *Store) List(ctx context.Context, prefix string, fn func(storage.Info) error) error {
	ctx, cancel := context.WithCancel(ctx) // stops minio-go's listing when fn ends it early
	defer cancel()
	base := ""
	if s.cfg.Prefix != "" {
		base = s.cfg.Prefix + "/"
	}
	opts := minio.ListObjectsOptions{Prefix: base + prefix, Recursive: true}
	for oi := range s.client.ListObjectsIter(ctx, s.cfg.Bucket, opts) {
		if oi.Err != nil {
			return s.fail("list", prefix, oi.Err, false)
		}
		key := strings.TrimPrefix(oi.Key, base)
		if storage.CheckKey(key) != nil {
			continue
		}
		if err := fn(storage.Info{Key: key, Size: oi.Size, ModTime: oi.LastModified}); err != nil {
			return err
		}
	}
	return nil
}

// Delete removes key; a missing key or bucket is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	name, err := s.name(key)
	if err != nil {
		return err
	}
	err = s.client.RemoveObject(ctx, s.cfg.Bucket, name, minio.RemoveObjectOptions{})
	if err != nil && !isCode(err, minio.NoSuchKey, minio.NoSuchBucket) {
		return s.fail("delete", key, err, true)
	}
	return nil
}
