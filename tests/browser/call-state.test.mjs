// The call's state core, run directly in Node: every transition a call goes
// through, and above all that a call whose media flows is never ended
// because the server was away, restarted or forgot the seat.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { helpWanted, initialState, PEER_LOST_MS, peerSeemsLost, statusOf, step } from '../../web/assets/js/call-state.js';

const ADA = { peer_id: 'ada-peer', name: 'Ada' };
const ack = ({ peer = 'bob-peer', members = [], polite = false, ice = [] } = {}) => ({
  ok: true,
  room_id: 'team-standup',
  peer_id: peer,
  rejoin_token: `ticket-of-${peer}`,
  max_users: 2,
  members,
  ice_servers: ice,
  polite,
});

/**
 * Runs `events` from `state`; returns the last state and every effect, in
 * order, but for the slow-connect timer's (tested on their own below).
 */
function run(state, ...events) {
  const effects = [];
  for (const event of events) {
    const result = step(state, event);
    state = result.state;
    effects.push(...result.effects.filter((e) => e.do !== 'watch-slow-connect'));
  }
  return { state, effects };
}

const kinds = (effects) => effects.map((e) => e.do);

/** Bob, who joined after Ada, in a call whose media flows. */
function connectedCall() {
  return run(
    initialState(),
    { type: 'socket-up' },
    { type: 'join-requested', name: 'Bob' },
    { type: 'joined', ack: ack({ members: [ADA], polite: true }), name: 'Bob' },
    { type: 'offer', from: 'ada-peer', name: 'Ada', sdp: 'v=0', sameSession: false },
    { type: 'peer-state', connectionState: 'connected' },
  ).state;
}

describe('joining', () => {
  it('asks for a name, then takes a seat', () => {
    let { state, effects } = run(initialState(), { type: 'socket-up' }, { type: 'join-requested', name: '' });
    assert.deepEqual(kinds(effects), ['watch-room']);
    assert.match(state.lobbyError, /name/);
    assert.equal(statusOf(state), 'lobby');

    ({ state, effects } = run(state, { type: 'join-requested', name: 'Ada' }));
    assert.deepEqual(effects, [{ do: 'join', name: 'Ada' }]);
    assert.equal(state.lobbyError, null);

    ({ state, effects } = run(state, { type: 'joined', ack: ack({ peer: 'ada-peer' }), name: 'Ada' }));
    assert.equal(statusOf(state), 'waiting');
    assert.deepEqual(kinds(effects), ['save-seat', 'schedule-renewal']);
    assert.equal(state.seat.rejoinToken, 'ticket-of-ada-peer');
  });

  it('the first to arrive offers to the one who arrives, as the impolite peer', () => {
    const { state, effects } = run(
      initialState(),
      { type: 'socket-up' },
      { type: 'join-requested', name: 'Ada' },
      { type: 'joined', ack: ack({ peer: 'ada-peer' }), name: 'Ada' },
      { type: 'user-arrived', peerId: 'bob-peer', name: 'Bob' },
    );
    assert.deepEqual(effects.at(-1), { do: 'start-peer', initiator: true, polite: false });
    assert.equal(statusOf(state), 'connecting');
    assert.equal(statusOf(step(state, { type: 'peer-state', connectionState: 'connected' }).state), 'connected');
  });

  it('a full room and a missing room', () => {
    const joining = run(initialState(), { type: 'join-requested', name: 'Eve' }).state;
    assert.equal(statusOf(step(joining, { type: 'join-refused', code: 'full-room' }).state), 'full');
    const { state, effects } = step(joining, { type: 'join-refused', code: 'no-such-room' });
    assert.equal(statusOf(state), 'ended');
    assert.equal(effects[0].notice.kind, 'missing-room');
    assert.equal(effects[0].leave, false);
    const other = step(joining, { type: 'join-refused', code: 'invalid-name', message: 'the name is empty' }).state;
    assert.equal(other.lobbyError, 'the name is empty');
    assert.equal(statusOf(other), 'lobby');
  });
});

