// Perfect negotiation: both peers run the same code, and `polite` decides who
// yields when offers collide. Knows nothing of the transport: `send` takes
// `{ description }` or `{ candidate }` and delivers it to the other peer.

/** How long ICE may stay "disconnected" before it is restarted. */
const DISCONNECTED_RESTART_MS = 4000;
/** How long an offer may go unanswered before it is sent again (it may have been lost). */
const OFFER_RETRY_MS = 5000;
const OFFER_RETRIES = 3;

/**
 * `beforeAnswer` runs between taking a remote offer and answering it: the
 * moment to attach local tracks to the transceivers the offer created.
 */
export function negotiate(pc, { polite, send, onError, beforeAnswer = async () => {} }) {
  let makingOffer = false;
  let ignoreOffer = false;
  let settingRemoteAnswer = false;
  let disconnectedTimer = 0;
  let offerRetryTimer = 0;
  // Candidates that arrive before the description they belong to.
  const heldCandidates = [];

  /** Sends our offer, and again later if no answer came: a relay can be lost while the other side reconnects. */
  function sendOffer(retriesLeft) {
    const offer = pc.localDescription;
    send({ description: offer });
    clearTimeout(offerRetryTimer);
    if (retriesLeft > 0) {
      offerRetryTimer = setTimeout(() => {
        if (pc.signalingState === 'have-local-offer' && pc.localDescription?.sdp === offer.sdp) {
          sendOffer(retriesLeft - 1);
        }
      }, OFFER_RETRY_MS);
    }
  }

  pc.addEventListener('negotiationneeded', async () => {
    try {
      makingOffer = true;
      await pc.setLocalDescription();
      sendOffer(OFFER_RETRIES);
    } catch (err) {
      onError(err);
    } finally {
      makingOffer = false;
    }
  });

  pc.addEventListener('icecandidate', ({ candidate }) => {
    send({ candidate: candidate ? candidate.toJSON() : null });
  });

  pc.addEventListener('iceconnectionstatechange', () => {
    clearTimeout(disconnectedTimer);
    if (pc.iceConnectionState === 'failed') {
      pc.restartIce();
    } else if (pc.iceConnectionState === 'disconnected') {
      disconnectedTimer = setTimeout(() => {
        if (pc.iceConnectionState === 'disconnected') pc.restartIce();
      }, DISCONNECTED_RESTART_MS);
    }
  });

  async function addCandidate(candidate) {
    try {
      // `null` is the end of candidates; an empty candidate says the same.
      await pc.addIceCandidate(candidate ?? { candidate: '' });
    } catch (err) {
      if (!ignoreOffer) throw err;
    }
  }

  async function receive({ description, candidate }) {
    try {
      if (description) {
        const readyForOffer = !makingOffer && (pc.signalingState === 'stable' || settingRemoteAnswer);
        const collision = description.type === 'offer' && !readyForOffer;
        ignoreOffer = !polite && collision;
        if (ignoreOffer) return;
        settingRemoteAnswer = description.type === 'answer';
        await pc.setRemoteDescription(description);
        settingRemoteAnswer = false;
        while (heldCandidates.length) await addCandidate(heldCandidates.shift());
        if (description.type === 'offer') {
          await beforeAnswer();
          await pc.setLocalDescription();
          send({ description: pc.localDescription });
        }
      } else if (candidate !== undefined) {
        if (!pc.remoteDescription) {
          heldCandidates.push(candidate);
        } else {
          await addCandidate(candidate);
        }
      }
    } catch (err) {
      onError(err);
    }
  }

  return {
    receive,
    /** Sends the current offer again, e.g. after the signalling connection came back. */
    resendPendingOffer() {
      if (pc.signalingState === 'have-local-offer' && pc.localDescription) sendOffer(OFFER_RETRIES);
    },
    stop() {
      clearTimeout(disconnectedTimer);
      clearTimeout(offerRetryTimer);
    },
  };
}

/** The session id of a description (its `o=` line): a new one means a new peer connection. */
export function sessionIdOf(sdp) {
  return /^o=\S+ (\S+)/m.exec(sdp ?? '')?.[1] ?? null;
}
