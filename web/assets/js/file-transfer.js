// Files straight between the two browsers, over an RTCDataChannel of their
// own; never through the server. The decisions are the core's
// (file-transfer-core.js); this module reads the file being sent a slice at a
// time, sends it as the channel drains, and keeps what arrives as Blobs,
// which the browser holds outside the JavaScript heap (on disk when they are
// large), so neither side ever holds a whole file in memory.

import {
  BUFFER_HIGH_BYTES,
  BUFFER_LOW_BYTES,
  blobTypeFor,
  chunkBytes,
  initialFiles,
  MERGE_PARTS,
  PART_BYTES,
  parseMessage,
  rangesOf,
  READ_BYTES,
  statusText,
  step,
} from './file-transfer-core.js';

/**
 * The call's file transfers, across the peer connections it goes through.
 * `view`: file-view.js; `otherName()`: the other person's name, for what
 * the person reads; everything stops when `signal` aborts.
 */
export function fileTransfers({ view, otherName, signal }) {
  let state = initialFiles();
  /** The files' data channel of the current peer connection, and what lives as long as it. */
  let channel = null;
  let channelLifetime = null;
  let maxMessageSize = () => 0;
  /** The File being sent, by transfer id, and how to stop reading it. */
  const outgoingFiles = new Map();
  const readers = new Map();
  /** Where the file arriving is kept. */
  let incoming = null;
  /** The received files' object URLs, by transfer id. */
  const urls = new Map();

  function dispatch(event) {
    const result = step(state, event);
    state = result.state;
    for (const effect of result.effects) effects[effect.do](effect);
  }

  const effects = {
    send({ message }) {
      try {
        if (channel?.readyState === 'open') channel.send(JSON.stringify(message));
      } catch (err) {
        console.warn('file message not sent', err);
      }
    },
    show({ transfer }) {
      const who = transfer.direction === 'out' ? 'You' : otherName() || 'Them';
      view.showFile(transfer, { who, status: statusText(transfer, otherName() || undefined), url: urls.get(transfer.id) });
    },
    notice({ text }) {
      view.setFileNotice(text);
    },
    read({ id }) {
      sendFile(id, outgoingFiles.get(id));
    },
    'stop-reading'({ id }) {
      readers.get(id)?.abort();
      readers.delete(id);
      outgoingFiles.delete(id);
    },
    begin() {
      incoming = blobParts();
    },
    keep({ data }) {
      incoming?.add(data);
    },
    discard() {
      incoming = null;
    },
    complete({ transfer }) {
      const blob = incoming.finish(blobTypeFor(transfer.mime));
      incoming = null;
      urls.set(transfer.id, URL.createObjectURL(blob));
    },
  };

  /** Reads `file` a slice at a time and sends it in chunks, waiting whenever the channel holds enough. */
  async function sendFile(id, file) {
    const reading = new AbortController();
    readers.set(id, reading);
    const dc = channel;
    const chunk = chunkBytes(maxMessageSize());
    try {
      for await (const piece of piecesOf(file)) {
        for (const [from, to] of rangesOf(piece.byteLength, chunk)) {
          if (dc.bufferedAmount > BUFFER_HIGH_BYTES) await drained(dc, reading.signal);
          if (reading.signal.aborted) return;
          // send() copies the bytes, so the piece's buffer may be read into again.
          dc.send(piece.subarray(from, to));
          dispatch({ type: 'sent', id, bytes: to - from });
        }
      }
    } catch (err) {
      // A closing channel is the channel's news, told by its close; anything else is the file's.
      if (reading.signal.aborted || dc.readyState !== 'open') return;
      console.warn('file not read', err);
      dispatch({ type: 'read-failed', id });
    } finally {
      if (readers.get(id) === reading) readers.delete(id);
      outgoingFiles.delete(id);
    }
  }

  /** Lets go of the current channel: whatever was on its way over it is lost. */
  function detach() {
    if (!channel) return;
    channelLifetime.abort();
    channel = null;
    channelLifetime = null;
    dispatch({ type: 'channel-closed' });
  }

  signal.addEventListener('abort', detach, { once: true });

  return {
    /**
     * Speaks the files' protocol on `dc`, the files' channel of a new peer
     * connection (replacing the previous one); `maxSize()` is the largest
     * message the other side accepts, once known.
     */
    useChannel(dc, maxSize = () => 0) {
      detach();
      if (signal.aborted) return;
      channel = dc;
      channelLifetime = new AbortController();
      maxMessageSize = maxSize;
      // Bytes that arrive as Blobs never enter the JavaScript heap; a browser
      // that cannot (older Chromium) hands over ArrayBuffers, gathered into Blobs.
      try {
        dc.binaryType = 'blob';
      } catch {
        dc.binaryType = 'arraybuffer';
      }
      dc.bufferedAmountLowThreshold = BUFFER_LOW_BYTES;
      const on = (type, handler) => dc.addEventListener(type, handler, { signal: channelLifetime.signal });
      on('open', () => dispatch({ type: 'channel-open' }));
      on('close', () => {
        if (channel === dc) detach();
      });
      on('message', ({ data }) => {
        if (typeof data === 'string') {
          const message = parseMessage(data);
          if (message) dispatch({ type: 'message', message });
        } else if (data instanceof ArrayBuffer) {
          dispatch({ type: 'chunk', length: data.byteLength, data });
        } else if (data instanceof Blob) {
          // A browser that ignores binaryType hands over Blobs: kept as they come.
          dispatch({ type: 'chunk', length: data.size, data });
        }
      });
      if (dc.readyState === 'open') dispatch({ type: 'channel-open' });
    },

    /** The peer connection is gone. */
    detach,

    /** Sends `file` (a File, or null when none is chosen); true if it is on its way. */
    send(file) {
      const id = newId();
      if (file) outgoingFiles.set(id, file);
      dispatch({ type: 'send-requested', file: file && { id, name: file.name, size: file.size, mime: file.type } });
      if (state.outgoing?.id === id) return true;
      outgoingFiles.delete(id);
      return false;
    },

    /** Stops the file `id`, whichever way it goes. */
    cancel(id) {
      dispatch({ type: 'cancel-requested', id });
    },
  };
}

