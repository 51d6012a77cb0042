// The life of a call on this page. The decisions are the state core's
// (call-state.js); this module feeds it what happens (the person's actions,
// the server's events, the peer connection's changes) and carries out the
// effects it asks for, with the signalling connection, the peer connection,
// the camera and microphone, and the view.

import { helpWanted, initialState, PEER_LOST_MS, statusOf, step } from './call-state.js';
import { callMedia } from './call-media.js';
import { connectHelp, offersTurn, SLOW_CONNECT_MS } from './connect-help.js';
import { renewalDelay } from './credentials.js';
import { goHome } from './navigation.js';
import { sessionIdOf } from './negotiation.js';
import { fileTransfers } from './file-transfer.js';
import { createPeer } from './peer.js';
import { inviteLink } from './rooms.js';
import { watchQuality } from './quality-watch.js';
import { watchRoute } from './route-watch.js';
import { keepScreenAwake } from './wake-lock.js';
import {
  forgetSeat,
  lastName,
  relayOnlyChosen,
  rememberName,
  rememberRelayOnly,
  savedSeat,
  saveSeat,
} from './storage.js';

/** How long hanging up waits for the server to confirm before leaving anyway. */
const HANGUP_WAIT_MS = 2000;

export function runCall({ roomId, signalling, view, fileView }) {
  // Every listener and timer of this call stops with it.
  const lifetime = new AbortController();
  const { signal } = lifetime;
  const timers = timersUntil(signal);
  let state = initialState(savedSeat(roomId));
  /** The peer connection to the other person, and what lives as long as it. */
  let peer = null;
  let peerLifetime = null;
  /** A description that could not be sent while the seat was not live. */
  let unsent = null;
  /** The call-quality panel's refresh, while it is open. */
  let qualityWatch = null;
  let screenAwake = false;
  const local = callMedia({ view, currentPeer: () => peer });
  const files = fileTransfers({ view: fileView, otherName: () => state.remote?.name, signal });

  function dispatch(event) {
    const result = step(state, event);
    state = result.state;
    render();
    for (const effect of result.effects) effects[effect.do](effect);
  }

  function render() {
    if (state.phase === 'call') view.setPhase('call');
    else if (state.phase !== 'ended') view.setPhase('lobby');
    view.setStatus(statusOf(state));
    view.setJoining(state.phase === 'joining');
    view.setLobbyError(state.lobbyError);
    view.setRemoteName(state.remote?.name);
    view.setCallHelp(helpWanted(state) ? connectHelp(connectFacts()) : null);
    if (state.phase === 'call' && !screenAwake) {
      screenAwake = true;
      keepScreenAwake({ signal, report: (held) => view.setWakeLock(held) });
    }
  }

  /** What the page knows of why the call does not connect. */
  function connectFacts() {
    return {
      name: state.remote?.name,
      turnOffered: offersTurn(state.seat?.iceServers),
      relayOnly: relayOnly(),
      ...(peer?.progress() ?? { localCandidates: 0, remoteCandidates: 0, wasConnected: false }),
    };
  }

  /** "Always relay", when chosen and when there is a relay to use. */
  const relayOnly = () => view.relayOnly && offersTurn(state.seat?.iceServers);

  /** Asks the server, with the seat's room; resolves with the acknowledgement or rejects with its error code. */
  const ask = (event, payload) => signalling.request(event, { room_id: roomId, ...payload });

  const effects = {
    async join({ name }) {
      rememberName(name);
      await local.ready;
      try {
        dispatch({ type: 'joined', ack: await ask('join', { name }), name });
      } catch (err) {
        dispatch({ type: 'join-refused', code: err.code, message: err.message });
      }
    },

    async rejoin({ seat }) {
      // A fresh page offers as soon as it is back: with its camera, then.
      if (!peer) await local.ready;
      try {
        dispatch({ type: 'rejoined', ack: await ask('rejoin', { peer_id: seat.peerId, rejoin_token: seat.rejoinToken }) });
      } catch (err) {
        dispatch({ type: 'rejoin-refused', code: err.code });
      }
    },

    async 'join-again'({ name }) {
      try {
        // The server may have forgotten the room along with its secrets.
        await ask('create-room').catch(() => {});
        dispatch({ type: 'joined-again', ack: await ask('join', { name }) });
      } catch (err) {
        dispatch({ type: 'rejoin-refused', code: err.code === 'bad-token' ? 'timeout' : err.code });
      }
    },

    'retry-rejoin'({ after }) {
      timers.set('rejoin', after, () => dispatch({ type: 'retry-rejoin-due' }));
    },

    async 'watch-room'() {
      try {
        view.renderMembers((await ask('room-info', { watch: true })).members);
      } catch (err) {
        if (err.code === 'no-such-room') dispatch({ type: 'room-missing' });
        else console.warn('room-info failed', err);
      }
    },

    'start-peer'({ initiator, polite }) {
      startPeer({ initiator, polite });
    },

    'drop-peer'() {
      files.detach();
      peerLifetime?.abort();
      peer?.close();
      peer = null;
      peerLifetime = null;
      view.setRoute(null);
      view.clearRemoteState();
    },

    'recover-peer'({ after = 0 }) {
      const target = peer;
      timers.set('recover', after, () => {
        if (!target || peer !== target) return;
        flushUnsent();
        target.recover();
      });
    },

    'use-ice-servers'({ iceServers }) {
      peer?.updateIceServers(iceServers);
    },

    'take-offer'({ sdp }) {
      peer?.receive({ description: { type: 'offer', sdp } });
    },

    'save-seat'({ seat }) {
      saveSeat(roomId, { peerId: seat.peerId, rejoinToken: seat.rejoinToken, name: seat.name });
    },

    'schedule-renewal'({ iceServers }) {
      const delay = renewalDelay(iceServers);
      if (delay === null) timers.clear('renewal');
      else timers.set('renewal', delay, () => dispatch({ type: 'renewal-due' }));
    },

    reconnect() {
      signalling.reconnect();
    },

    'watch-peer-lost'({ on }) {
      if (on) timers.set('peer-lost', PEER_LOST_MS, () => dispatch({ type: 'peer-lost-due' }));
      else timers.clear('peer-lost');
    },

    'watch-slow-connect'({ on }) {
      if (on) timers.set('slow-connect', SLOW_CONNECT_MS, () => dispatch({ type: 'slow-connect-due' }));
      else timers.clear('slow-connect');
    },

    /**
     * Ends the call on this page: tells the other side straight over the
     * data channel (a hang-up must arrive while the server is away) and the
     * server (if it can still be told), closes the peer connection, releases
     * camera and microphone, and goes home with `notice`.
     */
    async end({ notice, leave, tellPeer }) {
      lifetime.abort();
      forgetSeat(roomId);
      const told = tellPeer ? peer?.sendHangUp() : null;
      const left = leave ? Promise.race([signalling.request('cut-the-call').catch(() => {}), delay(HANGUP_WAIT_MS)]) : null;
      await told;
      effects['drop-peer']();
      local.media.stopAll();
      view.clearVideos();
      await left;
      signalling.close();
      await goHome(notice);
    },
  };

  // ---- the peer connection ----

  function startPeer({ initiator, polite }) {
    const connection = createPeer({
      initiator,
      polite,
      iceServers: state.seat.iceServers,
      relayOnly: relayOnly(),
      media: local.media,
      signal: relay,
      on: {
        remoteStream: (stream) => view.showRemote(stream),
        stateChange: (connectionState) => {
          if (peer === connection) dispatch({ type: 'peer-state', connectionState });
        },
        chat: (text) => view.appendChat(state.remote?.name ?? 'Them', text, false),
        peerState: (remoteState) => view.showRemoteState(state.remote?.name, remoteState),
        hangUp: () => {
          if (peer === connection) dispatch({ type: 'peer-hung-up' });
        },
        channelOpen: () => connection.sendState(local.localState()),
        fileChannel: (channel, maxMessageSize) => files.useChannel(channel, maxMessageSize),
        error: (err) => console.warn('negotiation', err),
      },
    });
    peer = connection;
    peerLifetime = new AbortController();
    watchRoute(connection, {
      connected: () => state.peer === 'connected',
      show: (route) => view.setRoute(route),
      signal: peerLifetime.signal,
    });
  }

  /** Carries negotiation messages to the other person, while the seat is live. */
  function relay({ description, candidate }) {
    if (!state.remote) return;
    const to = state.remote.peerId;
    if (description) {
      const sent = state.seatLive && signalling.send(description.type, { to, sdp: description.sdp });
      unsent = sent ? null : description;
    } else if (state.seatLive) {
      signalling.send('ice-candidate', { to, candidate });
    }
  }

  function flushUnsent() {
    const description = unsent;
    unsent = null;
    if (description && peer?.pc.localDescription?.sdp === description.sdp) relay({ description });
  }

  /** An offer from the same peer connection as the one we talk to (or to one that has not answered yet). */
  function sameSession(sdp) {
    const current = peer?.remoteSessionId();
    return !!peer && (!current || current === sessionIdOf(sdp));
  }

  const fromRemote = (peerId) => state.phase === 'call' && state.remote?.peerId === peerId;

  // ---- the person's actions ----

  function sendChat(text) {
    if (peer?.sendChat(text)) {
      view.appendChat('You', text, true);
      return true;
    }
    view.appendChat('', 'Messages can be sent once the other person is connected.', true);
    return false;
  }

  function toggleStats() {
    if (qualityWatch) {
      qualityWatch.abort();
      qualityWatch = null;
      view.setStatsOpen(false);
      return;
    }
    qualityWatch = new AbortController();
    signal.addEventListener('abort', () => qualityWatch?.abort(), { once: true });
    view.setStatsOpen(true);
    watchQuality({ currentPeer: () => peer, show: (summary) => view.renderStats(summary), signal: qualityWatch.signal });
  }

  async function copyLink() {
    try {
      await navigator.clipboard.writeText(inviteLink(roomId));
      view.flashCopied(true);
    } catch {
      view.flashCopied(false);
    }
  }

  // ---- wiring ----

  view.setInviteLink(inviteLink(roomId));
  view.setName(lastName());
  view.relayOnly = relayOnlyChosen();
  render();

  signalling.onConnectionChange((up) => dispatch({ type: up ? 'socket-up' : 'socket-down' }), { signal });
  const listen = (event, handler) => signalling.on(event, handler, { signal });
  listen('members', ({ room_id: id, members }) => {
    if (id === roomId) view.renderMembers(members);
  });
  listen('user-arrived', ({ peer_id: peerId, name }) => dispatch({ type: 'user-arrived', peerId, name }));
  listen('offer', ({ from, name, sdp }) => dispatch({ type: 'offer', from, name, sdp, sameSession: sameSession(sdp) }));
  listen('answer', ({ from, sdp }) => {
    if (fromRemote(from)) peer?.receive({ description: { type: 'answer', sdp } });
  });
  listen('ice-candidate', ({ from, candidate }) => {
    if (fromRemote(from)) peer?.receive({ candidate });
  });
  listen('cut-the-call', ({ peer_id: peerId, name, reason }) => dispatch({ type: 'cut-the-call', peerId, name, reason }));
  listen('error', ({ error, message, event }) => {
    console.warn(`the server refused ${event}: ${error} (${message})`);
    if (error === 'not-joined') dispatch({ type: 'seat-moved' });
  });

  view.bindActions(
    {
      join(name) {
        if (!name) view.focusName();
        dispatch({ type: 'join-requested', name });
      },
      hangUp: () => dispatch({ type: 'hang-up' }),
      toggle: local.toggle,
      chooseDevice: local.chooseDevice,
      sendChat,
      copyLink,
      relayOnlyChanged: rememberRelayOnly,
      toggleStats,
    },
    { signal },
  );
  fileView.bindFileActions({ send: files.send, cancel: files.cancel }, { signal });
  navigator.mediaDevices?.addEventListener?.('devicechange', local.refreshDevices, { signal });
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Named timers, each replaced when set again, all cleared when `signal` aborts. */
function timersUntil(signal) {
  const pending = new Map();
  const clear = (name) => {
    clearTimeout(pending.get(name));
    pending.delete(name);
  };
  signal.addEventListener('abort', () => [...pending.keys()].forEach(clear), { once: true });
  return {
    set(name, ms, callback) {
      clear(name);
      pending.set(
        name,
        setTimeout(() => {
          pending.delete(name);
          callback();
        }, ms),
      );
    },
    clear,
  };
}
