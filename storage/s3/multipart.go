package s3

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"

	"github.com/minio/minio-go/v7"
	"golang.org/x/sync/errgroup"
)

// maxParts is S3's limit on the parts of one upload.
const maxParts = 10000

// part is one hashed part, ready to send.
type part struct {
	num       int
	off, size int64
	sum       []byte
}

// putMultipart uploads f in parts of PartSize through minio-go's Core, so
// that this code owns the upload ID: PutObject's multipart path wraps every
// part in a hashing reader that cannot seek, which turns off minio-go's
// retries, and it cannot say which upload to abort when the server was
// down at the time of its own abort.
//
// One goroutine reads the file once, hashing each part and the whole file;
// partUploads workers send each part with its SHA-256 in the
// x-amz-checksum-sha256 header as soon as it is hashed. The bodies are
// seekable sections of the file, so minio-go retries a failed part. The
// completion sends the composite checksum; on any failure, or when the
// whole file does not hash to want, the upload is aborted.
func (s *Store) putMultipart(ctx context.Context, name string, f *os.File, size int64, want []byte) (expected, minio.UploadInfo, error) {
	partSize := int64(s.cfg.PartSize)
	n := int((size + partSize - 1) / partSize)
	if n > maxParts {
		return expected{}, minio.UploadInfo{}, fmt.Errorf("%d bytes need %d parts of %d bytes, more than S3's %d: raise the part size", size, n, partSize, maxParts)
	}
	s.abortStale(ctx, name)
	id, err := s.core.NewMultipartUpload(ctx, s.cfg.Bucket, name, minio.PutObjectOptions{
		ContentType:  "application/octet-stream",
		UserMetadata: map[string]string{hdrChecksumAlgo: "SHA256", hdrChecksumType: "COMPOSITE"},
	})
	if err != nil {
		return expected{}, minio.UploadInfo{}, err
	}
	s.setActive(id, true)
	defer s.setActive(id, false)

	exp := expected{parts: n}
	done := make([]minio.CompletePart, n)
	g, gctx := errgroup.WithContext(ctx)
	ready := make(chan part, partUploads)
	g.Go(func() error {
		defer close(ready)
		var err error
		exp.whole, exp.composite, err = hashParts(gctx, f, size, partSize, ready)
		if err == nil && !bytes.Equal(exp.whole, want) {
			err = fmt.Errorf("%w: the file's SHA-256 is %x, want %x", ErrVerify, exp.whole, want)
		}
		return err
	})
	for range partUploads {
		g.Go(func() error {
			for p := range ready {
				op, err := s.core.PutObjectPart(gctx, s.cfg.Bucket, name, id, p.num, io.NewSectionReader(f, p.off, p.size), p.size,
					minio.PutObjectPartOptions{
						CustomHeader:         map[string][]string{hdrChecksumSHA256: {b64(p.sum)}},
						DisableContentSha256: true, // the checksum header covers the body
					})
				if err != nil {
					return err
				}
				if op.ChecksumSHA256 != "" && op.ChecksumSHA256 != b64(p.sum) {
					return fmt.Errorf("%w: part %d stored with SHA-256 %s, sent %s", ErrVerify, p.num, op.ChecksumSHA256, b64(p.sum))
				}
				done[p.num-1] = minio.CompletePart{PartNumber: p.num, ETag: op.ETag, ChecksumSHA256: b64(p.sum)}
			}
			return nil
		})
	}
	var info minio.UploadInfo
	err = g.Wait()
	if err == nil {
		info, err = s.core.CompleteMultipartUpload(ctx, s.cfg.Bucket, name, id, done, minio.PutObjectOptions{
			UserMetadata: map[string]string{hdrChecksumSHA256: b64(exp.composite), hdrChecksumType: "COMPOSITE"},
		})
	}
	if err != nil {
		s.abort(ctx, name, id)
		return expected{}, minio.UploadInfo{}, err
	}
	return exp, info, nil
}

// hashParts reads the file once and sends each part, with its SHA-256, to
// ready; it returns the SHA-256 of the whole file and the composite
// checksum (SHA-256 over the parts' SHA-256s, in order).
func hashParts(ctx context.Context, f *os.File, size, partSize int64, ready chan<- part) (whole, composite []byte, err error) {
	all, comp := sha256.New(), sha256.New()
	buf := make([]byte, 1<<20)
	for off, num := int64(0), 1; off < size; off, num = off+partSize, num+1 {
		p := part{num: num, off: off, size: min(partSize, size-off)}
		h := sha256.New()
		if _, err := io.CopyBuffer(io.MultiWriter(all, h), io.NewSectionReader(f, p.off, p.size), buf); err != nil {
			return nil, nil, fmt.Errorf("read part %d: %w", num, err)
		}
		p.sum = h.Sum(nil)
		comp.Write(p.sum)
		select {
		case ready <- p:
		case <-ctx.Done():
			return nil, nil, context.Cause(ctx)
		}
	}
	return all.Sum(nil), comp.Sum(nil), nil
}

// abort abandons an upload, even after ctx has ended, within abortTimeout.
func (s *Store) abort(ctx context.Context, name, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	_ = s.core.AbortMultipartUpload(ctx, s.cfg.Bucket, name, id)
}

// abortStale aborts unfinished uploads of exactly name that this process is
// not running: leftovers of an attempt whose abort failed because the store
// was down. Errors are ignored; the upload that follows reports them.
func (s *Store) abortStale(ctx context.Context, name string) {
	res, err := s.core.ListMultipartUploads(ctx, s.cfg.Bucket, name, "", "", "", 1000)
	if err != nil {
		return
	}
	for _, u := range res.Uploads {
		if u.Key == name && !s.isActive(u.UploadID) {
			s.abort(ctx, name, u.UploadID)
		}
	}
}

func (s *Store) setActive(id string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.active[id] = true
	} else {
		delete(s.active, id)
	}
}

func (s *Store) isActive(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active[id]
}
