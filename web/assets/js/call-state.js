// The call's state and its transitions, with no browser in sight: every
// input (a click, a server event, a change of the peer connection) is an
// event; `step(state, event)` returns the next state and the effects to run
// (`{ do: ... }` objects that call-session.js carries out). What the person
// sees follows from the state alone (`statusOf`).
//
// The rule this core keeps: a call whose media flows is never ended because
// the server was away, restarted or forgot the seat. Only a hang-up (either
// side's) ends it, or the media stopping for good while the other person is
// also gone from the server.

/** How long the media may be down while the other person is gone from the server before the call is over. */
export const PEER_LOST_MS = 30_000;
/** How long to let a peer that took its seat back speak first (a reloaded page offers anew) before repairing our connection. */
export const RECOVER_AFTER_ARRIVAL_MS = 1500;
/** How long before asking again for a seat the server did not answer about. */
export const REJOIN_RETRY_MS = 1000;

/**
 * `phase`: lobby | joining | call | full | ended.
 * `seat`: `{ peerId, rejoinToken, name, polite, iceServers }` once seated.
 * `seatLive`: the server confirmed the seat on the current connection.
 * `remote`: the other person, `{ peerId, name }`, while there is one.
 * `remoteOnServer`: the server last said the other person holds a seat.
 * `peer`: the state of the peer connection (`none` without one).
 * `renewing`: reconnecting on purpose, for fresh TURN credentials.
 * `slowToConnect`: the call has been `connecting` for a while (see `helpWanted`).
 */
export function initialState(savedSeat = null) {
  return {
    phase: savedSeat ? 'call' : 'lobby',
    seat: savedSeat ? { ...savedSeat, polite: false, iceServers: [] } : null,
    seatLive: false,
    socketUp: false,
    remote: null,
    remoteOnServer: false,
    peer: 'none',
    renewing: false,
    slowToConnect: false,
    lobbyError: null,
  };
}

/** The status a person sees: one of the `call-status` states of PAGES.md. */
export function statusOf(state) {
  switch (state.phase) {
    case 'lobby':
    case 'joining':
      return 'lobby';
    case 'full':
    case 'ended':
      return state.phase;
    default:
      if ((!state.socketUp || !state.seatLive) && !state.renewing) return 'reconnecting';
      if (!state.remote) return 'waiting';
      return state.peer === 'connected' ? 'connected' : 'connecting';
  }
}

/** The call has been connecting long enough that the person should be told why it does not. */
export function helpWanted(state) {
  return state.slowToConnect && statusOf(state) === 'connecting';
}

/** The media is down and the other person is gone from the server: if it stays so, the call is over. */
export function peerSeemsLost(state) {
  return state.phase === 'call' && state.seatLive && !!state.remote && !state.remoteOnServer && state.peer !== 'connected';
}

const ended = (state, notice, { leave = state.seatLive, tellPeer = false } = {}) => ({
  state: { ...state, phase: 'ended', seatLive: false, peer: 'none' },
  effects: [{ do: 'end', notice, leave, tellPeer }],
});

const endedBy = (name) => ({ kind: 'ended-by-peer', text: `${name || 'The other person'} ended the call.` });

const missingRoom = { kind: 'missing-room', text: 'This room does not exist any more. Start a new call.' };

function seatFrom(ack, name, polite) {
  return { peerId: ack.peer_id, rejoinToken: ack.rejoin_token, name, polite, iceServers: ack.ice_servers };
}

/** Replaces the peer connection (if any) with a new one. */
function freshPeer(state, { initiator, polite }) {
  const effects = state.peer === 'none' ? [] : [{ do: 'drop-peer' }];
  effects.push({ do: 'start-peer', initiator, polite });
  return { state: { ...state, peer: 'new' }, effects };
}

const sameIceServers = (a, b) => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

/** Effects that follow every seat taken: remember it, and renew TURN credentials in time. */
const seatEffects = (seat) => [{ do: 'save-seat', seat }, { do: 'schedule-renewal', iceServers: seat.iceServers }];

