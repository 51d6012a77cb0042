// The person's own camera, microphone and screen during a call: starting
// them, the toggles, the choice of device, and the tracks the peer
// connection sends as they change.

import { explainMediaError, explainScreenError, LocalMedia } from './media.js';

/**
 * Starts the camera and microphone for the call page. `currentPeer()` is the
 * peer connection of the moment, or null; it is told of every track change
 * and of what is on and off.
 */
export function callMedia({ view, currentPeer }) {
  const media = new LocalMedia({
    onTrackChange: (kind) => onTrackChange(kind),
    onTrackLost: (kind) => {
      const what = kind === 'video' ? 'camera' : 'microphone';
      view.showMediaProblem(`Your ${what} stopped: it was unplugged, or another application took it. Reload the page to start it again: the call goes on.`);
      renderToggles();
    },
  });

  /** What the other side is told: which of our tracks are on. */
  const localState = () => ({
    audio: media.enabled.audio && !!media.track('audio'),
    video: media.enabled.video && !!media.track('video'),
    screen: !!media.screenTrack,
  });

  function renderToggles() {
    view.setToggle('audio', { available: !!media.track('audio'), on: media.enabled.audio });
    view.setToggle('video', { available: !!media.track('video'), on: media.enabled.video });
    view.setToggle('screen', { available: !!navigator.mediaDevices?.getDisplayMedia, on: !!media.screenTrack });
  }

  async function refreshDevices() {
    const { cameras, mics } = await media.devices();
    view.fillDevices('video', cameras, media.deviceId('video'));
    view.fillDevices('audio', mics, media.deviceId('audio'));
  }

  async function start() {
    const problem = await media.start();
    view.setMediaMessage(problem);
    view.showLocal(media.stream);
    view.setPreviewState(media.track('video') ? null : 'No camera');
    renderToggles();
    await refreshDevices();
  }

  async function onTrackChange(kind) {
    view.showLocal(media.stream);
    renderToggles();
    await sendCurrentTrack(kind);
  }

  async function sendCurrentTrack(kind) {
    const peer = currentPeer();
    const track = kind === 'video' ? media.outgoingVideo() : media.track('audio');
    try {
      await peer?.sendTrack(kind, track);
    } catch (err) {
      console.warn('could not switch the track being sent', err);
    }
    peer?.sendState(localState());
  }

  async function chooseDevice(kind, deviceId) {
    try {
      await media.useDevice(kind, deviceId);
      view.setMediaMessage(null);
    } catch (err) {
      view.showMediaProblem(explainMediaError(err, kind === 'audio' ? 'microphone' : 'camera'));
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
        const still = media.track('video') ? ' The other person still sees your camera.' : '';
        view.showMediaProblem(explainScreenError(err) + still);
      }
    }
    await sendCurrentTrack('video');
    renderToggles();
  }

  /** Turns the microphone (`audio`), the camera (`video`) or the screen share on or off. */
  async function toggle(kind) {
    if (kind === 'screen') return toggleScreen();
    media.setEnabled(kind, !media.enabled[kind]);
    renderToggles();
    currentPeer()?.sendState(localState());
  }

  return { media, ready: start(), localState, toggle, chooseDevice, refreshDevices };
}