/**
 * The bytes of `file`, READ_BYTES at a time, as views valid until the next
 * one is asked for. Read into one buffer again and again where the browser
 * can (a BYOB reader), so sending a gigabyte leaves no gigabyte of garbage
 * behind for the collector; else a fresh slice each time.
 */
async function* piecesOf(file) {
  let reader = null;
  try {
    reader = file.stream().getReader({ mode: 'byob' });
  } catch {
    for (const [start, end] of rangesOf(file.size, READ_BYTES)) {
      yield new Uint8Array(await file.slice(start, end).arrayBuffer());
    }
    return;
  }
  let buffer = new ArrayBuffer(READ_BYTES);
  try {
    for (let ended = false; !ended; ) {
      let filled = 0;
      while (filled < READ_BYTES) {
        const { value, done } = await reader.read(new Uint8Array(buffer, filled, READ_BYTES - filled));
        // The read takes the buffer and hands it back under a new name.
        if (value) buffer = value.buffer;
        if (done) {
          ended = true;
          break;
        }
        filled += value.byteLength;
      }
      if (filled) yield new Uint8Array(buffer, 0, filled);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/**
 * A file arriving, kept as Blobs: chunks (Blobs, or ArrayBuffers where the
 * browser gives those) are gathered into a Blob every PART_BYTES, and Blobs
 * folded into one every MERGE_PARTS, so the page holds at most PART_BYTES of
 * ArrayBuffers, and a gigabyte is a handful of Blobs, not thousands.
 */
function blobParts() {
  let chunks = [];
  let chunkBytes = 0;
  let parts = [];
  const flush = () => {
    if (chunks.length) parts.push(new Blob(chunks));
    chunks = [];
    chunkBytes = 0;
    if (parts.length >= MERGE_PARTS) parts = [new Blob(parts)];
  };
  return {
    add(data) {
      chunks.push(data);
      chunkBytes += data.byteLength ?? data.size;
      if (chunkBytes >= PART_BYTES) flush();
    },
    finish(type) {
      flush();
      return new Blob(parts, { type });
    },
  };
}

/** Resolves once `dc` has drained below its low threshold, or closed, or `signal` aborted. */
function drained(dc, signal) {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const waiting = new AbortController();
    const done = () => {
      waiting.abort();
      resolve();
    };
    dc.addEventListener('bufferedamountlow', done, { signal: waiting.signal });
    dc.addEventListener('close', done, { signal: waiting.signal });
    signal.addEventListener('abort', done, { signal: waiting.signal });
  });
}

/** A transfer id: random, and made without a secure context (crypto.randomUUID needs one). */
function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
