-- Shared by every script on a room. A room is one hash, KEYS[1], under a
-- hash tag of its own, so that every script touches one slot:
--   max            seats in the room
--   empty          when the last seat was given up (Unix ms); absent while seated
--   s:<peer>:n     a seat's name       s:<peer>:j  when it was first taken (Unix µs)
--   s:<peer>:c     its connection      s:<peer>:i  the instance holding it
--   s:<peer>:g     when the grace of a dropped seat runs out (Unix ms)
--   h:<peer>       a seat given up with a hang-up (the value orders them)
--   hseq           how many hang-ups so far
-- Times are Redis's own, so every instance agrees on them.

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function seat_count(room)
  local count = 0
  for _, field in ipairs(redis.call('HKEYS', room)) do
    if string.sub(field, 1, 2) == 's:' and string.sub(field, -2) == ':n' then
      count = count + 1
    end
  end
  return count
end

-- Tells every instance to forget what it cached of the room.
local function changed(room_id, channel)
  redis.call('PUBLISH', channel, room_id)
end

local function sit(room, peer, name, joined, conn, instance)
  local s = 's:' .. peer .. ':'
  redis.call('HSET', room, s .. 'n', name, s .. 'j', joined, s .. 'c', conn, s .. 'i', instance)
  redis.call('HDEL', room, 'empty')
  redis.call('PERSIST', room)
end

-- Removes a seat; an empty room then lives for its time-to-live.
local function unseat(room, peer, ttl)
  local s = 's:' .. peer .. ':'
  redis.call('HDEL', room, s .. 'n', s .. 'j', s .. 'c', s .. 'i', s .. 'g')
  if seat_count(room) == 0 then
    redis.call('HSET', room, 'empty', now_ms())
    redis.call('PEXPIRE', room, ttl)
  end
end
