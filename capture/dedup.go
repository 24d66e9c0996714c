package capture

import (
	"context"
	"strings"
	"sync"

	"github.com/vellumhq/vellum/capture/record"
	"github.com/vellumhq/vellum/index"
)

// hostsSeen remembers, per host, whether an earlier run captured anything
// there: a site archived for the first time costs its crawl no per-URL
// deduplication lookups.
type hostsSeen struct {
	idx   priorIndex
	runID string
	mu    sync.Mutex
	known map[string]bool // SURT host prefix ("com,example)/") → captured before
}

func newHostsSeen(idx priorIndex, runID string) *hostsSeen {
	return &hostsSeen{idx: idx, runID: runID, known: map[string]bool{}}
}

// captured reports whether another run captured any URL of key's host. On
// a lookup error it says yes, so deduplication still looks.
func (h *hostsSeen) captured(ctx context.Context, key string) bool {
	i := strings.IndexByte(key, ')')
	if i < 0 {
		return true
	}
	prefix := key[:i+1]
	h.mu.Lock()
	defer h.mu.Unlock()
	if seen, ok := h.known[prefix]; ok {
		return seen
	}
	seen, err := h.idx.HasCapturesUnder(ctx, prefix, h.runID)
	if err != nil {
		return true
	}
	h.known[prefix] = seen
	return seen
}

// priorOf is what deduplication compares a response with, of a capture.
func priorOf(c index.Capture) record.Prior {
	return record.Prior{
		URL: c.URL, Timestamp: c.Timestamp, Type: c.Type, RecordID: c.RecordID, Status: c.Status,
		Digest: c.Digest, RefersToURL: c.RefersToURL, RefersToTimestamp: c.RefersToTimestamp,
	}
}
