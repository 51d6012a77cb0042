// The Socket.IO connection to the server: requests with acknowledgements,
// fire-and-forget relays, and server events. Reconnects by itself.

import { io } from '../vendor/socket.io-client/socket.io.esm.min.js';

const ACK_TIMEOUT_MS = 10_000;

/** A request the server refused, with the protocol's error code. */
export class SignalError extends Error {
  constructor(code, message) {
    super(message || code);
    this.name = 'SignalError';
    this.code = code;
  }
}

export function connectSignalling() {
  const socket = io({
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    reconnectionDelay: 300,
    reconnectionDelayMax: 3000,
  });

  return {
    get connected() {
      return socket.connected;
    },

    /** Sends `event` and resolves with the acknowledgement, or throws a SignalError. */
    async request(event, payload = {}) {
      let reply;
      try {
        reply = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload);
      } catch {
        throw new SignalError('timeout', 'The server did not answer in time.');
      }
      if (!reply || reply.ok !== true) {
        throw new SignalError(reply?.error ?? 'internal', reply?.message);
      }
      return reply;
    },

    /**
     * Sends a relay message if connected; while disconnected it is dropped
     * rather than queued, because it would arrive before the seat is back.
     */
    send(event, payload) {
      if (!socket.connected) return false;
      socket.emit(event, payload);
      return true;
    },

    /** Listens for a server event; returns the function that stops listening. */
    on(event, handler) {
      socket.on(event, handler);
      return () => socket.off(event, handler);
    },

    /** Calls `handler(true)` on every (re)connection and `handler(false)` on every drop. */
    onConnectionChange(handler) {
      socket.on('connect', () => handler(true));
      socket.on('disconnect', () => handler(false));
    },

    /** Drops the connection and makes a new one at once (the server keeps the seat meanwhile). */
    reconnect() {
      socket.disconnect();
      socket.connect();
    },

    close() {
      socket.close();
    },
  };
}