describe('a call outlives its signalling', () => {
  it('the server going away only shows "reconnecting"; coming back takes the seat again in the same connection', () => {
    let { state, effects } = run(connectedCall(), { type: 'socket-down' });
    assert.equal(statusOf(state), 'reconnecting');
    assert.deepEqual(effects, []);

    ({ state, effects } = run(state, { type: 'socket-up' }));
    assert.deepEqual(effects, [{ do: 'rejoin', seat: state.seat }]);
    // A restarted server: Ada is not back yet.
    ({ state, effects } = run(state, { type: 'rejoined', ack: ack({ polite: false }) }));
    assert.equal(statusOf(state), 'connected');
    assert.ok(!kinds(effects).includes('drop-peer'), 'the peer connection is kept');
    assert.ok(!kinds(effects).includes('start-peer'));
    assert.ok(kinds(effects).includes('recover-peer'));
    assert.equal(state.remote.peerId, 'ada-peer', 'still talking to Ada');
    assert.equal(state.seat.polite, true, 'a peer connection keeps its role');
    assert.equal(state.remoteOnServer, false);
  });

  it('the other person taking the same seat back keeps the connection', () => {
    const state = connectedCall();
    const { state: next, effects } = run(state, { type: 'user-arrived', peerId: 'ada-peer', name: 'Ada' });
    assert.deepEqual(kinds(effects), ['recover-peer']);
    assert.ok(effects[0].after > 0, 'a reloaded page gets to offer first');
    assert.equal(statusOf(next), 'connected');
  });

  it('fresh TURN credentials restart ICE', () => {
    const ice = [{ urls: ['turn:t.example:3478'], username: '1700003600:bob-peer', credential: 'x' }];
    const { effects } = run(connectedCall(), { type: 'socket-down' }, { type: 'socket-up' }, {
      type: 'rejoined',
      ack: ack({ members: [ADA], ice }),
    });
    assert.deepEqual(
      effects.filter((e) => e.do === 'use-ice-servers'),
      [{ do: 'use-ice-servers', iceServers: ice }],
    );
  });

  it('the other person losing the server ends nothing while their media flows', () => {
    const { state, effects } = run(connectedCall(), {
      type: 'cut-the-call',
      peerId: 'ada-peer',
      name: 'Ada',
      reason: 'disconnected',
    });
    assert.equal(statusOf(state), 'connected');
    assert.deepEqual(effects, []);
  });

  it('media down for good while the other person is gone from the server ends the call, saying so', () => {
    let { state, effects } = run(
      connectedCall(),
      { type: 'cut-the-call', peerId: 'ada-peer', name: 'Ada', reason: 'disconnected' },
      { type: 'peer-state', connectionState: 'failed' },
    );
    assert.deepEqual(effects, [{ do: 'watch-peer-lost', on: true }]);
    assert.ok(PEER_LOST_MS >= 10_000, 'time for the other person to come back');
    ({ state, effects } = run(state, { type: 'peer-lost-due' }));
    assert.equal(statusOf(state), 'ended');
    assert.equal(effects[0].notice.kind, 'peer-lost');
    assert.match(effects[0].notice.text, /Ada/);
  });

  it('someone who lost the server before the connection was made is waited for', () => {
    const { state, effects } = run(
      initialState(),
      { type: 'socket-up' },
      { type: 'join-requested', name: 'Bob' },
      { type: 'joined', ack: ack({ members: [ADA], polite: true }), name: 'Bob' },
      { type: 'cut-the-call', peerId: 'ada-peer', name: 'Ada', reason: 'disconnected' },
    );
    assert.equal(statusOf(state), 'waiting');
    assert.ok(!kinds(effects).includes('end'));
    assert.ok(!kinds(effects).includes('watch-peer-lost'));
  });

  it('the other person coming back in time stops the countdown', () => {
    const { state, effects } = run(
      connectedCall(),
      { type: 'cut-the-call', peerId: 'ada-peer', name: 'Ada', reason: 'disconnected' },
      { type: 'peer-state', connectionState: 'disconnected' },
      { type: 'user-arrived', peerId: 'ada-peer', name: 'Ada' },
    );
    assert.deepEqual(effects.at(-1), { do: 'watch-peer-lost', on: false });
    assert.equal(peerSeemsLost(state), false);
    assert.equal(statusOf(step(state, { type: 'peer-lost-due' }).state), 'connecting', 'the late timer ends nothing');
  });

  it('our own server being away never counts the other person as lost', () => {
    const { state, effects } = run(
      connectedCall(),
      { type: 'socket-down' },
      { type: 'peer-state', connectionState: 'failed' },
    );
    assert.ok(!kinds(effects).includes('watch-peer-lost'));
    assert.equal(statusOf(state), 'reconnecting');
  });

  it('a ticket the server does not accept sits down again instead of ending the call', () => {
    const { state, effects } = run(connectedCall(), { type: 'socket-down' }, { type: 'socket-up' }, {
      type: 'rejoin-refused',
      code: 'bad-token',
    });
    assert.deepEqual(effects.at(-1), { do: 'join-again', name: 'Bob' });
    assert.equal(statusOf(state), 'reconnecting');
    const again = run(state, { type: 'joined-again', ack: ack({ peer: 'bob-2', members: [ADA], polite: true }) });
    assert.equal(statusOf(again.state), 'connected');
    assert.equal(again.state.seat.peerId, 'bob-2');
    assert.ok(!kinds(again.effects).includes('drop-peer'), 'until Ada offers a new connection');
  });

  it('a seat taken by someone else ends the call with the reason; a lost answer is asked again', () => {
    const away = run(connectedCall(), { type: 'socket-down' }, { type: 'socket-up' }).state;
    const full = step(away, { type: 'rejoin-refused', code: 'full-room' });
    assert.equal(full.effects[0].notice.kind, 'seat-taken');
    assert.equal(full.effects[0].leave, false);
    const slow = step(away, { type: 'rejoin-refused', code: 'timeout' });
    assert.equal(slow.effects[0].do, 'retry-rejoin');
    assert.deepEqual(step(slow.state, { type: 'retry-rejoin-due' }).effects, [{ do: 'rejoin', seat: away.seat }]);
    const down = step(slow.state, { type: 'socket-down' }).state;
    assert.deepEqual(step(down, { type: 'retry-rejoin-due' }).effects, [], 'the next connection asks instead');
  });

  it('a renewal of TURN credentials is not shown as a lost connection', () => {
    const { state, effects } = run(connectedCall(), { type: 'renewal-due' }, { type: 'socket-down' });
    assert.deepEqual(kinds(effects), ['reconnect']);
    assert.equal(statusOf(state), 'connected');
    const back = run(state, { type: 'socket-up' }, { type: 'rejoined', ack: ack({ members: [ADA] }) }).state;
    assert.equal(back.renewing, false);
  });
});

