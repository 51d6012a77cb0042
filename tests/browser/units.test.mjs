// The browser modules' pure parts, run directly in Node.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { renewalDelay } from '../../web/assets/js/credentials.js';
import { sessionIdOf } from '../../web/assets/js/negotiation.js';
import { parseRoomInput, roomIdFromPath } from '../../web/assets/js/rooms.js';

describe('room ids from what people type', () => {
  it('accepts an id or a whole invite link', () => {
    assert.equal(parseRoomInput('k7dq-m2xp-9fzt-w4hc'), 'k7dq-m2xp-9fzt-w4hc');
    assert.equal(parseRoomInput('  Team-Standup '), 'team-standup');
    assert.equal(parseRoomInput('https://call.example.org/r/k7dq-m2xp-9fzt-w4hc/'), 'k7dq-m2xp-9fzt-w4hc');
    assert.equal(parseRoomInput('http://localhost:8080/r/48213'), '48213');
    assert.equal(parseRoomInput('call.example.org/r/abc-def/?x=1#y'), 'abc-def');
  });

  it('refuses what cannot be a room', () => {
    for (const bad of ['', 'ab', '-abc', 'a b c', 'https://example.org/', 'https://example.org/r/', '<script>']) {
      assert.equal(parseRoomInput(bad), null, bad);
    }
  });

  it('reads the room id from a call page path', () => {
    assert.equal(roomIdFromPath('/r/team-standup/'), 'team-standup');
    assert.equal(roomIdFromPath('/r/team-standup'), 'team-standup');
    assert.equal(roomIdFromPath('/r/Team/'), null);
    assert.equal(roomIdFromPath('/'), null);
  });
});

describe('session ids of descriptions', () => {
  it('reads the o= line', () => {
    const sdp = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\n';
    assert.equal(sessionIdOf(sdp), '4611731400430051336');
    assert.equal(sessionIdOf(''), null);
    assert.equal(sessionIdOf(undefined), null);
  });
});

describe('renewing TURN credentials', () => {
  const now = 1_700_000_000_000;
  const turn = (expiry) => ({ urls: ['turn:t.example:3478'], username: `${expiry}:peer`, credential: 'x' });

  it('five minutes before an hour-long credential expires, or a quarter of a short one\'s life', () => {
    assert.equal(renewalDelay([turn(now / 1000 + 3600)], now), 55 * 60 * 1000);
    assert.equal(renewalDelay([turn(now / 1000 + 40)], now), 30_000);
    assert.equal(renewalDelay([{ urls: ['stun:s.example'] }, turn(now / 1000 + 3600), turn(now / 1000 + 600)], now), 450_000);
  });

  it('never sooner than ten seconds, and never without credentials that expire', () => {
    assert.equal(renewalDelay([turn(now / 1000 - 60)], now), 10_000);
    assert.equal(renewalDelay([{ urls: ['stun:s.example'] }], now), null);
    assert.equal(renewalDelay([], now), null);
  });
});
