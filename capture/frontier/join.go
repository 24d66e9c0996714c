package frontier

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// RunKey is the key under which the workers of one piece of work (a job,
// or a capture of given seeds) find the run they share: work names it,
// e.g. "job:borderland".
func RunKey(work string) string { return "vellum:run:" + work }

// JoinRun joins worker to the run of work that is going on, or, when there
// is none, starts candidate as that run: the first worker to start records
// its run ID under RunKey(work), and the others join it. A run is going on
// while a worker holds a live lease in it or anything is queued or in
// flight (a run whose workers all died is carried on, their claims coming
// back by their leases); once it has ended, the next worker to start makes
// a new run.
//
// Each step is one script on one key's hash slot, so that it runs on a
// Redis Cluster as on one Redis: a run found going on is joined in the
// script that finds it so; a worker that finds none joins its candidate
// first (a run just started, nothing queued yet, is then never taken for
// ended) and only then records it, if RunKey(work) still holds what it
// read. A worker whose record lost to another's leaves its candidate and
// joins the winner's run.
func JoinRun(ctx context.Context, c redis.UniversalClient, work, candidate, worker string, opts Options) (*Redis, error) {
	opts = opts.withDefaults()
	probe := &Redis{c: c, opts: opts, log: opts.Log.With("component", "frontier")}
	lease := opts.Lease.Milliseconds()
	for range 16 { // each lost race means another worker started a run, which the next look joins
		var seen string
		err := probe.do(ctx, "join run", func(ctx context.Context) error {
			var err error
			seen, err = c.Get(ctx, RunKey(work)).Result()
			if errors.Is(err, redis.Nil) {
				seen, err = "", nil
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		if seen != "" {
			var joined int64
			err := probe.do(ctx, "join run", func(ctx context.Context) error {
				var err error
				joined, err = joinIfLiveScript.Run(ctx, c, []string{Prefix(seen)}, worker, lease).Int64()
				return err
			})
			if err != nil {
				return nil, err
			}
			if joined == 1 {
				return NewRedis(c, seen, opts), nil
			}
		}
		f := NewRedis(c, candidate, opts)
		if err := f.Join(ctx, worker); err != nil {
			return nil, err
		}
		var won int64
		err = probe.do(ctx, "join run", func(ctx context.Context) error {
			var err error
			won, err = casScript.Run(ctx, c, []string{RunKey(work)}, seen, candidate).Int64()
			return err
		})
		if err != nil {
			return nil, err
		}
		if won == 1 {
			return f, nil
		}
		// The candidate nobody else can know of: leave it, and drop what
		// its join made (Redis drops the sets Leave empties).
		if err := f.Leave(ctx, worker); err != nil {
			return nil, err
		}
		if err := probe.do(ctx, "join run", func(ctx context.Context) error {
			return c.Del(ctx, f.prefix+"conf", f.prefix+"clock").Err()
		}); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("frontier: join run of %s: other workers kept starting runs", work)
}

// RunID is the ID of the run r is the frontier of.
func (r *Redis) RunID() string { return r.runID }

// Visit marks u as seen by the run without queueing it, as a redirect's
// hop followed in the fetch of the claim claimID ("" for none), and
// reports whether it was new: false means some worker has it already. The
// hops of a claim given back are unseen again, for its next fetch.
func (r *Redis) Visit(ctx context.Context, claimID, u string) (bool, error) {
	var n int64
	err := r.do(ctx, "visit", func(ctx context.Context) error {
		var err error
		n, err = visitScript.Run(ctx, r.c, r.keys(), claimID, u).Int64()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("frontier: visit %s: %w", u, err)
	}
	return n == 1, nil
}

// ShareFirst reports whether worker is the first to ask for key in the
// run (asking again, as a retry after a lost reply does, it still is): it
// then makes what Share keeps under key.
func (r *Redis) ShareFirst(ctx context.Context, key, worker string) (bool, error) {
	var first int64
	err := r.do(ctx, "share", func(ctx context.Context) error {
		var err error
		first, err = shareFirstScript.Run(ctx, r.c, r.keys(), "first "+key, worker).Int64()
		return err
	})
	return first == 1, err
}

// Share keeps value under key for the whole run (a host's robots.txt as
// its first worker fetched it).
func (r *Redis) Share(ctx context.Context, key string, value []byte) error {
	return r.do(ctx, "share", func(ctx context.Context) error {
		return r.c.HSet(ctx, r.prefix+"shared", key, value).Err()
	})
}

// Shared reads what Share kept under key: false while there is nothing.
func (r *Redis) Shared(ctx context.Context, key string) ([]byte, bool, error) {
	var v []byte
	err := r.do(ctx, "shared", func(ctx context.Context) error {
		var err error
		v, err = r.c.HGet(ctx, r.prefix+"shared", key).Bytes()
		if errors.Is(err, redis.Nil) {
			v, err = nil, nil
		}
		return err
	})
	return v, v != nil, err
}

// shareFirstScript: KEYS[1] a run's prefix; ARGV field, worker.
var shareFirstScript = redis.NewScript(`
local h = KEYS[1] .. 'shared'
if redis.call('HSETNX', h, ARGV[1], ARGV[2]) == 1 or redis.call('HGET', h, ARGV[1]) == ARGV[2] then return 1 end
return 0
`)

// joinIfLiveScript: KEYS[1] a run's prefix; ARGV worker, lease (ms).
// Joins worker to the run if it is going on (a live lease, or anything
// queued or in flight): 1, else 0. It reaps first, as the other steps do
// (the leases' clock stopped while Redis was away).
var joinIfLiveScript = redis.NewScript(luaLib + `
reap()
local c = redis.call('HMGET', P..'counters', 'queued', 'inflight')
if redis.call('ZCOUNT', P..'workers', now, '+inf') == 0 and tonumber(c[1] or 0) <= 0 and tonumber(c[2] or 0) <= 0 then
  return 0
end
join(ARGV[1], tonumber(ARGV[2]))
return 1
`)

// casScript: KEYS[1] a work's run key; ARGV the run ID read before (empty:
// none), the new one. Records the new one if the key still holds the old:
// 1, else 0.
var casScript = redis.NewScript(`
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`)
