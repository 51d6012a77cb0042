// One RTCPeerConnection to the other person: its transceivers, its data
// channel, its negotiation, and the remote stream it receives.

import { attachChannel, CHANNEL_LABEL } from './chat.js';
import { FILE_CHANNEL_LABEL } from './file-transfer-core.js';
import { negotiate, sessionIdOf } from './negotiation.js';

const KINDS = ['audio', 'video'];

/**
 * `initiator`: this side makes the first offer (it received `user-arrived`,
 * or it is a fresh page taking its seat back); the other side answers.
 * `signal(message)` carries `{ description }` and `{ candidate }` to the peer.
 */
export function createPeer({ initiator, iceServers, relayOnly, polite, media, signal, on }) {
  const pc = new RTCPeerConnection({
    iceServers,
    iceTransportPolicy: relayOnly ? 'relay' : 'all',
    bundlePolicy: 'max-bundle',
  });
  const remoteStream = new MediaStream();
  let channel = null;
  /** What the call's help needs: whether the other side said how to reach it, and whether we ever connected. */
  let localCandidates = 0;
  let remoteCandidates = 0;
  let wasConnected = false;
  pc.addEventListener('icecandidate', ({ candidate }) => {
    if (candidate?.candidate) localCandidates += 1;
  });

  const outgoing = (kind) => (kind === 'video' ? media.outgoingVideo() : media.track('audio'));
  const transceiver = (kind) =>
    pc.getTransceivers().find((t) => !t.stopped && t.receiver.track.kind === kind) ?? null;

  /** Puts our tracks on the transceivers a remote offer created. */
  async function attachLocalTracks() {
    for (const kind of KINDS) {
      const t = transceiver(kind);
      const track = outgoing(kind);
      if (!t || !track || t.sender.track) continue;
      await t.sender.replaceTrack(track);
      t.sender.setStreams(media.stream);
      t.direction = 'sendrecv';
    }
  }

  const handlers = {
    onChat: on.chat,
    onPeerState: on.peerState,
    onHangUp: on.hangUp,
    onOpen: () => on.channelOpen(),
  };
  const useChannel = (dc) => {
    channel = attachChannel(dc, handlers);
  };
  /** Files go on a channel of their own: the megabytes queued on it never wait ahead of a chat message or a hang-up. */
  const useFileChannel = (dc) => on.fileChannel?.(dc, () => pc.sctp?.maxMessageSize ?? 0);

  pc.addEventListener('track', ({ track }) => {
    for (const old of remoteStream.getTracks().filter((t) => t.kind === track.kind)) {
      remoteStream.removeTrack(old);
    }
    remoteStream.addTrack(track);
    on.remoteStream(remoteStream);
  });
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'connected') wasConnected = true;
    on.stateChange(pc.connectionState);
  });

  if (initiator) {
    useChannel(pc.createDataChannel(CHANNEL_LABEL, { ordered: true }));
    useFileChannel(pc.createDataChannel(FILE_CHANNEL_LABEL, { ordered: true }));
    for (const kind of KINDS) {
      const track = outgoing(kind);
      pc.addTransceiver(track ?? kind, {
        direction: track ? 'sendrecv' : 'recvonly',
        streams: [media.stream],
      });
    }
  } else {
    pc.addEventListener('datachannel', ({ channel: dc }) => {
      if (dc.label === CHANNEL_LABEL) useChannel(dc);
      else if (dc.label === FILE_CHANNEL_LABEL) useFileChannel(dc);
    });
  }

  const negotiator = negotiate(pc, {
    polite,
    send: signal,
    onError: on.error,
    beforeAnswer: attachLocalTracks,
  });

  return {
    pc,
    receive(message) {
      if (message.candidate) remoteCandidates += 1;
      return negotiator.receive(message);
    },

    /** How far the connection got: `{ localCandidates, remoteCandidates, wasConnected }`. */
    progress: () => ({ localCandidates, remoteCandidates, wasConnected }),

    /** The session id of the other side's peer connection, once known. */
    remoteSessionId() {
      return sessionIdOf(pc.remoteDescription?.sdp);
    },

    /** Sends `track` (or nothing) for `kind`, renegotiating only if the direction must change. */
    async sendTrack(kind, track) {
      const t = transceiver(kind);
      if (!t) return;
      await t.sender.replaceTrack(track);
      if (track && (t.direction === 'recvonly' || t.direction === 'inactive')) {
        t.sender.setStreams(media.stream);
        t.direction = 'sendrecv';
      }
    },

    /**
     * New ICE servers (fresh TURN credentials): used for new candidates at
     * once, and the ICE restart gathers them, so no allocation outlives its
     * credentials.
     */
    updateIceServers(iceServers) {
      pc.setConfiguration({ ...pc.getConfiguration(), iceServers });
      pc.restartIce();
    },

    /** The connection's statistics now, as a plain array (see call-quality.js). */
    async stats() {
      return [...(await pc.getStats()).values()];
    },

    /** After the signalling connection came back: recover what may have been lost meanwhile. */
    recover() {
      negotiator.resendPendingOffer();
      if (['failed', 'disconnected'].includes(pc.iceConnectionState)) pc.restartIce();
    },

    sendChat: (text) => channel?.sendChat(text) ?? false,
    sendState: (state) => channel?.sendState(state) ?? false,
    sendHangUp: async () => channel?.sendHangUp(),

    close() {
      negotiator.stop();
      pc.close();
      for (const track of remoteStream.getTracks()) remoteStream.removeTrack(track);
    },
  };
}
