// Files sent straight between the two browsers, with no browser in sight:
// the protocol on the files' data channel, how a file is cut into chunks,
// and the transfers' state and transitions. `step(state, event)` returns the
// next state and the effects to run (`{ do: ... }` objects that
// file-transfer.js carries out), as call-state.js does for the call.
//
// The protocol, on an ordered, reliable RTCDataChannel of its own
// (`duet-files`), so a large file never holds up the chat or a hang-up:
//
//   {"type":"file","id","name","size","mime"}  a file begins (sender)
//   binary messages                            its bytes, in order (sender)
//   {"type":"end","id","size"}                 all bytes sent (sender)
//   {"type":"received","id"}                   all bytes arrived and kept (receiver)
//   {"type":"cancel","id","reason"}            stop (either side)
//
// One file at a time each way: the bytes then belong to the one file being
// received, so chunks need no header. The channel is ordered, so bytes that
// were already on their way when a file was cancelled arrive before the next
// file's header, and are dropped as belonging to no file.

export const FILE_CHANNEL_LABEL = 'duet-files';

const KiB = 1024;
const MiB = 1024 * KiB;

/** A chunk every browser accepts, whatever the other side announced. */
export const SAFE_CHUNK_BYTES = 16 * KiB;
/** The largest chunk sent, when the other side accepts it: fewer messages, same memory. */
export const MAX_CHUNK_BYTES = 64 * KiB;
/** How much of the file is read at once: read once, sent as several chunks. */
export const READ_BYTES = 1 * MiB;
/**
 * Sending waits while the channel holds more than this (a browser closes a
 * channel whose buffer overflows: Chromium at 16 MiB)...
 */
export const BUFFER_HIGH_BYTES = 4 * MiB;
/** ...and goes on once it has drained below this. */
export const BUFFER_LOW_BYTES = 1 * MiB;
/** The receiver gathers this many bytes of chunks into one Blob, which the browser keeps out of the JavaScript heap. */
export const PART_BYTES = 1 * MiB;
/** ...and folds this many such Blobs into one, so a gigabyte is not thousands of Blobs. */
export const MERGE_PARTS = 64;

const MAX_NAME_CHARS = 255;
const MAX_ID_CHARS = 64;
const MAX_MIME_CHARS = 127;

/**
 * The chunk size to send with, given the largest message the other side
 * said it accepts (`RTCSctpTransport.maxMessageSize`; 0 or unknown: no
 * figure, so the safe size).
 */
export function chunkBytes(maxMessageSize) {
  if (!Number.isFinite(maxMessageSize) || maxMessageSize <= 0) return SAFE_CHUNK_BYTES;
  if (maxMessageSize < SAFE_CHUNK_BYTES) return Math.floor(maxMessageSize);
  return Math.min(MAX_CHUNK_BYTES, Math.floor(maxMessageSize));
}

/** The `[start, end)` ranges that cut `size` bytes into pieces of at most `step`. */
export function* rangesOf(size, step) {
  for (let start = 0; start < size; start += step) yield [start, Math.min(size, start + step)];
}

/** A size as a person reads it: `0 bytes`, `1.5 KB`, `200 MB`, `1.07 GB`. */
export function formatSize(bytes) {
  if (bytes < 1000) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  do {
    value /= 1000;
    unit += 1;
  } while (value >= 1000 && unit < units.length - 1);
  const digits = value < 10 ? 2 : value < 100 ? 1 : 0;
  return `${Number(value.toFixed(digits))} ${units[unit]}`;
}

/** Whole percent of the bytes moved (100 only once all of them have). */
export function percentOf({ bytes, size }) {
  if (size === 0) return 100;
  return bytes >= size ? 100 : Math.min(99, Math.floor((bytes / size) * 100));
}

// Types a browser shows without running anything: a received file of any
// other type is kept as plain bytes, so opening its link in a tab cannot run
// the other person's HTML or SVG as this page's origin.
const SHOWN_TYPES = /^(image\/(png|jpeg|gif|webp|avif)|audio\/[\w.+-]+|video\/[\w.+-]+|application\/pdf|text\/plain)$/;

/** The type to give a received file's Blob, from the type its sender named. */
export function blobTypeFor(mime) {
  const type = String(mime ?? '').toLowerCase().trim();
  return SHOWN_TYPES.test(type) ? type : 'application/octet-stream';
}

// ---- messages ----

export const fileMessage = ({ id, name, size, mime }) => ({ type: 'file', id, name, size, mime });
export const endMessage = ({ id, size }) => ({ type: 'end', id, size });
export const receivedMessage = ({ id }) => ({ type: 'received', id });
export const cancelMessage = ({ id }, reason) => ({ type: 'cancel', id, reason });

