-- ARGV: room id, change channel, peer, time-to-live (ms)
-- Frees a dropped seat whose grace ran out; says when it runs out if not yet.
local room, peer = KEYS[1], ARGV[3]
local s = 's:' .. peer .. ':'
local until_ms = redis.call('HGET', room, s .. 'g')
if not until_ms then
  return {'no'}
end
if tonumber(until_ms) > now_ms() then
  return {'later', tonumber(until_ms)}
end
local name = redis.call('HGET', room, s .. 'n')
unseat(room, peer, ARGV[4])
changed(ARGV[1], ARGV[2])
return {'freed', name, redis.call('HGETALL', room)}
