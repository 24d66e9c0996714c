package s3

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
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
// One goroutine reads the file once, computing the SHA-256 of the whole
// file (which must equal want, the SHA-256 recorded when the file was
// written) and the CRC32C of each part; partUploads workers send each part
// with its CRC32C in the x-amz-checksum-crc32c header as soon as it is
// read, and the server refuses a part that does not match. The completion
// sends the composite checksum (CRC32C over the parts' CRC32Cs), which the
// server checks too. So what is stored is what was read, and what was read
// is the file as written. CRC32C rather than SHA-256 for the parts: the
// file's SHA-256 already proves its content, and a second SHA-256 pass on
// each side costs a third of the throughput on a 2-core machine (bench/upload.sh).
// A failed part is retried with a new section of the file (withRetries
// says why not minio-go's retries). On any failure, or when the whole file does not hash to
// want, the upload is aborted.
func (s *Store) putMultipart(ctx context.Context, name string, f *os.File, size int64, want []byte) (expected, minio.UploadInfo, error) {
	partSize := int64(s.cfg.PartSize)
	n := int((size + partSize - 1) / partSize)
	if n > maxParts {
		return expected{}, minio.UploadInfo{}, fmt.Errorf("%d bytes need %d parts of %d bytes, more than S3's %d: raise the part size", size, n, partSize, maxParts)
	}
	s.abortStale(ctx, name)
	id, err := s.core.NewMultipartUpload(ctx, s.cfg.Bucket, name, minio.PutObjectOptions{
		ContentType:  "application/octet-stream",
		UserMetadata: map[string]string{hdrChecksumAlgo: "CRC32C", hdrChecksumType: "COMPOSITE"},
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
				body := func() io.Reader { return io.NewSectionReader(f, p.off, p.size) }
				op, err := withRetries(gctx, body, func(r io.Reader) (minio.ObjectPart, error) {
					return s.once.PutObjectPart(gctx, s.cfg.Bucket, name, id, p.num, r, p.size, minio.PutObjectPartOptions{
						CustomHeader:         map[string][]string{hdrChecksumCRC32C: {b64(p.sum)}},
						DisableContentSha256: true, // the checksum header covers the body
					})
				})
				if err != nil {
					return err
				}
				if op.ChecksumCRC32C != "" && op.ChecksumCRC32C != b64(p.sum) {
					return fmt.Errorf("%w: part %d stored with CRC32C %s, sent %s", ErrVerify, p.num, op.ChecksumCRC32C, b64(p.sum))
				}
				done[p.num-1] = minio.CompletePart{PartNumber: p.num, ETag: op.ETag, ChecksumCRC32C: b64(p.sum)}
			}
			return nil
		})
	}
	var info minio.UploadInfo
	err = g.Wait()
	if err == nil {
		// minio-go builds the body anew for each call.
		info, err = withRetries(ctx, func() io.Reader { return nil }, func(io.Reader) (minio.UploadInfo, error) {
			return s.once.CompleteMultipartUpload(ctx, s.cfg.Bucket, name, id, done, minio.PutObjectOptions{
				UserMetadata: map[string]string{hdrChecksumCRC32C: b64(exp.composite), hdrChecksumType: "COMPOSITE"},
			})
		})
	}
	if err != nil {
		s.abort(ctx, name, id)
		return expected{}, minio.UploadInfo{}, err
	}
	return exp, info, nil
}

// hashParts reads the file once and sends each part, with its CRC32C, to
// ready; it returns the SHA-256 of the whole file and the composite
// checksum (CRC32C over the parts' CRC32Cs, big-endian, in order).
func hashParts(ctx context.Context, f *os.File, size, partSize int64, ready chan<- part) (whole, composite []byte, err error) {
	all, comp := sha256.New(), crc32.New(castagnoli)
	buf := make([]byte, 1<<20)
	for off, num := int64(0), 1; off < size; off, num = off+partSize, num+1 {
		p := part{num: num, off: off, size: min(partSize, size-off)}
		h := crc32.New(castagnoli)
		if _, err := io.CopyBuffer(io.MultiWriter(all, h), io.NewSectionReader(f, p.off, p.size), buf); err != nil {
			return nil, nil, fmt.Errorf("read part %d: %w", num, err)
		}
		p.sum = binary.BigEndian.AppendUint32(nil, h.Sum32())
		comp.Write(p.sum)
		select {
		case ready <- p:
		case <-ctx.Done():
			return nil, nil, context.Cause(ctx)
		}
	}
	return all.Sum(nil), binary.BigEndian.AppendUint32(nil, comp.Sum32()), nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

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
