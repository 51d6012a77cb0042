// The person's own camera, microphone and screen: getting them, choosing
// devices, and explaining plainly when the browser refuses.

const AUDIO = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
const VIDEO = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30, max: 30 } };

/** Why a device could not be had, in words for a person. */
export function explainMediaError(err, what = 'camera and microphone') {
  switch (err?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return `Access to the ${what} was refused. You can still join and see and hear the other person. To be seen and heard, allow the ${what} in your browser's site settings and reload.`;
    case 'NotFoundError':
    case 'OverconstrainedError':
      return `No ${what} was found. You can still join and see and hear the other person.`;
    case 'NotReadableError':
    case 'AbortError':
      return `The ${what} could not be started; another application may be using it.`;
    case 'TypeError':
      return 'This page is not served over HTTPS, so the browser offers no camera or microphone here.';
    default:
      return `The ${what} could not be used (${err?.name ?? 'unknown error'}).`;
  }
}

/** Why sharing the screen did not start, in words for a person in a call. */
export function explainScreenError(err) {
  switch (err?.name) {
    case 'NotAllowedError':
      return 'Screen sharing was refused or cancelled.';
    case 'NotFoundError':
      return 'There is no screen to share here.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The screen could not be captured; another application may be using it.';
    default:
      return `Sharing the screen did not start (${err?.name ?? 'unknown error'}).`;
  }
}

const constraints = (kind, deviceId) => {
  const base = kind === 'audio' ? AUDIO : VIDEO;
  return deviceId ? { ...base, deviceId: { exact: deviceId } } : base;
};

/**
 * The local media of a call. `stream` is one MediaStream whose tracks are
 * swapped as devices change; `onTrackChange(kind, track)` is told of every swap
 * so senders can follow, and `onTrackLost(kind)` of a device that stopped by
 * itself (unplugged, taken by another application).
 */
export class LocalMedia {
  constructor({ onTrackChange, onTrackLost }) {
    this.stream = new MediaStream();
    this.onTrackChange = onTrackChange;
    this.onTrackLost = onTrackLost;
    this.enabled = { audio: true, video: true };
    this.screenTrack = null;
  }

  track(kind) {
    return this.stream.getTracks().find((t) => t.kind === kind) ?? null;
  }

  /**
   * Gets camera and microphone, whichever are available. Resolves with a
   * message for the person when one or both are missing, else null.
   */
  async start({ cameraId, micId } = {}) {
    if (!navigator.mediaDevices?.getUserMedia) {
      return explainMediaError({ name: 'TypeError' });
    }
    try {
      const got = await navigator.mediaDevices.getUserMedia({
        audio: constraints('audio', micId),
        video: constraints('video', cameraId),
      });
      got.getTracks().forEach((t) => this.#install(t));
      return null;
    } catch (err) {
      if (err.name === 'NotAllowedError' || err.name === 'SecurityError') return explainMediaError(err);
      if (err.name === 'OverconstrainedError' && (cameraId || micId)) return this.start();
      // One of the two may still work on its own.
      const missing = [];
      for (const [kind, id, what] of [['audio', micId, 'microphone'], ['video', cameraId, 'camera']]) {
        try {
          const got = await navigator.mediaDevices.getUserMedia({ [kind]: constraints(kind, id) });
          got.getTracks().forEach((t) => this.#install(t));
        } catch (single) {
          missing.push(explainMediaError(single, what));
        }
      }
      return missing.length ? missing.join(' ') : null;
    }
  }

  /** The cameras and microphones the browser reports. */
  async devices() {
    if (!navigator.mediaDevices?.enumerateDevices) return { cameras: [], mics: [] };
    const all = await navigator.mediaDevices.enumerateDevices();
    return {
      cameras: all.filter((d) => d.kind === 'videoinput'),
      mics: all.filter((d) => d.kind === 'audioinput'),
    };
  }

  /** The device id in use for `kind`. */
  deviceId(kind) {
    return this.track(kind)?.getSettings().deviceId ?? '';
  }

  /** Switches to another camera or microphone, mid-call too. */
  async useDevice(kind, deviceId) {
    const got = await navigator.mediaDevices.getUserMedia({ [kind]: constraints(kind, deviceId) });
    const [track] = got.getTracks();
    this.#install(track);
    return track;
  }

  setEnabled(kind, on) {
    this.enabled[kind] = on;
    const track = this.track(kind);
    if (track) track.enabled = on;
  }

  /** Starts sharing the screen; `onEnded` runs when the person stops it from the browser. */
  async shareScreen(onEnded) {
    const shared = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15 } }, audio: false });
    const [track] = shared.getVideoTracks();
    track.contentHint = 'detail';
    track.addEventListener('ended', () => {
      if (this.screenTrack === track) {
        this.screenTrack = null;
        onEnded();
      }
    });
    this.screenTrack = track;
    return track;
  }

  stopScreen() {
    const track = this.screenTrack;
    this.screenTrack = null;
    track?.stop();
  }

  /** The video track that should be sent now: the screen while sharing, else the camera. */
  outgoingVideo() {
    return this.screenTrack ?? this.track('video');
  }

  /** Stops every track, so the camera light goes off. */
  stopAll() {
    this.stopScreen();
    for (const track of this.stream.getTracks()) {
      track.stop();
      this.stream.removeTrack(track);
    }
  }

  #install(track) {
    const old = this.track(track.kind);
    if (old) {
      this.stream.removeTrack(old);
      old.stop();
    }
    track.enabled = this.enabled[track.kind];
    // 'ended' fires only when the device stops by itself, not on stop().
    track.addEventListener('ended', () => {
      if (this.track(track.kind) === track) this.onTrackLost?.(track.kind);
    });
    this.stream.addTrack(track);
    this.onTrackChange?.(track.kind, track);
  }
}
