package record

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Limits bound what one URL may cost.
type Limits struct {
	MaxBody int64         // entity bytes recorded at most; beyond it the record is cut (WARC-Truncated: length)
	Timeout time.Duration // one URL in all, retries included (one exchange, for the bare Transport); a body still arriving then is cut (WARC-Truncated: time)
	MaxKeep int64         // entity bytes kept in memory for parsing (HTML, CSS); parsing reads no more
}

// defaultMaxKeep is as much of a body as capture's parsers read (its
// maxParseBytes): keeping more would be kept for nothing.
const defaultMaxKeep = 8 << 20

// DefaultLimits are the limits of a capture unless flags say otherwise.
func DefaultLimits() Limits {
	return Limits{MaxBody: 1 << 30, Timeout: 2 * time.Minute, MaxKeep: defaultMaxKeep}
}

// timeLimit is the cancellation cause of a context whose deadline is a time
// limit (of a URL, of a robots.txt) rather than the run's own end: it tells
// a limit reached, which cuts or fails the URL, from a run being stopped.
type timeLimit struct{ d time.Duration }

func (e *timeLimit) Error() string { return fmt.Sprintf("time limit of %s reached", e.d) }

// WithTimeLimit is context.WithTimeout with a time limit as the cause, so
// that a Fetch under it (however deeply nested) tells the limit, which cuts
// the record (WARC-Truncated: time), from its caller being stopped.
func WithTimeLimit(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, d, &timeLimit{d})
}

// TimeLimitReached reports whether a time limit set by WithTimeLimit ended
// ctx (false: ctx still running, or ended by its parent being stopped).
func TimeLimitReached(ctx context.Context) bool { return timeLimitOf(ctx) != nil }

// timeLimitOf is the time limit that ended ctx, or nil (ctx still running,
// or ended by its parent being stopped). Of nested limits, the first to
// expire ended it.
func timeLimitOf(ctx context.Context) *timeLimit {
	var tl *timeLimit
	if errors.As(context.Cause(ctx), &tl) {
		return tl
	}
	return nil
}
