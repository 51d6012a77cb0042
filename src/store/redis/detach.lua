-- ARGV: room id, change channel, peer, field ('c' or 'i'), its value, grace (ms)
-- Drops the seat's connection if the seat is held by that connection
-- ('c') or by that instance ('i'); the grace starts.
local room, peer = KEYS[1], ARGV[3]
local s = 's:' .. peer .. ':'
if redis.call('HGET', room, s .. ARGV[4]) ~= ARGV[5] then
  return {'no'}
end
local until_ms = now_ms() + tonumber(ARGV[6])
redis.call('HDEL', room, s .. 'c', s .. 'i')
redis.call('HSET', room, s .. 'g', until_ms)
changed(ARGV[1], ARGV[2])
return {'dropped', until_ms}
