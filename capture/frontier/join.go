package frontier

import (
	"context"
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
// a new run. Choosing and joining are one script, so a run just started
// (nothing queued yet, its first worker joined) is never taken for ended.
//
// The script reads the keys of the run it finds, which it cannot declare
// beforehand: on a Redis Cluster, RunKey(work) and the run's keys are in
// different slots and JoinRun needs a single node (or a proxy) for it.
func JoinRun(ctx context.Context, c redis.UniversalClient, work, candidate, worker string, opts Options) (*Redis, error) {
	opts = opts.withDefaults()
	probe := &Redis{c: c, opts: opts, log: opts.Log.With("component", "frontier")}
	var id string
	err := probe.do(ctx, "join run", func(ctx context.Context) error {
		var err error
		id, err = joinRunScript.Run(ctx, c, []string{RunKey(work)}, candidate, worker, opts.Lease.Milliseconds(), Prefix("")).Text()
		return err
	})
	if err != nil {
		return nil, err
	}
	return NewRedis(c, id, opts), nil
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

// joinRunScript: KEYS[1] the work's run key; ARGV candidate run ID,
// worker, lease (ms), Prefix("") (split at its braces to build a run's
// prefix). Returns the run ID joined.
var joinRunScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local open, close = string.find(ARGV[4], '{}', 1, true)
local function prefix(id) return string.sub(ARGV[4], 1, open) .. id .. string.sub(ARGV[4], close) end
local function live(id)
  local P = prefix(id)
  if redis.call('ZCOUNT', P..'workers', now, '+inf') > 0 then return true end
  local c = redis.call('HMGET', P..'counters', 'queued', 'inflight')
  return tonumber(c[1] or 0) > 0 or tonumber(c[2] or 0) > 0
end
local id = redis.call('GET', KEYS[1])
if not id or not live(id) then
  id = ARGV[1]
  redis.call('SET', KEYS[1], id)
end
local P = prefix(id)
redis.call('ZADD', P..'workers', now + tonumber(ARGV[3]), ARGV[2])
redis.call('SADD', P..'open', ARGV[2])
redis.call('SREM', P..'lost', ARGV[2])
return id
`)
