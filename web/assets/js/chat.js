// Chat, call state and the hang-up straight between the browsers, over one
// RTCDataChannel; never through the server. The hang-up goes this way too so
// that it arrives while the server is away.

const MAX_CHAT_CHARS = 2000;
/** How long a hang-up may take to leave before the connection is closed under it. */
const FLUSH_WAIT_MS = 500;
const FLUSH_POLL_MS = 20;

export const CHANNEL_LABEL = 'duet';

/**
 * Speaks the call's protocol on a data channel: the side that makes the first
 * offer creates the channel, the other receives it, and both wrap it here.
 */
export function attachChannel(channel, { onChat, onPeerState, onHangUp, onOpen }) {
  if (channel.readyState === 'open') queueMicrotask(() => onOpen?.());
  channel.addEventListener('open', () => onOpen?.());
  channel.addEventListener('message', (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (message?.type === 'chat' && typeof message.text === 'string') {
      onChat(message.text.slice(0, MAX_CHAT_CHARS));
    } else if (message?.type === 'state') {
      onPeerState({ audio: message.audio !== false, video: message.video !== false, screen: message.screen === true });
    } else if (message?.type === 'hangup') {
      onHangUp();
    }
  });

  const send = (message) => {
    if (channel.readyState !== 'open') return false;
    channel.send(JSON.stringify(message));
    return true;
  };

  return {
    get open() {
      return channel.readyState === 'open';
    },
    sendChat(text) {
      return send({ type: 'chat', text: text.slice(0, MAX_CHAT_CHARS) });
    },
    sendState({ audio, video, screen }) {
      return send({ type: 'state', audio, video, screen });
    },
    /** Tells the other side we hung up; resolves once it has left (or after a short wait). */
    async sendHangUp() {
      if (!send({ type: 'hangup' })) return;
      const deadline = Date.now() + FLUSH_WAIT_MS;
      while (channel.readyState === 'open' && channel.bufferedAmount > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, FLUSH_POLL_MS));
      }
    },
  };
}
