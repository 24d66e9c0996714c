package frontier

import "github.com/redis/go-redis/v9"

// The frontier's steps, each one Lua script run atomically by Redis.
// KEYS[1] is the run's key prefix (keys.go); the scripts build the other
// keys from it, all in the run's hash slot. Times are Redis's own clock
// (TIME, in ms), so that workers' clocks do not matter.

// luaLib is shared by every script: the clock, and the reaper that gives
// the claims of workers whose lease expired back to the queue.
const luaLib = `
local P = KEYS[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- release ends a page's turn of its host: the host may be claimed again
-- from at.
local function release(host, id, at)
  if redis.call('HGET', P..'busy', host) ~= id then return end
  redis.call('HDEL', P..'busy', host)
  redis.call('HSET', P..'next', host, at)
  if redis.call('LLEN', P..'q:'..host) > 0 then
    redis.call('ZADD', P..'hosts', 'NX', at, host)
  end
end

-- requeue puts a worker's claims back at the head of their queues. The
-- redirect hops their fetches visited are unseen again, for the next
-- fetch of the claim to follow. The URLs of both are kept in the worker's
-- given set: its file may hold their records, which the next worker to
-- fetch them writes again (Abandon).
local function requeue(w)
  for _, id in ipairs(redis.call('SMEMBERS', P..'wclaims:'..w)) do
    local c = redis.call('HMGET', P..'claim:'..id, 'kind', 'host', 'item')
    if c[3] then
      redis.call('SADD', P..'given:'..w, cjson.decode(c[3])['u'])
      for _, hop in ipairs(redis.call('SMEMBERS', P..'hops:'..id)) do
        redis.call('SREM', P..'seen', hop)
        redis.call('SADD', P..'given:'..w, hop)
      end
      redis.call('DEL', P..'hops:'..id)
      if c[1] == 'page' then
        redis.call('LPUSH', P..'q:'..c[2], c[3])
        -- its fetch may have ended just now, when the worker died
        release(c[2], id, now + tonumber(redis.call('HGET', P..'delay', c[2]) or 0))
        if not redis.call('HGET', P..'busy', c[2]) then
          local at = math.max(now, tonumber(redis.call('HGET', P..'next', c[2]) or 0))
          redis.call('ZADD', P..'hosts', 'NX', at, c[2])
        end
      else
        redis.call('LPUSH', P..'reqs', c[3])
      end
      redis.call('DEL', P..'claim:'..id)
      redis.call('HINCRBY', P..'counters', 'inflight', -1)
      redis.call('HINCRBY', P..'counters', 'queued', 1)
      redis.call('HINCRBY', P..'counters', 'requeued', 1)
    end
  end
  redis.call('DEL', P..'wclaims:'..w)
  redis.call('ZREM', P..'workers', w)
  redis.call('SREM', P..'open', w)
  redis.call('HDEL', P..'lastnext', w)
end

-- reap first stops the leases' clock while Redis was away: a live worker
-- renews every third of its lease, so a whole lease (the longest a worker
-- of the run has) without any renewal or claim reaching Redis means that
-- Redis was down or restarting (or every worker was dead), and the leases
-- are moved on by that gap. Workers that waited out a restart then carry
-- on; a dead worker's claims still come back within a lease of the next
-- contact.
local function reap()
  local lease = tonumber(redis.call('HGET', P..'conf', 'lease') or 0)
  local last = tonumber(redis.call('GET', P..'clock') or 0)
  if lease > 0 and last > 0 and now - last > lease then
    local ws = redis.call('ZRANGE', P..'workers', 0, -1, 'WITHSCORES')
    for i = 1, #ws, 2 do
      redis.call('ZADD', P..'workers', tonumber(ws[i+1]) + (now - last), ws[i])
    end
  end
  redis.call('SET', P..'clock', now)
  for _, w in ipairs(redis.call('ZRANGEBYSCORE', P..'workers', '-inf', now, 'LIMIT', 0, 16)) do
    requeue(w)
    redis.call('SADD', P..'lost', w)
  end
end

-- join registers worker w with a lease of ms, its files open; the run's
-- longest lease is kept for reap.
local function join(w, ms)
  if ms > tonumber(redis.call('HGET', P..'conf', 'lease') or 0) then
    redis.call('HSET', P..'conf', 'lease', ms)
  end
  redis.call('ZADD', P..'workers', now + ms, w)
  redis.call('SADD', P..'open', w)
  redis.call('SREM', P..'lost', w)
end

local function lost(w)
  return redis.error_reply('VELLUM_LEASE_LOST worker ' .. w)
end
`

// joinScript: ARGV worker, lease (ms).
var joinScript = redis.NewScript(luaLib + `
reap()
join(ARGV[1], tonumber(ARGV[2]))
return 1
`)

// renewScript: ARGV worker, lease (ms). An expired lease is not renewed.
var renewScript = redis.NewScript(luaLib + `
reap()
if not redis.call('ZSCORE', P..'workers', ARGV[1]) then return lost(ARGV[1]) end
redis.call('ZADD', P..'workers', now + tonumber(ARGV[2]), ARGV[1])
return 1
`)

// leaveScript: ARGV worker.
var leaveScript = redis.NewScript(luaLib + `
requeue(ARGV[1])
return 1
`)

