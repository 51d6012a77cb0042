// The life of a call on this page: the lobby, taking a seat, the peer
// connection, riding out a dropped signalling connection, and the end.

import { explainMediaError, LocalMedia } from './media.js';
import { goHome } from './navigation.js';
import { sessionIdOf } from './negotiation.js';
import { createPeer } from './peer.js';
import { inviteLink } from './rooms.js';
import {
  forgetSeat,
  lastName,
  relayOnlyChosen,
  rememberName,
  rememberRelayOnly,
  savedSeat,
  saveSeat,
} from './storage.js';

const HANGUP_WAIT_MS = 2000;
/**
 * Fresh TURN credentials are fetched this long before the old ones expire,
 * or a quarter of their remaining life before, if that is shorter.
 */
const CREDENTIAL_RENEWAL_MARGIN_MS = 5 * 60 * 1000;
/** At most one renewal this often, even if the clock says they have expired. */
const MIN_RENEWAL_DELAY_MS = 10 * 1000;
const ROUTE_CHECK_MS = 2000;

export function runCall({ roomId, signalling, view }) {
  const state = {
    /** lobby | joining | call | full | error | ended */
    phase: 'lobby',
    errorText: null,
    /** `{ peerId, rejoinToken, name, polite, iceServers }` once seated. */
    seat: null,
    /** The server has confirmed the seat on the current connection. */
    seatLive: false,
    socketUp: false,
    /** The other person: `{ peerId, name }`. */
    remote: null,
    peer: null,
    peerState: 'new',
    /** A description that could not be sent while the connection was down. */
    unsent: null,
    /** Reconnecting on purpose, for fresh TURN credentials: not worth showing. */
    renewing: false,
    renewalTimer: 0,
    routeTimer: 0,
  };

  const media = new LocalMedia({ onTrackChange: (kind) => onLocalTrackChange(kind) });
  const { controls } = view;

  // ---- what the person sees ----

  function render() {
    if (state.phase === 'call') {
      view.setPhase('call');
      if ((!state.socketUp || !state.seatLive) && !state.renewing) view.setStatus('reconnecting');
      else if (!state.remote) view.setStatus('waiting');
      else if (state.peerState === 'connected') view.setStatus('connected');
      else view.setStatus('connecting');
    } else if (state.phase === 'ended') {
      view.setStatus('ended');
    } else {
      view.setPhase('lobby');
      const status = state.phase === 'joining' ? 'lobby' : state.phase;
      view.setStatus(status, state.phase === 'error' ? state.errorText : undefined);
    }
  }

  const localState = () => ({
    audio: media.enabled.audio && !!media.track('audio'),
    video: media.enabled.video && !!media.track('video'),
    screen: !!media.screenTrack,
  });

  function renderToggles() {
    const hasAudio = !!media.track('audio');
    const hasVideo = !!media.track('video');
    view.setToggleAvailable(controls.audio, hasAudio);
    view.setToggleAvailable(controls.video, hasVideo);
    view.setToggle(controls.audio, hasAudio && media.enabled.audio);
    view.setToggle(controls.video, hasVideo && media.enabled.video);
    view.setToggle(controls.screen, !!media.screenTrack);
    view.setToggleAvailable(controls.screen, !!navigator.mediaDevices?.getDisplayMedia);
  }

  async function refreshDevices() {
    const { cameras, mics } = await media.devices();
    view.fillDevices(controls.camera, cameras, media.deviceId('video'), 'Camera');
    view.fillDevices(controls.mic, mics, media.deviceId('audio'), 'Microphone');
  }

  // ---- local media ----

  async function startMedia() {
    const problem = await media.start();
    view.setMediaMessage(problem);
    view.showLocal(media.stream);
    renderToggles();
    await refreshDevices();
  }

  async function onLocalTrackChange(kind) {
    view.showLocal(media.stream);
    renderToggles();
    await sendCurrentTrack(kind);
  }

  async function sendCurrentTrack(kind) {
    const track = kind === 'video' ? media.outgoingVideo() : media.track('audio');
    try {
      await state.peer?.sendTrack(kind, track);
    } catch (err) {
      console.warn('could not switch the track being sent', err);
    }
    state.peer?.sendState(localState());
  }

  async function switchDevice(kind, deviceId) {
    try {
      await media.useDevice(kind, deviceId);
      view.setMediaMessage(null);
    } catch (err) {
      view.setMediaMessage(explainMediaError(err, kind === 'audio' ? 'microphone' : 'camera'));
    }
    await refreshDevices();
  }

  async function toggleScreen() {
    if (media.screenTrack) {
      media.stopScreen();
    } else {
      try {
        await media.shareScreen(() => sendCurrentTrack('video').then(renderToggles));
      } catch (err) {
        // Cancelling the browser's picker is not worth a message.
        if (err.name !== 'NotAllowedError') view.setMediaMessage(explainMediaError(err, 'screen'));
      }
    }
    await sendCurrentTrack('video');
    renderToggles();
  }

  // ---- the seat ----

  async function watchRoom() {
    try {
      const info = await signalling.request('room-info', { room_id: roomId, watch: true });
      view.renderMembers(info.members);
    } catch (err) {
      if (err.code === 'no-such-room') end(missingRoom());
      else console.warn('room-info failed', err);
    }
  }

  function takeSeat(ack, name) {
    const previousIce = JSON.stringify(state.seat?.iceServers ?? null);
    state.seat = {
      peerId: ack.peer_id,
      rejoinToken: ack.rejoin_token,
      name,
      polite: ack.polite,
      iceServers: ack.ice_servers,
    };
    if (state.peer && JSON.stringify(ack.ice_servers) !== previousIce) {
      state.peer.updateIceServers(ack.ice_servers);
    }
    scheduleCredentialRenewal(ack.ice_servers);
    state.seatLive = true;
    state.renewing = false;
    state.phase = 'call';
    saveSeat(roomId, { peerId: ack.peer_id, rejoinToken: ack.rejoin_token, name });
    const [other] = ack.members;
    state.remote = other ? { peerId: other.peer_id, name: other.name } : null;
    view.setRemoteName(state.remote?.name);
  }

  async function join(mediaReady) {
    const name = controls.name.value.trim();
    if (!name) {
      view.setLobbyError('Enter your name, so the other person knows who is calling.');
      controls.name.focus();
      return;
    }
    view.setLobbyError(null);
    rememberName(name);
    state.phase = 'joining';
    view.setJoining(true);
    render();
    await mediaReady;
    try {
      const ack = await signalling.request('join', { room_id: roomId, name });
      // The one already there makes the offer when told we arrived.
      takeSeat(ack, name);
    } catch (err) {
      if (err.code === 'full-room') {
        state.phase = 'full';
      } else if (err.code === 'no-such-room') {
        end(missingRoom());
        return;
      } else {
        state.phase = 'lobby';
        view.setLobbyError(err.message);
      }
    } finally {
      view.setJoining(false);
    }
    render();
  }

  async function rejoin(mediaReady) {
    state.seatLive = false;
    const { seat } = state;
    try {
      const ack = await signalling.request('rejoin', {
        room_id: roomId,
        peer_id: seat.peerId,
        rejoin_token: seat.rejoinToken,
      });
      const known = state.remote?.peerId;
      takeSeat(ack, seat.name);
      if (!state.remote || state.remote.peerId !== known) dropPeer();
      if (state.peer) {
        flushUnsent();
        state.peer.recover();
      } else if (state.remote) {
        // A fresh page (reloaded): offer anew; the other side sees a new
        // session and starts over with it.
        await mediaReady;
        startPeer({ initiator: true });
      }
    } catch (err) {
      if (err.code === 'bad-token' || err.code === 'no-such-room' || err.code === 'already-joined') {
        end({ kind: 'seat-lost', text: 'The connection was lost for too long, so you left the call.' });
        return;
      }
      // No answer: try again while connected.
      if (signalling.connected) setTimeout(() => state.phase === 'call' && !state.seatLive && rejoin(mediaReady), 1000);
    }
    render();
  }

  // ---- the peer connection ----

  /**
   * TURN credentials expire (`<expiry>:<peer>` usernames), and the built-in
   * TURN server then ends the relays made with them. Shortly before,
   * reconnect the signalling socket: the `rejoin` hands out fresh ones and
   * the ICE restart that follows moves the call onto new relays.
   */
  function scheduleCredentialRenewal(iceServers) {
    clearTimeout(state.renewalTimer);
    const expiries = iceServers
      .map((server) => Number.parseInt(String(server.username ?? '').split(':')[0], 10))
      .filter((seconds) => Number.isFinite(seconds) && seconds > 0);
    if (!expiries.length) return;
    const remaining = Math.min(...expiries) * 1000 - Date.now();
    const due = remaining - Math.min(CREDENTIAL_RENEWAL_MARGIN_MS, remaining / 4);
    state.renewalTimer = setTimeout(() => {
      if (state.phase !== 'call' || !state.seatLive) return;
      state.renewing = true;
      signalling.reconnect();
    }, Math.max(due, MIN_RENEWAL_DELAY_MS));
  }

  /** Shows whether the media goes direct or through a relay, as the connection settles. */
  function watchRoute(peer) {
    clearInterval(state.routeTimer);
    state.routeTimer = setInterval(async () => {
      if (state.peer !== peer) return;
      try {
        view.setRoute(state.peerState === 'connected' ? await peer.route() : null);
      } catch {
        view.setRoute(null);
      }
    }, ROUTE_CHECK_MS);
  }

  function startPeer({ initiator }) {
    const peer = createPeer({
      initiator,
      iceServers: state.seat.iceServers,
      relayOnly: controls.relayOnly.checked,
      polite: state.seat.polite,
      media,
      signal: relay,
      on: {
        remoteStream: (stream) => view.showRemote(stream),
        stateChange: (connectionState) => {
          if (state.peer !== peer) return;
          state.peerState = connectionState;
          render();
        },
        chat: (text) => view.appendChat(state.remote?.name ?? 'Them', text, false),
        peerState: (remoteState) => view.showRemoteState(state.remote?.name, remoteState),
        channelOpen: () => peer.sendState(localState()),
        error: (err) => console.warn('negotiation', err),
      },
    });
    state.peer = peer;
    watchRoute(peer);
    state.peerState = 'new';
    view.setRemoteName(state.remote?.name);
    render();
  }

  function dropPeer() {
    state.peer?.close();
    state.peer = null;
    state.peerState = 'new';
    clearInterval(state.routeTimer);
    view.setRoute(null);
    view.clearRemoteState();
  }

  /** Carries negotiation messages to the other person, while the seat is live. */
  function relay({ description, candidate }) {
    if (!state.remote) return;
    const to = state.remote.peerId;
    if (description) {
      const sent = state.seatLive && signalling.send(description.type, { to, sdp: description.sdp });
      state.unsent = sent ? null : description;
    } else if (state.seatLive) {
      signalling.send('ice-candidate', { to, candidate });
    }
  }

  function flushUnsent() {
    const description = state.unsent;
    state.unsent = null;
    if (description && state.peer?.pc.localDescription?.sdp === description.sdp) relay({ description });
  }

  const fromRemote = (peerId) => state.phase === 'call' && state.remote?.peerId === peerId;

  // ---- the end ----

  function missingRoom() {
    return { kind: 'missing-room', text: 'This room does not exist any more. Start a new call.' };
  }

  /**
   * Ends the call on this page: gives the seat up (if the server can still
   * be told), closes the peer connection, releases camera and microphone,
   * and goes home with `notice`.
   */
  async function end(notice) {
    if (state.phase === 'ended') return;
    const leave = state.seatLive;
    state.phase = 'ended';
    forgetSeat(roomId);
    clearTimeout(state.renewalTimer);
    dropPeer();
    media.stopAll();
    view.clearVideos();
    render();
    if (leave) {
      const timeout = new Promise((resolve) => setTimeout(resolve, HANGUP_WAIT_MS));
      await Promise.race([signalling.request('cut-the-call').catch(() => {}), timeout]);
    }
    signalling.close();
    await goHome(notice);
  }

  function hangUp() {
    controls.hangup.disabled = true;
    end({ kind: 'hung-up', text: 'You ended the call.' });
  }

  // ---- wiring ----

  view.setInviteLink(inviteLink(roomId));
  controls.name.value = lastName();
  controls.relayOnly.checked = relayOnlyChosen();
  controls.relayOnly.addEventListener('change', () => rememberRelayOnly(controls.relayOnly.checked));
  render();

  const saved = savedSeat(roomId);
  if (saved) {
    // A reload during the call: take the same seat back.
    state.seat = { ...saved, polite: false, iceServers: [] };
    state.phase = 'call';
    render();
  }
  const mediaReady = startMedia();

  signalling.onConnectionChange((up) => {
    state.socketUp = up;
    if (!up) {
      state.seatLive = false;
    } else if (state.phase === 'call' && state.seat) {
      rejoin(mediaReady);
    } else if (['lobby', 'full', 'error'].includes(state.phase)) {
      watchRoom();
    }
    render();
  });

  signalling.on('members', ({ room_id: id, members }) => {
    if (id === roomId) view.renderMembers(members);
  });
  signalling.on('user-arrived', ({ peer_id: peerId, name }) => {
    if (state.phase !== 'call') return;
    state.remote = { peerId, name };
    // We were here first: we make the offer, and we are the impolite peer.
    state.seat.polite = false;
    dropPeer();
    startPeer({ initiator: true });
  });
  signalling.on('offer', ({ from, name, sdp }) => {
    if (state.phase !== 'call' || !state.seatLive) return;
    state.remote = { peerId: from, name };
    const current = state.peer?.remoteSessionId();
    if (current && current !== sessionIdOf(sdp)) dropPeer();
    if (!state.peer) startPeer({ initiator: false });
    state.peer.receive({ description: { type: 'offer', sdp } });
  });
  signalling.on('answer', ({ from, sdp }) => {
    if (fromRemote(from)) state.peer?.receive({ description: { type: 'answer', sdp } });
  });
  signalling.on('ice-candidate', ({ from, candidate }) => {
    if (fromRemote(from)) state.peer?.receive({ candidate });
  });
  signalling.on('cut-the-call', ({ peer_id: peerId, name, reason }) => {
    if (state.phase !== 'call' || (state.remote && state.remote.peerId !== peerId)) return;
    end(
      reason === 'hangup'
        ? { kind: 'ended-by-peer', text: `${name} ended the call.` }
        : { kind: 'peer-lost', text: `${name}'s connection was lost, so the call ended.` },
    );
  });
  signalling.on('error', ({ error, message, event }) => {
    console.warn(`the server refused ${event}: ${error} (${message})`);
    if (error === 'not-joined' && state.phase === 'call' && state.seatLive) {
      end({ kind: 'seat-lost', text: 'This call went on in another tab or window.' });
    }
  });

  controls.lobbyForm.addEventListener('submit', (event) => {
    event.preventDefault();
    join(mediaReady);
  });
  controls.camera.addEventListener('change', () => switchDevice('video', controls.camera.value));
  controls.mic.addEventListener('change', () => switchDevice('audio', controls.mic.value));
  navigator.mediaDevices?.addEventListener?.('devicechange', refreshDevices);
  controls.copyLink.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(inviteLink(roomId));
      view.flashCopied(true);
    } catch {
      view.selectInviteLink();
      view.flashCopied(false);
    }
  });
  for (const [button, kind] of [[controls.audio, 'audio'], [controls.video, 'video']]) {
    button.addEventListener('click', () => {
      media.setEnabled(kind, !media.enabled[kind]);
      renderToggles();
      state.peer?.sendState(localState());
    });
  }
  controls.screen.addEventListener('click', toggleScreen);
  controls.hangup.addEventListener('click', hangUp);
  controls.chatForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = controls.chatInput.value.trim();
    if (!text) return;
    if (state.peer?.sendChat(text)) {
      view.appendChat('You', text, true);
      controls.chatInput.value = '';
    } else {
      view.appendChat('', 'Messages can be sent once the other person is connected.', true);
    }
  });
}
