package frontier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Options tune a Redis frontier; the zero value takes the defaults.
type Options struct {
	// Lease is how long a worker's claims stay its own without a renewal
	// (default 30 s; Keepalive renews every third of it). The leases'
	// clock stops while Redis is away: a restart longer than a lease does
	// not make the workers' leases look expired (reap, in scripts.go).
	Lease time.Duration
	// RetryFor bounds how long a step retries while Redis is unreachable
	// or loading (default 2 min); then the step fails.
	RetryFor time.Duration
	// Poll is the longest Next waits between looks at the queue when
	// nothing is ready (default 100 ms).
	Poll time.Duration
	// MaxPages is the run's page budget across the cluster (0: none).
	MaxPages int
	// Log receives the retry and recovery lines (default: none).
	Log *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.RetryFor <= 0 {
		o.RetryFor = 2 * time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = 100 * time.Millisecond
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// Redis is a run's frontier in Redis, shared by every worker of the run.
type Redis struct {
	c      redis.UniversalClient
	runID  string
	prefix string
	opts   Options
	log    *slog.Logger
	tokens atomic.Int64 // Next's request tokens
}

// NewRedis returns the frontier of runID in the Redis c talks to. Many
// workers (processes) each make their own for the same run.
func NewRedis(c redis.UniversalClient, runID string, opts Options) *Redis {
	opts = opts.withDefaults()
	return &Redis{c: c, runID: runID, prefix: Prefix(runID), opts: opts, log: opts.Log.With("component", "frontier", "run", runID)}
}

// Prefix is the start of every key of runID's frontier. The braces make
// the run one hash slot of a Redis Cluster, so each script's keys are on
// one node.
func Prefix(runID string) string { return "vellum:frontier:{" + runID + "}:" }

// Join registers worker and starts its lease.
func (r *Redis) Join(ctx context.Context, worker string) error {
	return r.do(ctx, "join", func(ctx context.Context) error {
		return joinScript.Run(ctx, r.c, r.keys(), worker, r.opts.Lease.Milliseconds()).Err()
	})
}

// Keepalive renews worker's lease every third of it until ctx ends (nil)
// or the lease is lost (ErrLeaseLost).
func (r *Redis) Keepalive(ctx context.Context, worker string) error {
	t := time.NewTicker(r.opts.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		err := r.do(ctx, "renew", func(ctx context.Context) error {
			return renewScript.Run(ctx, r.c, r.keys(), worker, r.opts.Lease.Milliseconds()).Err()
		})
		if err != nil && ctx.Err() == nil {
			return err
		}
	}
}

// Leave unregisters worker; claims it still holds go back to the queue.
func (r *Redis) Leave(ctx context.Context, worker string) error {
	return r.do(ctx, "leave", func(ctx context.Context) error {
		return leaveScript.Run(ctx, r.c, r.keys(), worker).Err()
	})
}

// Add queues the items the run has not seen.
func (r *Redis) Add(ctx context.Context, items ...Item) ([]bool, error) {
	if len(items) == 0 {
		return nil, nil
	}
	args := []any{r.opts.MaxPages}
	for _, it := range items {
		host := ""
		if it.Kind == Page {
			u, err := url.Parse(it.URL)
			if err != nil {
				return nil, fmt.Errorf("frontier: add %s: %w", it.URL, err)
			}
			host = u.Host
		} else if it.Kind != Requisite {
			return nil, fmt.Errorf("frontier: add %s: unknown kind %q", it.URL, it.Kind)
		}
		b, err := json.Marshal(it)
		if err != nil {
			return nil, err
		}
		args = append(args, string(it.Kind), host, it.URL, string(b))
	}
	var res []int64
	err := r.do(ctx, "add", func(ctx context.Context) error {
		var err error
		res, err = addScript.Run(ctx, r.c, r.keys(), args...).Int64Slice()
		return err
	})
	if err != nil {
		return nil, err
	}
	added := make([]bool, len(res))
	for i, v := range res {
		added[i] = v == 1
	}
	return added, nil
}

// Next waits for a claim for worker: a page whose host is free and past
// its delay, else a requisite. It returns ErrDrained when nothing is
// queued or in flight, ErrLeaseLost when the worker's lease expired.
func (r *Redis) Next(ctx context.Context, worker string) (Claim, error) {
	token := strconv.FormatInt(r.tokens.Add(1), 10)
	for {
		var res []any
		err := r.do(ctx, "next", func(ctx context.Context) error {
			var err error
			res, err = nextScript.Run(ctx, r.c, r.keys(), worker, token).Slice()
			return err
		})
		if err != nil {
			return Claim{}, err
		}
		switch res[0] {
		case "drained":
			return Claim{}, ErrDrained
		case "claim":
			var it Item
			if err := json.Unmarshal([]byte(res[4].(string)), &it); err != nil {
				return Claim{}, fmt.Errorf("frontier: claim %v: %w", res[1], err)
			}
			return Claim{ID: res[1].(string), Worker: worker, Host: res[3].(string), Item: it}, nil
		}
		wait := r.opts.Poll
		if ms, err := strconv.ParseInt(fmt.Sprint(res[1]), 10, 64); err == nil && ms >= 0 {
			wait = min(wait, time.Duration(ms)*time.Millisecond)
		}
		if !sleep(ctx, wait) {
			return Claim{}, ctx.Err()
		}
		// A new look: a claim made by this token would have been handed
		// out, so a fresh one cannot return a stale claim.
		token = strconv.FormatInt(r.tokens.Add(1), 10)
	}
}

// Fetched ends a page's turn of its host; the host's next page may start
// after delay.
func (r *Redis) Fetched(ctx context.Context, c Claim, delay time.Duration) error {
	return r.do(ctx, "fetched", func(ctx context.Context) error {
		return fetchedScript.Run(ctx, r.c, r.keys(), c.Worker, c.ID, delay.Milliseconds()).Err()
	})
}

// Done finishes a claim.
func (r *Redis) Done(ctx context.Context, c Claim) error {
	return r.do(ctx, "done", func(ctx context.Context) error {
		return doneScript.Run(ctx, r.c, r.keys(), c.Worker, c.ID).Err()
	})
}

// Incr adds n to one of the run's counters (bytes, failures, …). A retry
// after a lost reply may count twice: counters are for progress, not for
// deciding what to fetch.
func (r *Redis) Incr(ctx context.Context, name string, n int64) error {
	return r.do(ctx, "incr", func(ctx context.Context) error {
		return r.c.HIncrBy(ctx, r.prefix+"counters", name, n).Err()
	})
}

// State returns the run's frontier as a whole, after giving the claims of
// workers whose lease expired back to the queue.
func (r *Redis) State(ctx context.Context) (State, error) {
	var res []any
	err := r.do(ctx, "state", func(ctx context.Context) error {
		var err error
		res, err = stateScript.Run(ctx, r.c, r.keys()).Slice()
		return err
	})
	if err != nil {
		return State{}, err
	}
	s := State{Counters: map[string]int64{}}
	s.Open, _ = res[0].(int64)
	kv, _ := res[1].([]any)
	for i := 0; i+1 < len(kv); i += 2 {
		n, _ := strconv.ParseInt(fmt.Sprint(kv[i+1]), 10, 64)
		s.Counters[fmt.Sprint(kv[i])] = n
	}
	s.Queued, s.InFlight = s.Counters["queued"], s.Counters["inflight"]
	return s, nil
}

func (r *Redis) keys() []string { return []string{r.prefix} }

// do runs one step, retrying while Redis is unreachable or loading, with
// a backoff up to 2 s and for at most RetryFor; each retry is logged, and
// so is the recovery. A script's own answers (a lost lease) are not
// retried.
func (r *Redis) do(ctx context.Context, op string, step func(context.Context) error) error {
	deadline := time.Now().Add(r.opts.RetryFor)
	backoff := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := step(ctx)
		if err == nil {
			if attempt > 1 {
				r.log.Info("redis is back: carrying on", "op", op, "attempts", attempt)
			}
			return nil
		}
		if strings.Contains(err.Error(), "VELLUM_LEASE_LOST") {
			return fmt.Errorf("%w (%s)", ErrLeaseLost, op)
		}
		if !retryable(err) || ctx.Err() != nil {
			return fmt.Errorf("frontier: %s: %w", op, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("frontier: %s: redis unavailable for %v: %w", op, r.opts.RetryFor, err)
		}
		r.log.Warn("redis unavailable: waiting to retry", "op", op, "attempt", attempt, "retry_in", backoff, "err", err)
		if !sleep(ctx, backoff) {
			return fmt.Errorf("frontier: %s: %w", op, ctx.Err())
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

// retryable reports whether err is Redis being away rather than an answer:
// a connection error, or a server still loading its data after a restart.
func retryable(err error) bool {
	var re redis.Error
	if errors.As(err, &re) {
		msg := re.Error()
		for _, p := range []string{"LOADING", "TRYAGAIN", "MASTERDOWN", "CLUSTERDOWN", "BUSY"} {
			if strings.HasPrefix(msg, p) {
				return true
			}
		}
		return false
	}
	return !errors.Is(err, redis.ErrClosed) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// sleep waits for d or until ctx ends; it reports whether the full time passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Dial returns a client for a redis:// (or rediss://, unix://) URL, as
// --frontier gives it. A URL with addr parameters names the nodes of a
// Redis Cluster, as go-redis reads it (redis://h1:7000?addr=h2:7001&addr=h3:7002):
// every step of a run touches the keys of the run's hash slot only, so a
// run is on one shard and runs are spread over the shards. go-redis's own
// retries are turned off (a cluster's redirects are kept): the frontier's
// retries (bounded by Options.RetryFor, and logged) are then the only
// ones, so an outage always shows in the log rather than as seconds of
// silent stalls.
func Dial(rawURL string) (redis.UniversalClient, error) {
	if u, err := url.Parse(rawURL); err == nil && u.Query().Has("addr") {
		o, err := redis.ParseClusterURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("frontier: %w", err)
		}
		o.MaxRetries = -1
		o.DialerRetries = 1
		return redis.NewClusterClient(o), nil
	}
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("frontier: %w", err)
	}
	o.MaxRetries = -1
	o.DialerRetries = 1
	return redis.NewClient(o), nil
}
