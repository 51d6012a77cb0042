-- ARGV: room id, change channel, peer, name, joined at, connection, instance
local room = KEYS[1]
if redis.call('EXISTS', room) == 0 then
  return {'none'}
end
local max = tonumber(redis.call('HGET', room, 'max'))
if seat_count(room) >= max then
  return {'full', max}
end
sit(room, ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7])
changed(ARGV[1], ARGV[2])
return {'seated', redis.call('HGETALL', room)}