describe('a reloaded page', () => {
  const saved = { peerId: 'bob-peer', rejoinToken: 'ticket-of-bob-peer', name: 'Bob' };

  it('takes its seat back and offers a new connection', () => {
    let { state, effects } = run(initialState(saved), { type: 'socket-up' });
    assert.equal(statusOf(initialState(saved)), 'reconnecting');
    assert.deepEqual(kinds(effects), ['rejoin']);
    ({ state, effects } = run(state, { type: 'rejoined', ack: ack({ members: [ADA], polite: true }) }));
    assert.deepEqual(effects.at(-1), { do: 'start-peer', initiator: true, polite: true });
    assert.equal(statusOf(state), 'connecting');
  });

  it('waits when the other person is not back', () => {
    const { state } = run(initialState(saved), { type: 'socket-up' }, { type: 'rejoined', ack: ack() });
    assert.equal(statusOf(state), 'waiting');
  });
});

describe('offers', () => {
  it('a new session from the other side starts a new connection; the same one renegotiates', () => {
    const renegotiate = step(connectedCall(), { type: 'offer', from: 'ada-peer', name: 'Ada', sdp: 'v=0 b', sameSession: true });
    assert.deepEqual(kinds(renegotiate.effects), ['take-offer']);
    const reloaded = step(connectedCall(), { type: 'offer', from: 'ada-peer', name: 'Ada', sdp: 'v=0 c', sameSession: false });
    assert.deepEqual(kinds(reloaded.effects), ['drop-peer', 'start-peer', 'take-offer', 'watch-slow-connect']);
    assert.equal(reloaded.effects[1].initiator, false);
    assert.equal(reloaded.effects[2].sdp, 'v=0 c');
  });

  it('someone new arriving replaces the connection', () => {
    const { effects } = step(connectedCall(), { type: 'user-arrived', peerId: 'eve-peer', name: 'Eve' });
    assert.deepEqual(kinds(effects), ['drop-peer', 'start-peer', 'watch-slow-connect']);
  });
});

