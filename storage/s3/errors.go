package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"syscall"

	"github.com/minio/minio-go/v7"

	"github.com/vellumhq/vellum/storage"
)

// Errors the store's failures wrap, for errors.Is. Messages read as
// "s3://bucket/prefix at http://host:port: <op> <key>: <one of these>".
var (
	// ErrVerify means the stored object does not match the local file; the
	// object was not created or has been deleted again.
	ErrVerify = errors.New("s3: uploaded object does not match the local file")
	// ErrAccessDenied means the credentials were refused.
	ErrAccessDenied = errors.New("access denied (check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)")
	// ErrNoWritePermission means the credentials may read but not write.
	ErrNoWritePermission = errors.New("no write permission on the bucket")
	// ErrUnreachable means no S3 server answered at the endpoint.
	ErrUnreachable = errors.New("endpoint unreachable")
)

// Codes S3 and MinIO answer for credentials they do not accept.
var badCredentialCodes = []string{
	"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
	"InvalidSecurity", "AuthorizationHeaderMalformed", "XMinioInvalidAccessKeyID",
}

// Codes for a body that does not match the checksum sent with it.
var checksumCodes = []string{
	"BadDigest", "XAmzContentChecksumMismatch", "XAmzContentSHA256Mismatch", "InvalidChecksum",
	"InvalidPartChecksum", // MinIO: a part's checksum disagrees at completion
}

// fail turns a minio-go error into one line naming the store, the
// operation and the key. write says whether the operation writes, which
// decides how a plain AccessDenied reads.
func (s *Store) fail(op, key string, err error, write bool) error {
	where := s.cfg.String()
	if op != "" {
		where += ": " + op
		if key != "" {
			where += " " + key
		}
	}
	code := minio.ToErrorResponse(err).Code
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", where, err)
	case code == minio.NoSuchKey || code == minio.NoSuchBucket:
		return fmt.Errorf("%s: %w", where, storage.ErrNotFound)
	case slices.Contains(badCredentialCodes, code):
		return fmt.Errorf("%s: %w", where, ErrAccessDenied)
	case code == minio.AccessDenied && write:
		return fmt.Errorf("%s: %w", where, ErrNoWritePermission)
	case code == minio.AccessDenied:
		return fmt.Errorf("%s: %w", where, ErrAccessDenied)
	case slices.Contains(checksumCodes, code):
		return fmt.Errorf("%s: %w (%s)", where, ErrVerify, code)
	case code == "" && isUnreachable(err):
		return fmt.Errorf("%s: %w: %v", where, ErrUnreachable, netCause(err))
	case code == "":
		return fmt.Errorf("%s: %w", where, netCause(err))
	}
	return fmt.Errorf("%s: %w", where, err)
}

// isCode reports whether err is an S3 error with one of the codes.
func isCode(err error, codes ...string) bool {
	return err != nil && slices.Contains(codes, minio.ToErrorResponse(err).Code)
}

// isUnreachable tells failures to reach the server (refused, unknown host,
// timed out, dropped) from other transport errors such as a failing body.
func isUnreachable(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.As(err, &dns), errors.As(err, &op) && op.Op == "dial":
		return true
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return true
	case errors.As(err, &ne) && ne.Timeout():
		return true
	}
	return false
}

// netCause is the innermost network error ("dial tcp 127.0.0.1:1: connect:
// connection refused"), without the request URL around it.
func netCause(err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		return op
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
