-- ARGV: room id, change channel, peer, connection, time-to-live (ms), hang-ups remembered
local room, peer = KEYS[1], ARGV[3]
local s = 's:' .. peer .. ':'
if redis.call('HGET', room, s .. 'c') ~= ARGV[4] then
  return {'not-seated'}
end
local name = redis.call('HGET', room, s .. 'n')
unseat(room, peer, ARGV[5])
local seq = redis.call('HINCRBY', room, 'hseq', 1)
redis.call('HSET', room, 'h:' .. peer, seq)
local fields = redis.call('HGETALL', room)
for i = 1, #fields, 2 do
  if string.sub(fields[i], 1, 2) == 'h:' and tonumber(fields[i + 1]) <= seq - tonumber(ARGV[6]) then
    redis.call('HDEL', room, fields[i])
  end
end
changed(ARGV[1], ARGV[2])
return {'left', name, redis.call('HGETALL', room)}
