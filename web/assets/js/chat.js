// Chat and call state straight between the browsers, over one
// RTCDataChannel; never through the server.

const MAX_CHAT_CHARS = 2000;

export const CHANNEL_LABEL = 'duet';

/**
 * Speaks the call's protocol on a data channel: the side that makes the first
 * offer creates the channel, the other receives it, and both wrap it here.
 */
export function attachChannel(channel, { onChat, onPeerState, onOpen }) {
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
  };
}