const handlers = {
  'join-requested'(state, { name }) {
    if (state.phase !== 'lobby' && state.phase !== 'full') return { state };
    if (!name) {
      return { state: { ...state, lobbyError: 'Enter your name, so the other person knows who is calling.' } };
    }
    return { state: { ...state, phase: 'joining', lobbyError: null }, effects: [{ do: 'join', name }] };
  },

  joined(state, { ack, name }) {
    if (state.phase !== 'joining') return { state };
    const seat = seatFrom(ack, name, ack.polite);
    const [other] = ack.members;
    // The one already there makes the offer when told we arrived.
    return {
      state: {
        ...state,
        phase: 'call',
        seat,
        seatLive: true,
        remote: other ? { peerId: other.peer_id, name: other.name } : null,
        remoteOnServer: !!other,
      },
      effects: seatEffects(seat),
    };
  },

  'join-refused'(state, { code, message }) {
    if (code === 'full-room') return { state: { ...state, phase: 'full' } };
    if (code === 'no-such-room') return ended(state, missingRoom, { leave: false });
    return { state: { ...state, phase: 'lobby', lobbyError: message } };
  },

  'socket-up'(state) {
    const up = { ...state, socketUp: true };
    if (state.phase === 'call') return { state: up, effects: [{ do: 'rejoin', seat: state.seat }] };
    if (state.phase === 'lobby' || state.phase === 'full') return { state: up, effects: [{ do: 'watch-room' }] };
    return { state: up };
  },

  'socket-down'(state) {
    return { state: { ...state, socketUp: false, seatLive: false } };
  },

  rejoined(state, { ack }) {
    if (state.phase !== 'call') return { state };
    const hasPeer = state.peer !== 'none';
    // A peer connection keeps the role it was made with; a fresh page takes the server's.
    const seat = seatFrom(ack, state.seat.name, hasPeer ? state.seat.polite : ack.polite);
    const onServer = (peerId) => ack.members.some((m) => m.peer_id === peerId);
    const effects = seatEffects(seat);
    const back = { ...state, seat, seatLive: true, renewing: false };
    if (hasPeer) {
      // Still talking to them, whatever the server knows of them now.
      if (!sameIceServers(ack.ice_servers, state.seat.iceServers)) {
        effects.push({ do: 'use-ice-servers', iceServers: ack.ice_servers });
      }
      effects.push({ do: 'recover-peer' });
      return { state: { ...back, remoteOnServer: onServer(state.remote?.peerId) }, effects };
    }
    const [other] = ack.members;
    if (!other) return { state: { ...back, remote: null, remoteOnServer: false }, effects };
    // A fresh page (a reload): offer anew; the other side sees a new session and starts over with it.
    const remote = { peerId: other.peer_id, name: other.name };
    const started = freshPeer({ ...back, remote, remoteOnServer: true }, { initiator: true, polite: seat.polite });
    return { state: started.state, effects: [...effects, ...started.effects] };
  },

  'rejoin-refused'(state, { code }) {
    if (state.phase !== 'call') return { state };
    switch (code) {
      case 'full-room':
        return ended(
          state,
          { kind: 'seat-taken', text: 'While you were away from the server, someone else took your place in this call.' },
          { leave: false },
        );
      case 'bad-token':
        // The server does not know this ticket (it lost its secrets, or the
        // ticket is too old): sit down again as someone new. The other side
        // then offers a fresh connection, and the call goes on.
        return { state: { ...state, renewing: false }, effects: [{ do: 'join-again', name: state.seat.name }] };
      case 'no-such-room':
        return ended(state, missingRoom, { leave: false });
      case 'already-joined':
        return { state: { ...state, seatLive: true, renewing: false } };
      default:
        return { state, effects: [{ do: 'retry-rejoin', after: REJOIN_RETRY_MS }] };
    }
  },

  'joined-again'(state, { ack }) {
    if (state.phase !== 'call') return { state };
    const seat = seatFrom(ack, state.seat.name, ack.polite);
    const [other] = ack.members;
    return {
      state: { ...state, seat, seatLive: true, remoteOnServer: !!other && other.peer_id === state.remote?.peerId },
      effects: seatEffects(seat),
    };
  },

  'retry-rejoin-due'(state) {
    if (state.phase !== 'call' || state.seatLive || !state.socketUp) return { state };
    return { state, effects: [{ do: 'rejoin', seat: state.seat }] };
  },

  'user-arrived'(state, { peerId, name }) {
    if (state.phase !== 'call') return { state };
    const arrived = { ...state, remote: { peerId, name }, remoteOnServer: true };
    if (state.remote?.peerId === peerId && state.peer !== 'none') {
      // The same person took their seat back: keep the connection that works.
      return { state: arrived, effects: [{ do: 'recover-peer', after: RECOVER_AFTER_ARRIVAL_MS }] };
    }
    // Someone new: we were here first, so we offer, and we are the impolite peer.
    return freshPeer(arrived, { initiator: true, polite: false });
  },

  // The server relays offers only to the connection holding the seat, so
  // one may arrive just before the seat's acknowledgement does.
  offer(state, { from, name, sdp, sameSession }) {
    if (state.phase !== 'call') return { state };
    const next = { ...state, remote: { peerId: from, name }, remoteOnServer: true };
    const known = state.remote?.peerId === from && state.peer !== 'none';
    if (known && sameSession) return { state: next, effects: [{ do: 'take-offer', sdp }] };
    // A new peer connection on the other side (a reloaded page): start over with it.
    const started = freshPeer(next, { initiator: false, polite: state.seat.polite });
    return { state: started.state, effects: [...started.effects, { do: 'take-offer', sdp }] };
  },

  'cut-the-call'(state, { peerId, name, reason }) {
    if (state.phase !== 'call' || state.remote?.peerId !== peerId) return { state };
    if (reason === 'hangup') return ended(state, endedBy(name));
    // Not connected to them yet: wait in the room for them, or for someone else.
    if (state.peer === 'none') return { state: { ...state, remote: null, remoteOnServer: false } };
    // They lost the server; their media may still be flowing.
    return { state: { ...state, remoteOnServer: false } };
  },

  'peer-hung-up'(state) {
    if (state.phase !== 'call') return { state };
    return ended(state, endedBy(state.remote?.name));
  },

  'peer-state'(state, { connectionState }) {
    if (state.peer === 'none') return { state };
    return { state: { ...state, peer: connectionState } };
  },

  'peer-lost-due'(state) {
    if (!peerSeemsLost(state)) return { state };
    const name = state.remote.name || 'The other person';
    return ended(state, {
      kind: 'peer-lost',
      text: `The connection to ${name} was lost, and they are no longer reachable through the server, so the call ended.`,
    });
  },

  'slow-connect-due'(state) {
    if (statusOf(state) !== 'connecting') return { state };
    return { state: { ...state, slowToConnect: true } };
  },

  'renewal-due'(state) {
    if (state.phase !== 'call' || !state.seatLive) return { state };
    return { state: { ...state, renewing: true }, effects: [{ do: 'reconnect' }] };
  },

  'seat-moved'(state) {
    if (state.phase !== 'call' || !state.seatLive) return { state };
    return ended(state, { kind: 'seat-lost', text: 'This call went on in another tab or window.' }, { leave: false });
  },

  'room-missing'(state) {
    return state.phase === 'ended' ? { state } : ended(state, missingRoom, { leave: false });
  },

  'hang-up'(state) {
    if (state.phase === 'ended') return { state };
    return ended(state, { kind: 'hung-up', text: 'You ended the call.' }, { tellPeer: true });
  },
};

/**
 * The next state after `event` (`{ type, ...details }`), and the effects to
 * run. Timers are kept in step with the state: an effect
 * `{ do: 'watch-peer-lost', on }` follows every change of whether the other
 * person seems lost, and `{ do: 'watch-slow-connect', on }` every change of
 * whether the call is `connecting`.
 */
export function step(state, event) {
  const handler = handlers[event.type];
  if (!handler) throw new Error(`unknown call event ${event.type}`);
  const result = handler(state, event);
  let next = result.state;
  const effects = [...(result.effects ?? [])];
  if (peerSeemsLost(next) !== peerSeemsLost(state)) {
    effects.push({ do: 'watch-peer-lost', on: peerSeemsLost(next) });
  }
  const connecting = statusOf(next) === 'connecting';
  if (connecting !== (statusOf(state) === 'connecting')) {
    effects.push({ do: 'watch-slow-connect', on: connecting });
    if (!connecting) next = { ...next, slowToConnect: false };
  }
  return { state: next, effects };
}
