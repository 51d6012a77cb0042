-- KEYS[1]: the deadlines; ARGV: member, its score when it was read.
-- Removes the hint unless a new deadline replaced it meanwhile.
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return 1
