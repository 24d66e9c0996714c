package s3

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
)

// S3 request headers for checksums: SHA-256 for a single PUT, CRC32C for
// each part of a multipart upload and for their composite. minio-go passes
// them through as they are, from PutObjectOptions.UserMetadata or a part's
// CustomHeader.
const (
	hdrChecksumSHA256 = "X-Amz-Checksum-Sha256"
	hdrChecksumCRC32C = "X-Amz-Checksum-Crc32c"
	hdrChecksumAlgo   = "X-Amz-Checksum-Algorithm"
	hdrChecksumType   = "X-Amz-Checksum-Type"
)

// abortTimeout bounds cleaning up after a failed multipart upload, which
// goes on even when the caller's context has ended.
const abortTimeout = 15 * time.Second

// PutFile uploads a finished local file of the given size under key and
// returns nil only once the stored object is verified against sha256hex,
// the file's SHA-256 as computed locally. A mismatch anywhere wraps
// ErrVerify and never leaves a mismatching object under key.
//
// A file of at most PartSize goes up in one PUT that carries the SHA-256
// as x-amz-checksum-sha256, so the server refuses a body that differs.
// A larger file goes up in parts: one pass over the file hashes the whole
// file (which must equal sha256hex) and each part, which is sent with its
// CRC32C while the pass goes on; the completion carries the composite
// checksum, CRC32C over the parts' CRC32Cs, which the server checks too
// (putMultipart says why CRC32C). Either way PutFile then compares the checksum the store
// reports for the object (in the upload's response, else from StatObject
// with checksum mode on) with the local one; a store that reports none
// has the object read back and hashed.
//
// Memory does not grow with the file or the part size: parts stream from
// the file, at most 4 at a time, plus a 1 MiB hashing buffer.
//
// A failed multipart upload is aborted; if the store is down then, the
// next PutFile of the same key aborts it (uploads of one key must not run
// at once in different processes).
func (s *Store) PutFile(ctx context.Context, key, path string, size int64, sha256hex string) error {
	name, err := s.name(key)
	if err != nil {
		return err
	}
	want, err := hex.DecodeString(sha256hex)
	if err != nil || len(want) != sha256.Size {
		return fmt.Errorf("%s: put %s: invalid SHA-256 %q", s.cfg, key, sha256hex)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s: put %s: %w", s.cfg, key, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return fmt.Errorf("%s: put %s: %w", s.cfg, key, err)
	} else if fi.Size() != size {
		return fmt.Errorf("%s: put %s: %s is %d bytes, want %d", s.cfg, key, path, fi.Size(), size)
	}

	var exp expected
	var info minio.UploadInfo
	if size <= int64(s.cfg.PartSize) {
		exp = expected{whole: want}
		info, err = s.putSingle(ctx, name, f, size, want)
	} else {
		exp, info, err = s.putMultipart(ctx, name, f, size, want)
	}
	if err != nil {
		return s.fail("put", key, err, true)
	}
	reported := info.ChecksumSHA256
	if exp.parts > 0 {
		reported = info.ChecksumCRC32C
	}
	return s.verify(ctx, key, name, size, exp, reported)
}

// putSingle uploads f in one PUT with its SHA-256 in a header; each
// attempt reads its own section of the file (withRetries says why).
func (s *Store) putSingle(ctx context.Context, name string, f *os.File, size int64, sum []byte) (minio.UploadInfo, error) {
	body := func() io.Reader { return io.NewSectionReader(f, 0, size) }
	return withRetries(ctx, body, func(r io.Reader) (minio.UploadInfo, error) {
		return s.once.Client.PutObject(ctx, s.cfg.Bucket, name, r, size, minio.PutObjectOptions{
			PartSize:             s.cfg.PartSize,
			DisableMultipart:     true,
			DisableContentSha256: true, // the checksum header covers the body
			ContentType:          "application/octet-stream",
			UserMetadata:         map[string]string{hdrChecksumSHA256: b64(sum)},
		})
	})
}

// expected is what the server should report for an uploaded object.
type expected struct {
	whole     []byte // SHA-256 of the file
	composite []byte // multipart only: CRC32C over the parts' CRC32Cs
	parts     int    // multipart only: the number of parts
}

// verify checks the stored object against exp. It trusts, in order, the
// checksum the upload's response reported, the one StatObject reports,
// and failing both a read-back of the whole object. A mismatch deletes the
// object.
func (s *Store) verify(ctx context.Context, key, name string, size int64, exp expected, reported string) error {
	problem, ok := compareChecksum(reported, exp)
	if !ok {
		oi, err := s.client.StatObject(ctx, s.cfg.Bucket, name, minio.StatObjectOptions{Checksum: true})
		if err != nil {
			return s.fail("verify", key, err, false)
		}
		stored := oi.ChecksumSHA256
		if exp.parts > 0 {
			stored = oi.ChecksumCRC32C
		}
		problem, ok = compareChecksum(stored, exp)
		if oi.Size != size {
			problem, ok = fmt.Sprintf("stored %d bytes, the file has %d", oi.Size, size), true
		}
	}
	if !ok {
		var err error
		if problem, err = s.readBack(ctx, name, exp.whole); err != nil {
			return s.fail("verify", key, err, false)
		}
	}
	if problem == "" {
		return nil
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	if err := s.client.RemoveObject(dctx, s.cfg.Bucket, name, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("%s: verify %s: %w: %s; deleting it failed too: %v", s.cfg, key, ErrVerify, problem, err)
	}
	return fmt.Errorf("%s: verify %s: %w: %s", s.cfg, key, ErrVerify, problem)
}

// compareChecksum compares a checksum the store reported with exp. It is
// not comparable (ok false) when missing or of another shape than the
// upload's: a whole-object SHA-256 for one PUT, "<composite>-<parts>" for
// a multipart upload.
func compareChecksum(got string, exp expected) (problem string, ok bool) {
	sum, parts := splitPartCount(got)
	switch {
	case sum == "":
		return "", false
	case exp.parts == 0 && parts == 0:
		if want := b64(exp.whole); sum != want {
			return fmt.Sprintf("stored SHA-256 %s, the file's is %s", sum, want), true
		}
	case exp.parts > 0 && parts == exp.parts:
		if want := b64(exp.composite); sum != want {
			return fmt.Sprintf("stored composite CRC32C %s-%d, the file's is %s-%d", sum, parts, want, exp.parts), true
		}
	default:
		return "", false
	}
	return "", true
}

// readBack hashes the stored object and compares it with want.
func (s *Store) readBack(ctx context.Context, name string, want []byte) (problem string, err error) {
	rc, _, _, err := s.core.GetObject(ctx, s.cfg.Bucket, name, minio.GetObjectOptions{})
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", err
	}
	if got := h.Sum(nil); !bytes.Equal(got, want) {
		return fmt.Sprintf("read back SHA-256 %x, the file's is %x", got, want), nil
	}
	return "", nil
}

// splitPartCount splits "<base64>-<n>", S3's form of a composite checksum
// of n parts; a whole-object checksum has no suffix (n = 0).
func splitPartCount(checksum string) (sum string, parts int) {
	i := strings.LastIndexByte(checksum, '-')
	if i < 0 {
		return checksum, 0
	}
	n, err := strconv.Atoi(checksum[i+1:])
	if err != nil || n <= 0 {
		return checksum, 0
	}
	return checksum[:i], n
}

func b64(sum []byte) string { return base64.StdEncoding.EncodeToString(sum) }