/** Why a transfer stopped, as sent in `cancel`. */
const REASONS = new Set(['cancelled', 'busy', 'unreadable', 'incomplete', 'closed']);

const validId = (id) => typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_CHARS;

/** A control message from the other side (a string), checked; null if it is not one. */
export function parseMessage(text) {
  let message;
  try {
    message = JSON.parse(text);
  } catch {
    return null;
  }
  if (!message || typeof message !== 'object' || !validId(message.id)) return null;
  const { type, id } = message;
  switch (type) {
    case 'file': {
      if (!Number.isSafeInteger(message.size) || message.size < 0) return null;
      const name = typeof message.name === 'string' ? message.name.slice(0, MAX_NAME_CHARS) : '';
      const mime = typeof message.mime === 'string' ? message.mime.slice(0, MAX_MIME_CHARS) : '';
      return { type, id, name: name.trim() || 'file', size: message.size, mime };
    }
    case 'end':
      return Number.isSafeInteger(message.size) ? { type, id, size: message.size } : null;
    case 'received':
      return { type, id };
    case 'cancel':
      return { type, id, reason: REASONS.has(message.reason) ? message.reason : 'cancelled' };
    default:
      return null;
  }
}

// ---- transfers ----

/**
 * A transfer: `{ id, name, size, mime, direction, bytes, phase, by, reason }`.
 * `direction`: `out` (we send) or `in` (we receive).
 * `phase`: `sending` | `finishing` (all sent, waiting for the other side to
 * say it has it all) | `receiving` | `done` | `cancelled` | `failed`.
 * `by`: who cancelled, `me` or `them`; `reason`: why it failed.
 */
const ACTIVE = new Set(['sending', 'finishing', 'receiving']);
export const isActive = (transfer) => !!transfer && ACTIVE.has(transfer.phase);

/** `open`: the channel is open; `outgoing`, `incoming`: the transfer each way, while one runs. */
export function initialFiles() {
  return { open: false, outgoing: null, incoming: null };
}

/** What the person reads beside a file; `other` names the other person. */
export function statusText(transfer, other = 'The other person') {
  const percent = `${percentOf(transfer)}%`;
  switch (transfer.phase) {
    case 'sending':
      return `Sending… ${percent}`;
    case 'finishing':
      return `Sent; waiting for ${other} to confirm…`;
    case 'receiving':
      return `Receiving… ${percent}`;
    case 'done':
      return transfer.direction === 'out' ? `${other} received it.` : 'Received.';
    case 'cancelled':
      return transfer.by === 'me' ? 'You cancelled it.' : `${other} cancelled it.`;
    default:
      return FAILURES[transfer.reason] ?? FAILURES.closed;
  }
}

const FAILURES = {
  closed: 'The connection was lost before it finished.',
  unreadable: 'The file could not be read.',
  busy: 'The other side was still receiving another file.',
  incomplete: 'It did not arrive whole.',
};

/** What a person is told when a file cannot be sent now. */
export const NOTICES = {
  busy: 'One file at a time: wait until the file on its way has arrived, or cancel it.',
  closed: 'Files can be sent once the other person is connected.',
  none: 'Choose a file first.',
};

/** Shows `transfer` anew (the view is told only when what it shows changes). */
const show = (transfer) => ({ do: 'show', transfer });
const send = (message) => ({ do: 'send', message });

const stopped = (transfer, phase, { by = null, reason = null } = {}) => ({ ...transfer, phase, by, reason });

/** Ends the transfer running `way` (`outgoing` or `incoming`) with `phase`, and the effects that go with it. */
function stop(state, way, phase, details, tell) {
  const transfer = stopped(state[way], phase, details);
  const effects = [show(transfer), { do: way === 'outgoing' ? 'stop-reading' : 'discard', id: transfer.id }];
  if (tell) effects.push(send(cancelMessage(transfer, tell)));
  return { state: { ...state, [way]: null }, effects };
}

