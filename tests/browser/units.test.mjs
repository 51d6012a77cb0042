// The browser modules' pure parts, run directly in Node.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { describePath, pathOf, summarize } from '../../web/assets/js/call-quality.js';
import { connectHelp, offersTurn } from '../../web/assets/js/connect-help.js';
import { renewalDelay } from '../../web/assets/js/credentials.js';
import { sessionIdOf } from '../../web/assets/js/negotiation.js';
import { parseRoomInput, roomIdFromPath } from '../../web/assets/js/rooms.js';
import { keepScreenAwake } from '../../web/assets/js/wake-lock.js';

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

describe('why a call does not connect', () => {
  const facts = { name: 'Bob', turnOffered: true, relayOnly: false, localCandidates: 3, remoteCandidates: 2, wasConnected: false };

  it('says what it knows, most useful first, and that it keeps trying', () => {
    const cases = [
      [{ wasConnected: true }, /connection to Bob broke/],
      [{ relayOnly: true, localCandidates: 0, remoteCandidates: 0 }, /always relay.*cannot be reached/s],
      [{ remoteCandidates: 0 }, /^Bob's browser has not sent any way to reach it/],
      [{ turnOffered: false }, /offers no relay \(TURN\).*duet --turn/s],
      [{}, /not even through the relay/],
    ];
    for (const [change, expected] of cases) {
      const text = connectHelp({ ...facts, ...change });
      assert.match(text, expected, JSON.stringify(change));
      assert.match(text, /keeps trying/);
    }
    assert.match(connectHelp({ ...facts, name: undefined, remoteCandidates: 0 }), /^The other person's browser/);
  });

  it('knows a relay when it sees one', () => {
    assert.equal(offersTurn([{ urls: ['stun:s.example:3478'] }]), false);
    assert.equal(offersTurn([{ urls: 'turn:t.example:3478', username: 'u', credential: 'p' }]), true);
    assert.equal(offersTurn([{ urls: ['stun:a', 'turns:t.example:443?transport=tcp'] }]), true);
    assert.equal(offersTurn(undefined), false);
  });
});

describe('call quality from getStats', () => {
  const snapshot = (t, { sent, received, lost, packets, local = 'host', protocol = 'udp', relayProtocol } = {}) => [
    { id: 'T', type: 'transport', selectedCandidatePairId: 'P' },
    { id: 'P', type: 'candidate-pair', timestamp: t, localCandidateId: 'L', remoteCandidateId: 'R', currentRoundTripTime: 0.0234, bytesSent: sent, bytesReceived: received },
    { id: 'L', type: 'local-candidate', candidateType: local, protocol, relayProtocol },
    { id: 'R', type: 'remote-candidate', candidateType: 'host', protocol },
    { id: 'V', type: 'inbound-rtp', kind: 'video', packetsReceived: packets, packetsLost: lost, frameWidth: 640, frameHeight: 480 },
    { id: 'O', type: 'outbound-rtp', kind: 'video', frameWidth: 1280, frameHeight: 720 },
  ];

  it('rates from two snapshots a second apart', () => {
    const before = snapshot(1000, { sent: 0, received: 0, lost: 0, packets: 0 });
    const now = snapshot(2000, { sent: 125_000, received: 62_500, lost: 5, packets: 95 });
    assert.deepEqual(summarize(now, before), {
      path: { via: 'direct', protocol: 'udp' },
      rttMs: 23,
      sendKbps: 1000,
      receiveKbps: 500,
      lossPercent: 5,
      sendResolution: '1280×720',
      receiveResolution: '640×480',
    });
    assert.equal(summarize(now).sendKbps, null, 'no rate from one snapshot');
  });

  it('a relayed path says how this browser reaches the relay', () => {
    const relayed = pathOf(snapshot(0, { local: 'relay', protocol: 'udp', relayProtocol: 'tcp' }));
    assert.deepEqual(relayed, { via: 'relay', protocol: 'tcp' });
    assert.equal(describePath(relayed), 'Relayed through a TURN server (TCP)');
    assert.equal(describePath({ via: 'direct', protocol: 'udp' }), 'Direct connection (UDP)');
    assert.equal(pathOf([]), null);
  });

  it("Firefox's selected pair", () => {
    const stats = snapshot(0).filter((s) => s.type !== 'transport').map((s) => (s.id === 'P' ? { ...s, selected: true } : s));
    assert.deepEqual(pathOf(stats), { via: 'direct', protocol: 'udp' });
  });
});

describe('keeping the screen awake', () => {
  /** A document whose visibility the test sets, and a wake lock that grants or refuses. */
  function fakes() {
    const doc = new EventTarget();
    doc.visibilityState = 'visible';
    const sentinels = [];
    const wakeLock = {
      refuse: false,
      async request(type) {
        assert.equal(type, 'screen');
        if (this.refuse) throw new DOMException('not now', 'NotAllowedError');
        const sentinel = new EventTarget();
        sentinel.release = async () => sentinel.dispatchEvent(new Event('release'));
        sentinels.push(sentinel);
        return sentinel;
      },
    };
    return { doc, wakeLock, sentinels };
  }
  const settle = () => new Promise((r) => setTimeout(r, 0));

  it('holds it, takes it again when the tab is visible after the browser released it, and lets go at the end', async () => {
    const { doc, wakeLock, sentinels } = fakes();
    const reports = [];
    const lifetime = new AbortController();
    keepScreenAwake({ signal: lifetime.signal, report: (s) => reports.push(s), doc, wakeLock });
    await settle();
    assert.deepEqual(reports, ['held']);
    // Hidden: the browser releases the lock.
    doc.visibilityState = 'hidden';
    await sentinels[0].release();
    doc.dispatchEvent(new Event('visibilitychange'));
    await settle();
    assert.deepEqual(reports, ['held', 'released']);
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    await settle();
    assert.deepEqual(reports, ['held', 'released', 'held']);
    lifetime.abort();
    await settle();
    assert.equal(reports.at(-1), 'released');
    assert.equal(sentinels.length, 2);
  });

  it('a browser without the API, or one that refuses, is told plainly', async () => {
    const reports = [];
    keepScreenAwake({ signal: new AbortController().signal, report: (s) => reports.push(s), doc: new EventTarget(), wakeLock: undefined });
    assert.deepEqual(reports, ['unavailable']);
    const { doc, wakeLock } = fakes();
    wakeLock.refuse = true;
    keepScreenAwake({ signal: new AbortController().signal, report: (s) => reports.push(s), doc, wakeLock });
    await settle();
    assert.deepEqual(reports, ['unavailable', 'released']);
  });
});
