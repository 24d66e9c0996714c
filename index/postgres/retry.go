package postgres

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// A write (inTx) that fails because the server is restarting, or cannot be
// reached for a while, is tried again until it succeeds or RetryFor has
// passed: a worker waits for its index and carries on, and what it was
// writing is written once (every write is an upsert, or a move that finds
// nothing left to move, so a transaction whose commit went unanswered and
// is run again changes nothing more).

// DefaultRetryFor is how long a write waits for an unreachable server
// before it fails, unless SetRetry says otherwise.
const DefaultRetryFor = 2 * time.Minute

// SetRetry sets how long a write waits for an unreachable server before it
// fails, and the logger of the lines that say so (nil: none).
func (x *Index) SetRetry(d time.Duration, log *slog.Logger) {
	x.retryFor, x.log = d, log
}

// retry runs write until it succeeds, fails for another reason than an
// unreachable server, or retryFor has passed since its first failure.
func (x *Index) retry(ctx context.Context, write func() error) error {
	err := write()
	if err == nil || !transient(err) || x.retryFor <= 0 {
		return err
	}
	log := x.log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log.Warn("index: PostgreSQL cannot be reached; the write waits for it", "index", x.Path(), "for", x.retryFor, "err", err)
	start, wait := time.Now(), 100*time.Millisecond
	for time.Since(start) < x.retryFor {
		t := time.NewTimer(min(wait, x.retryFor-time.Since(start)))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		if err = write(); err == nil {
			log.Info("index: PostgreSQL reached again; the write is done", "index", x.Path(), "after", time.Since(start).Round(time.Millisecond))
			return nil
		}
		if !transient(err) {
			return err
		}
		wait = min(2*wait, 2*time.Second)
	}
	log.Error("index: PostgreSQL could not be reached; the write failed", "index", x.Path(), "after", x.retryFor, "err", err)
	return err
}

// transient reports whether err says the server could not be reached or
// is restarting, rather than that the write itself is wrong.
func transient(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "57P01", "57P02", "57P03", // admin_shutdown, crash_shutdown, cannot_connect_now
			"40001", "40P01": // serialization_failure, deadlock_detected: run again
			return true
		}
		return strings.HasPrefix(pe.Code, "08") // connection_exception
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.SafeToRetry(err) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