describe('hanging up', () => {
  it('our hang-up tells the other side directly and the server', () => {
    const { state, effects } = step(connectedCall(), { type: 'hang-up' });
    assert.equal(statusOf(state), 'ended');
    assert.deepEqual(effects, [{ do: 'end', notice: { kind: 'hung-up', text: 'You ended the call.' }, leave: true, tellPeer: true }]);
  });

  it('their hang-up, through the server or straight over the data channel, names them', () => {
    const viaServer = step(connectedCall(), { type: 'cut-the-call', peerId: 'ada-peer', name: 'Ada', reason: 'hangup' });
    const direct = step(connectedCall(), { type: 'peer-hung-up' });
    for (const { state, effects } of [viaServer, direct]) {
      assert.equal(statusOf(state), 'ended');
      assert.equal(effects[0].notice.text, 'Ada ended the call.');
      assert.equal(effects[0].tellPeer, false);
    }
    assert.deepEqual(step(viaServer.state, { type: 'peer-hung-up' }).effects, [], 'ended once');
  });

  it('a hang-up while the server is away still ends the call at once', () => {
    const away = step(connectedCall(), { type: 'socket-down' }).state;
    const { effects } = step(away, { type: 'peer-hung-up' });
    assert.equal(effects[0].do, 'end');
    assert.equal(effects[0].leave, false, 'nothing to tell a server we are not connected to');
  });

  it('a hang-up of someone else is not ours', () => {
    const { state } = step(connectedCall(), { type: 'cut-the-call', peerId: 'eve-peer', name: 'Eve', reason: 'hangup' });
    assert.equal(statusOf(state), 'connected');
  });
});

describe('a call that does not connect', () => {
  const arrived = () =>
    step(
      run(
        initialState(),
        { type: 'socket-up' },
        { type: 'join-requested', name: 'Ada' },
        { type: 'joined', ack: ack({ peer: 'ada-peer' }), name: 'Ada' },
      ).state,
      { type: 'user-arrived', peerId: 'bob-peer', name: 'Bob' },
    );

  it('starts the slow-connect timer when connecting begins, and asks for help when it is due', () => {
    const { state, effects } = arrived();
    assert.deepEqual(effects.at(-1), { do: 'watch-slow-connect', on: true });
    assert.equal(helpWanted(state), false);
    const slow = step(state, { type: 'slow-connect-due' }).state;
    assert.equal(helpWanted(slow), true);
  });

  it('stops asking once connected, and starts over if the connection is lost again', () => {
    const slow = step(arrived().state, { type: 'slow-connect-due' }).state;
    const connected = step(slow, { type: 'peer-state', connectionState: 'connected' });
    assert.deepEqual(connected.effects, [{ do: 'watch-slow-connect', on: false }]);
    assert.equal(helpWanted(connected.state), false);
    assert.equal(connected.state.slowToConnect, false);
    const lost = step(connected.state, { type: 'peer-state', connectionState: 'disconnected' });
    assert.deepEqual(lost.effects, [{ do: 'watch-slow-connect', on: true }]);
    assert.equal(helpWanted(lost.state), false);
  });

  it('a timer that fires after connecting is ignored', () => {
    const connected = step(arrived().state, { type: 'peer-state', connectionState: 'connected' }).state;
    assert.equal(step(connected, { type: 'slow-connect-due' }).state.slowToConnect, false);
  });
});
