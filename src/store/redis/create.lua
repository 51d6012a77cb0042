-- ARGV: room id, change channel, time-to-live (ms), seats
local room = KEYS[1]
if redis.call('EXISTS', room) == 1 then
  if seat_count(room) == 0 then
    return {'empty', tonumber(redis.call('HGET', room, 'max'))}
  end
  return {'taken'}
end
redis.call('HSET', room, 'max', ARGV[4], 'empty', now_ms())
redis.call('PEXPIRE', room, ARGV[3])
return {'new', tonumber(ARGV[4])}
