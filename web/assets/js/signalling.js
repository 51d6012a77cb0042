// The Socket.IO connection to the server: requests with acknowledgements,
// fire-and-forget relays, and server events. Reconnects by itself, for as
// long as it takes, until it is closed: the call does not depend on it.

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

    /** Listens for a server event until `signal` aborts. */
    on(event, handler, { signal }) {
      socket.on(event, handler);
      signal.addEventListener('abort', () => socket.off(event, handler), { once: true });
    },

    /** Calls `handler(true)` on every (re)connection and `handler(false)` on every drop, until `signal` aborts. */
    onConnectionChange(handler, { signal }) {
      const up = () => handler(true);
      const down = (reason) => {
        handler(false);
        // A server that closes the connection itself (it is stopping) is
        // not retried by Socket.IO; this page keeps trying all the same.
        if (reason === 'io server disconnect') socket.connect();
      };
      socket.on('connect', up);
      socket.on('disconnect', down);
      signal.addEventListener(
        'abort',
        () => {
          socket.off('connect', up);
          socket.off('disconnect', down);
        },
        { once: true },
      );
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
