-- ARGV: room id, change channel, peer, name, joined at, connection, instance, seats
-- A seat still held moves to the connection; a freed one is taken again if
-- there is room; a forgotten room is made again around it.
local room, peer = KEYS[1], ARGV[3]
local s = 's:' .. peer .. ':'
if redis.call('EXISTS', room) == 0 then
  redis.call('HSET', room, 'max', ARGV[8])
end
if redis.call('HEXISTS', room, s .. 'n') == 1 then
  local old_conn = redis.call('HGET', room, s .. 'c') or ''
  local old_instance = redis.call('HGET', room, s .. 'i') or ''
  redis.call('HSET', room, s .. 'c', ARGV[6], s .. 'i', ARGV[7])
  redis.call('HDEL', room, s .. 'g')
  changed(ARGV[1], ARGV[2])
  return {'held', old_conn, old_instance, redis.call('HGETALL', room)}
end
if redis.call('HEXISTS', room, 'h:' .. peer) == 1 then
  return {'hung-up'}
end
local max = tonumber(redis.call('HGET', room, 'max'))
if seat_count(room) >= max then
  return {'full', max}
end
sit(room, peer, ARGV[4], ARGV[5], ARGV[6], ARGV[7])
changed(ARGV[1], ARGV[2])
return {'seated', '', '', redis.call('HGETALL', room)}
