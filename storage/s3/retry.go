package s3

import (
	"context"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/minio/minio-go/v7"
)

// PutFile's requests that carry a body are retried here, not by minio-go.
// minio-go retries a request by seeking its body back to the start, but
// net/http may still be reading that body from the failed attempt after
// RoundTrip returned (its write loop goes on when the response came
// first): the two readers then share one offset, a data race that can
// send bytes of the earlier attempt in the retry. So the client that sends
// bodies (Store.once) makes one attempt per call, and each attempt here
// gets a reader of its own; an earlier attempt's leftover reads touch only
// its own reader.
//
// The retries of one request go on for up to retryFor after its first
// failure, waiting retryFirst, then twice as long each time up to
// retryMaxWait: a store that restarts (seconds, more on a busy machine) is
// waited for; one that stays down fails the upload, which is then left
// pending for `vellum upload`.
const (
	retryFor     = 30 * time.Second
	retryFirst   = 250 * time.Millisecond
	retryMaxWait = 4 * time.Second
)

// withRetries calls attempt with a fresh body from body until it succeeds,
// fails for good (see retryable), retryFor has passed since the first
// failure or ctx ends.
func withRetries[T any](ctx context.Context, body func() io.Reader, attempt func(io.Reader) (T, error)) (T, error) {
	var deadline time.Time
	wait := retryFirst
	for {
		v, err := attempt(body())
		if err == nil || !retryable(ctx, err) {
			return v, err
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(retryFor)
		}
		if time.Now().Add(wait).After(deadline) {
			return v, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return v, err
		case <-t.C:
		}
		wait = min(2*wait, retryMaxWait)
	}
}

// retryable tells a failure that may pass (the store unreachable or busy,
// a connection dropped) from one that will not (refused credentials, a
// checksum mismatch, a missing bucket), as minio-go's own retries do.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	resp := minio.ToErrorResponse(err)
	switch {
	case resp.Code == "" && resp.StatusCode == 0:
		return isUnreachable(err) || minio.IsNetworkOrHostDown(err, false)
	case slices.Contains(retryableCodes, resp.Code):
		return true
	}
	return resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests ||
		resp.StatusCode >= 500 && !slices.Contains(checksumCodes, resp.Code)
}

// retryableCodes are S3 error codes of a busy or restarting store.
var retryableCodes = []string{
	"RequestTimeout", "SlowDown", "SlowDownWrite", "InternalError", "ServiceUnavailable",
	"XMinioServerNotInitialized",
}