// addScript: ARGV max pages (0: no budget), then kind, host, url, item
// for each item. Returns 1 or 0 per item: added, or seen before (or over
// the budget).
var addScript = redis.NewScript(luaLib + `
local maxPages = tonumber(ARGV[1])
local out = {}
for i = 2, #ARGV, 4 do
  local kind, host, url, item = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3]
  local added = 0
  if redis.call('SISMEMBER', P..'seen', url) == 0 and not (kind == 'page' and maxPages > 0 and
      tonumber(redis.call('HGET', P..'counters', 'pages') or 0) >= maxPages) then
    redis.call('SADD', P..'seen', url)
    if kind == 'page' then
      redis.call('HINCRBY', P..'counters', 'pages', 1)
      redis.call('RPUSH', P..'q:'..host, item)
      if not redis.call('HGET', P..'busy', host) then
        redis.call('ZADD', P..'hosts', 'NX', tonumber(redis.call('HGET', P..'next', host) or 0), host)
      end
    else
      redis.call('RPUSH', P..'reqs', item)
    end
    redis.call('HINCRBY', P..'counters', 'queued', 1)
    added = 1
  end
  out[#out+1] = added
end
return out
`)

// nextScript: ARGV worker, token (the same token again, as a retry after
// a lost reply sends it, returns the same claim). Returns
// {'claim', id, kind, host, item}, {'wait', ms} (-1: no hint) or
// {'drained'}.
var nextScript = redis.NewScript(luaLib + `
local w, token = ARGV[1], ARGV[2]
reap()
if not redis.call('ZSCORE', P..'workers', w) then return lost(w) end
local last = redis.call('HGET', P..'lastnext', w)
if last then
  local sep = string.find(last, ' ', 1, true)
  if string.sub(last, 1, sep - 1) == token then
    local id = string.sub(last, sep + 1)
    local c = redis.call('HMGET', P..'claim:'..id, 'kind', 'host', 'item')
    if c[3] then return {'claim', id, c[1], c[2], c[3]} end
  end
end
local function claim(kind, host, item)
  local id = tostring(redis.call('INCR', P..'seq'))
  redis.call('HSET', P..'claim:'..id, 'worker', w, 'kind', kind, 'host', host, 'item', item)
  redis.call('SADD', P..'wclaims:'..w, id)
  redis.call('HSET', P..'lastnext', w, token .. ' ' .. id)
  redis.call('HINCRBY', P..'counters', 'inflight', 1)
  redis.call('HINCRBY', P..'counters', 'queued', -1)
  if kind == 'page' then redis.call('HSET', P..'busy', host, id) end
  return {'claim', id, kind, host, item}
end
while true do
  local h = redis.call('ZRANGEBYSCORE', P..'hosts', '-inf', now, 'LIMIT', 0, 1)
  if #h == 0 then break end
  redis.call('ZREM', P..'hosts', h[1])
  local item = redis.call('LPOP', P..'q:'..h[1])
  if item then return claim('page', h[1], item) end
end
local item = redis.call('LPOP', P..'reqs')
if item then return claim('req', '', item) end
local first = redis.call('ZRANGE', P..'hosts', 0, 0, 'WITHSCORES')
if #first > 0 then return {'wait', tostring(tonumber(first[2]) - now)} end
if tonumber(redis.call('HGET', P..'counters', 'inflight') or 0) > 0 then return {'wait', '-1'} end
return {'drained'}
`)

// fetchedScript: ARGV worker, claim id, delay (ms). Done already (a retry
// after a lost reply) is no error.
var fetchedScript = redis.NewScript(luaLib + `
local w, id = ARGV[1], ARGV[2]
local c = redis.call('HMGET', P..'claim:'..id, 'worker', 'kind', 'host', 'fetched')
if c[1] ~= w then
  if redis.call('SISMEMBER', P..'finished', id) == 1 then return 0 end
  return lost(w)
end
if c[2] ~= 'page' or c[4] then return 0 end
redis.call('HSET', P..'claim:'..id, 'fetched', '1')
redis.call('HSET', P..'delay', c[3], ARGV[3])
release(c[3], id, now + tonumber(ARGV[3]))
return 1
`)

// doneScript: ARGV worker, claim id. A page whose fetch was not reported
// ends its host's turn now.
var doneScript = redis.NewScript(luaLib + `
local w, id = ARGV[1], ARGV[2]
local c = redis.call('HMGET', P..'claim:'..id, 'worker', 'kind', 'host', 'fetched')
if c[1] ~= w then
  if redis.call('SISMEMBER', P..'finished', id) == 1 then return 0 end
  return lost(w)
end
if c[2] == 'page' and not c[4] then release(c[3], id, now) end
redis.call('DEL', P..'claim:'..id, P..'hops:'..id)
redis.call('SREM', P..'wclaims:'..w, id)
redis.call('SADD', P..'finished', id)
redis.call('HINCRBY', P..'counters', 'inflight', -1)
redis.call('HINCRBY', P..'counters', 'done', 1)
return 1
`)

// visitScript: ARGV claim id (empty for none), url. Marks url seen by the
// run, as a hop of the claim's fetch; returns 1 when it was not seen.
var visitScript = redis.NewScript(luaLib + `
if redis.call('SADD', P..'seen', ARGV[2]) == 0 then return 0 end
if ARGV[1] ~= '' then redis.call('SADD', P..'hops:'..ARGV[1], ARGV[2]) end
return 1
`)

// abandonScript: ARGV worker. Gives a dead worker's claims back now (its
// lease may not have expired yet) and returns the URLs it gave back.
// The set is kept: a repair cut short asks again.
var abandonScript = redis.NewScript(luaLib + `
requeue(ARGV[1])
redis.call('SADD', P..'lost', ARGV[1])
return redis.call('SMEMBERS', P..'given:'..ARGV[1])
`)

// stateScript: reaps, then returns open workers and the counters.
var stateScript = redis.NewScript(luaLib + `
reap()
return {redis.call('SCARD', P..'open'), redis.call('HGETALL', P..'counters')}
`)
