package frontier

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// A run's counts (pages, bytes, files, …) are each worker's own until it
// leaves; then it adds them to the run's totals here, so that whichever
// worker saves the run's row last saves the sums over every worker that
// left, not its own part (which worker that is depends on the order they
// end in). The names of the counts are the engine's: this package only
// sums them.

// Part is one worker's counts of a run, added as it leaves.
type Part struct {
	Counts  map[string]int64 // summed over the workers
	Started time.Time        // the run's is the earliest of its workers'
	Ended   time.Time        // the run's is the latest
}

// Totals are a run's counts summed over the workers that added their part.
type Totals struct {
	Counts  map[string]int64
	Started time.Time // zero until a part was added
	Ended   time.Time
	Workers int64 // workers whose part is in the sums
	Open    int64 // workers that joined and have not left (their parts are still to come)
}

// Equal reports whether t and o are the same sums of the same workers.
func (t Totals) Equal(o Totals) bool {
	if t.Workers != o.Workers || !t.Started.Equal(o.Started) || !t.Ended.Equal(o.Ended) || len(t.Counts) != len(o.Counts) {
		return false
	}
	for k, v := range t.Counts {
		if n, ok := o.Counts[k]; !ok || n != v {
			return false
		}
	}
	return true
}

// AddPart adds worker's counts to the run's totals and returns them. A
// worker's part is added once: a retry (after a lost reply) or a second
// call for the same worker returns the totals without adding again. A
// worker killed before it left never adds its part.
func (r *Redis) AddPart(ctx context.Context, worker string, p Part) (Totals, error) {
	args := []any{worker, p.Started.UnixMilli(), p.Ended.UnixMilli()}
	names := make([]string, 0, len(p.Counts))
	for k := range p.Counts {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		args = append(args, k, p.Counts[k])
	}
	return r.totals(ctx, "add part", args)
}

// Totals returns the run's totals so far.
func (r *Redis) Totals(ctx context.Context) (Totals, error) {
	return r.totals(ctx, "totals", []any{""})
}

func (r *Redis) totals(ctx context.Context, op string, args []any) (Totals, error) {
	var res []any
	err := r.do(ctx, op, func(ctx context.Context) error {
		var err error
		res, err = totalsScript.Run(ctx, r.c, r.keys(), args...).Slice()
		return err
	})
	if err != nil {
		return Totals{}, err
	}
	if len(res) != 5 {
		return Totals{}, fmt.Errorf("frontier: %s: %d values in the reply, want 5", op, len(res))
	}
	t := Totals{Counts: map[string]int64{}}
	t.Workers, _ = res[0].(int64)
	t.Open, _ = res[1].(int64)
	kv, _ := res[2].([]any)
	for i := 0; i+1 < len(kv); i += 2 {
		n, _ := strconv.ParseInt(fmt.Sprint(kv[i+1]), 10, 64)
		t.Counts[fmt.Sprint(kv[i])] = n
	}
	t.Started, t.Ended = msTime(res[3]), msTime(res[4])
	return t, nil
}

// msTime reads a time the script keeps in ms since the epoch; none is zero.
func msTime(v any) time.Time {
	ms, err := strconv.ParseInt(fmt.Sprint(v), 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// totalsScript: ARGV worker ("": only read), started and ended (ms), then
// name, value for each count. The set of workers that added their part
// makes a retry add nothing. Returns {workers added, workers open,
// {name, value, …}, started, ended}.
var totalsScript = redis.NewScript(`
local P = KEYS[1]
local w = ARGV[1]
if w ~= '' and redis.call('SADD', P..'parts', w) == 1 then
  for i = 4, #ARGV, 2 do
    redis.call('HINCRBY', P..'totals', ARGV[i], ARGV[i+1])
  end
  local started, ended = tonumber(ARGV[2]), tonumber(ARGV[3])
  local s = tonumber(redis.call('HGET', P..'span', 'started') or 0)
  if started > 0 and (s == 0 or started < s) then redis.call('HSET', P..'span', 'started', started) end
  local e = tonumber(redis.call('HGET', P..'span', 'ended') or 0)
  if ended > e then redis.call('HSET', P..'span', 'ended', ended) end
end
local span = redis.call('HMGET', P..'span', 'started', 'ended')
return {redis.call('SCARD', P..'parts'), redis.call('SCARD', P..'open'), redis.call('HGETALL', P..'totals'),
  tostring(span[1] or 0), tostring(span[2] or 0)}
`)
