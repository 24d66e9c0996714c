package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisTurnLock is the TurnLock of scheduler nodes that share a Redis: a
// turn is the key vellum:turn:<job>:<due, Unix ms>, taken with SET NX PX.
// Its value says which node holds it and how far it got: "run <node>"
// expires after Lease unless the holder renews it (a node that died
// loses it then), "done <node>" stays for the turn's time and a day, so
// that a node whose clock is late does not run the turn again.
type RedisTurnLock struct {
	Client redis.UniversalClient
	Node   string        // this node's name, unique in the cluster (default: host name and process id)
	Lease  time.Duration // how long a hold lasts without renewal (default 30 s)
}

// NewRedisTurnLock returns the TurnLock of this node on c.
func NewRedisTurnLock(c redis.UniversalClient) *RedisTurnLock {
	host, _ := os.Hostname()
	return &RedisTurnLock{Client: c, Node: fmt.Sprintf("%s-%d", host, os.Getpid()), Lease: 30 * time.Second}
}

var _ TurnLock = (*RedisTurnLock)(nil)

func turnKey(job string, due time.Time) string {
	return fmt.Sprintf("vellum:turn:%s:%d", job, due.UnixMilli())
}

// Take takes the turn, or says who has it.
func (l *RedisTurnLock) Take(ctx context.Context, job string, due, until time.Time) (Turn, bool, error) {
	key, mine := turnKey(job, due), "run "+l.Node
	ok, err := l.Client.SetNX(ctx, key, mine, l.lease()).Result()
	if err != nil {
		return nil, false, fmt.Errorf("take the turn %s: %w", key, err)
	}
	if !ok {
		v, err := l.Client.Get(ctx, key).Result()
		switch {
		case errors.Is(err, redis.Nil): // expired just now: ask again
			return nil, false, nil
		case err != nil:
			return nil, false, fmt.Errorf("read the turn %s: %w", key, err)
		case strings.HasPrefix(v, "done "):
			return nil, true, nil
		case v != mine: // held by another node
			return nil, false, nil
		}
		// Ours already: a retry after a reply that was lost.
	}
	return &redisTurn{l: l, key: key, mine: mine, until: until}, false, nil
}

func (l *RedisTurnLock) lease() time.Duration {
	if l.Lease <= 0 {
		return 30 * time.Second
	}
	return l.Lease
}

// redisTurn is a turn this node holds.
type redisTurn struct {
	l     *RedisTurnLock
	key   string
	mine  string // "run <node>"
	until time.Time
}

// ifMine sets the key to ARGV[2] for ARGV[3] ms (or deletes it with an
// empty ARGV[2]) if it still holds ARGV[1]: 1, else 0.
var ifMine = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1
`)

func (t *redisTurn) swap(ctx context.Context, to string, ttl time.Duration) error {
	n, err := ifMine.Run(ctx, t.l.Client, []string{t.key}, t.mine, to, ttl.Milliseconds()).Int()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrTurnLost
	}
	return nil
}

// Keep renews the hold every third of the lease. Redis being away is
// retried until the lease would have run out: then the hold is lost.
func (t *redisTurn) Keep(ctx context.Context) error {
	lease := t.l.lease()
	tick := time.NewTicker(lease / 3)
	defer tick.Stop()
	renewed := time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		err := t.swap(ctx, t.mine, lease)
		switch {
		case err == nil:
			renewed = time.Now()
		case errors.Is(err, ErrTurnLost):
			return err
		case ctx.Err() != nil:
			return nil
		case time.Since(renewed) >= lease:
			return fmt.Errorf("%w: not renewed for %v: %v", ErrTurnLost, lease, err)
		}
	}
}

// Finish records the turn as run for its time and a day.
func (t *redisTurn) Finish(ctx context.Context) error {
	ttl := 24 * time.Hour
	if !t.until.IsZero() {
		ttl += max(time.Until(t.until), 0)
	}
	return t.swap(ctx, "done "+strings.TrimPrefix(t.mine, "run "), ttl)
}

// Release deletes the hold, so that another node takes the turn.
func (t *redisTurn) Release(ctx context.Context) error { return t.swap(ctx, "", 0) }