const handlers = {
  'channel-open'(state) {
    return { state: { ...state, open: true } };
  },

  /** The channel closed (the call ended, or the peer connection was replaced): whatever ran is lost. */
  'channel-closed'(state) {
    let next = { ...state, open: false };
    const effects = [];
    for (const way of ['outgoing', 'incoming']) {
      if (!isActive(next[way])) continue;
      const result = stop(next, way, 'failed', { reason: 'closed' }, null);
      next = result.state;
      effects.push(...result.effects);
    }
    return { state: next, effects };
  },

  /** The person chose to send a file: `{ id, name, size, mime }`. */
  'send-requested'(state, { file }) {
    if (!file) return { state, effects: [{ do: 'notice', text: NOTICES.none }] };
    if (!state.open) return { state, effects: [{ do: 'notice', text: NOTICES.closed }] };
    if (isActive(state.outgoing)) return { state, effects: [{ do: 'notice', text: NOTICES.busy }] };
    const { id, name, size, mime } = file;
    const transfer = { id, name, size, mime, direction: 'out', bytes: 0, phase: 'sending', by: null, reason: null };
    if (size === 0) {
      const finishing = { ...transfer, phase: 'finishing' };
      return {
        state: { ...state, outgoing: finishing },
        effects: [{ do: 'notice', text: null }, send(fileMessage(transfer)), send(endMessage(transfer)), show(finishing)],
      };
    }
    return {
      state: { ...state, outgoing: transfer },
      effects: [{ do: 'notice', text: null }, send(fileMessage(transfer)), show(transfer), { do: 'read', id }],
    };
  },

  /** `bytes` more of the outgoing file were handed to the channel. */
  sent(state, { id, bytes }) {
    const current = state.outgoing;
    if (current?.id !== id || current.phase !== 'sending') return { state };
    const transfer = { ...current, bytes: current.bytes + bytes };
    if (transfer.bytes < transfer.size) {
      const effects = percentOf(transfer) === percentOf(current) ? [] : [show(transfer)];
      return { state: { ...state, outgoing: transfer }, effects };
    }
    const finishing = { ...transfer, bytes: transfer.size, phase: 'finishing' };
    return { state: { ...state, outgoing: finishing }, effects: [send(endMessage(finishing)), show(finishing)] };
  },

  /** The outgoing file could not be read (moved, deleted, no permission any more). */
  'read-failed'(state, { id }) {
    if (state.outgoing?.id !== id || !isActive(state.outgoing)) return { state };
    return stop(state, 'outgoing', 'failed', { reason: 'unreadable' }, 'unreadable');
  },

  /** The person cancelled the file `id`, going either way. */
  'cancel-requested'(state, { id }) {
    for (const way of ['outgoing', 'incoming']) {
      if (state[way]?.id === id && isActive(state[way])) {
        return stop(state, way, 'cancelled', { by: 'me' }, 'cancelled');
      }
    }
    return { state };
  },

  /** A control message from the other side, as `parseMessage` returns it. */
  message(state, { message }) {
    return messageHandlers[message.type](state, message);
  },

  /** Bytes from the other side (`length` of them, carried in `data`). */
  chunk(state, { length, data }) {
    const current = state.incoming;
    // Bytes of a file cancelled while they were on their way.
    if (current?.phase !== 'receiving') return { state };
    const transfer = { ...current, bytes: current.bytes + length };
    if (transfer.bytes > transfer.size) {
      return stop(state, 'incoming', 'failed', { reason: 'incomplete' }, 'incomplete');
    }
    const effects = [{ do: 'keep', id: transfer.id, data }];
    if (percentOf(transfer) !== percentOf(current)) effects.push(show(transfer));
    return { state: { ...state, incoming: transfer }, effects };
  },
};

const messageHandlers = {
  file(state, { id, name, size, mime }) {
    const transfer = { id, name, size, mime, direction: 'in', bytes: 0, phase: 'receiving', by: null, reason: null };
    // One at a time each way: a second file while one arrives is refused, the first goes on.
    if (isActive(state.incoming)) return { state, effects: [send(cancelMessage(transfer, 'busy'))] };
    return { state: { ...state, incoming: transfer }, effects: [{ do: 'begin', id }, show(transfer)] };
  },

  end(state, { id, size }) {
    const current = state.incoming;
    if (current?.id !== id || current.phase !== 'receiving') return { state };
    if (current.bytes !== current.size || size !== current.size) {
      return stop(state, 'incoming', 'failed', { reason: 'incomplete' }, 'incomplete');
    }
    const done = { ...current, phase: 'done' };
    return {
      state: { ...state, incoming: null },
      effects: [{ do: 'complete', transfer: done }, send(receivedMessage(done)), show(done)],
    };
  },

  received(state, { id }) {
    const current = state.outgoing;
    if (current?.id !== id || current.phase !== 'finishing') return { state };
    return { state: { ...state, outgoing: null }, effects: [show({ ...current, phase: 'done' })] };
  },

  cancel(state, { id, reason }) {
    for (const way of ['outgoing', 'incoming']) {
      if (state[way]?.id !== id || !isActive(state[way])) continue;
      return reason === 'cancelled'
        ? stop(state, way, 'cancelled', { by: 'them' }, null)
        : stop(state, way, 'failed', { reason }, null);
    }
    return { state };
  },
};

/** The next state after `event` (`{ type, ...details }`), and the effects to run. */
export function step(state, event) {
  const handler = handlers[event.type];
  if (!handler) throw new Error(`unknown file event ${event.type}`);
  const result = handler(state, event);
  return { state: result.state, effects: result.effects ?? [] };
}
