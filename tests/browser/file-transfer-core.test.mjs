// The file transfers' core, run directly in Node: the protocol's messages,
// how a file is cut up, and every transition of a transfer, each way.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  blobTypeFor,
  chunkBytes,
  formatSize,
  initialFiles,
  MAX_CHUNK_BYTES,
  NOTICES,
  parseMessage,
  percentOf,
  rangesOf,
  SAFE_CHUNK_BYTES,
  statusText,
  step,
} from '../../web/assets/js/file-transfer-core.js';

/** Runs `events` from `state`; returns the last state and every effect, in order. */
function run(state, ...events) {
  const effects = [];
  for (const event of events) {
    const result = step(state, event);
    state = result.state;
    effects.push(...result.effects);
  }
  return { state, effects };
}

const kinds = (effects) => effects.map((e) => e.do);
const sentMessages = (effects) => effects.filter((e) => e.do === 'send').map((e) => e.message);
const shown = (effects) => effects.filter((e) => e.do === 'show').map((e) => e.transfer);

const FILE = { id: 'f1', name: 'holiday.jpg', size: 100, mime: 'image/jpeg' };
const open = () => run(initialFiles(), { type: 'channel-open' }).state;
const sending = () => run(open(), { type: 'send-requested', file: FILE });
const receiving = () => run(open(), { type: 'message', message: { type: 'file', ...FILE } });
const chunk = (length) => ({ type: 'chunk', length, data: `bytes:${length}` });
const theyCancel = (id) => ({ type: 'message', message: { type: 'cancel', id, reason: 'cancelled' } });

describe('cutting a file up', () => {
  it('sends the largest chunk the other side accepts, up to 64 KiB, and 16 KiB when it says nothing', () => {
    assert.equal(chunkBytes(262144), MAX_CHUNK_BYTES);
    assert.equal(chunkBytes(1073741823), MAX_CHUNK_BYTES);
    assert.equal(chunkBytes(65536), 65536);
    assert.equal(chunkBytes(32768), 32768);
    assert.equal(chunkBytes(0), SAFE_CHUNK_BYTES);
    assert.equal(chunkBytes(undefined), SAFE_CHUNK_BYTES);
    assert.equal(chunkBytes(Infinity), SAFE_CHUNK_BYTES);
    assert.equal(chunkBytes(8000), 8000, 'a side that accepts less gets less');
  });

  it('covers every byte once, in order', () => {
    assert.deepEqual([...rangesOf(10, 4)], [[0, 4], [4, 8], [8, 10]]);
    assert.deepEqual([...rangesOf(8, 4)], [[0, 4], [4, 8]]);
    assert.deepEqual([...rangesOf(0, 4)], []);
    const size = 200 * 1024 * 1024 + 7;
    let next = 0;
    for (const [start, end] of rangesOf(size, 1024 * 1024)) {
      assert.equal(start, next);
      next = end;
    }
    assert.equal(next, size);
  });
});

describe('what a person reads', () => {
  it('sizes', () => {
    assert.equal(formatSize(0), '0 bytes');
    assert.equal(formatSize(1), '1 byte');
    assert.equal(formatSize(999), '999 bytes');
    assert.equal(formatSize(1500), '1.5 KB');
    assert.equal(formatSize(200 * 1024 * 1024), '210 MB');
    assert.equal(formatSize(200_000_000), '200 MB');
    assert.equal(formatSize(1024 ** 3), '1.07 GB');
  });

  it('percent: 100 only once every byte has moved; an empty file is whole', () => {
    assert.equal(percentOf({ bytes: 0, size: 100 }), 0);
    assert.equal(percentOf({ bytes: 999, size: 1000 }), 99);
    assert.equal(percentOf({ bytes: 999_999, size: 1_000_000 }), 99);
    assert.equal(percentOf({ bytes: 1000, size: 1000 }), 100);
    assert.equal(percentOf({ bytes: 0, size: 0 }), 100);
  });

  it('status lines name who did what', () => {
    const base = { ...FILE, bytes: 50, by: null, reason: null };
    assert.equal(statusText({ ...base, direction: 'out', phase: 'sending' }, 'Bob'), 'Sending… 50%');
    assert.equal(statusText({ ...base, direction: 'in', phase: 'receiving' }, 'Ada'), 'Receiving… 50%');
    assert.match(statusText({ ...base, direction: 'out', phase: 'finishing' }, 'Bob'), /waiting for Bob/);
    assert.equal(statusText({ ...base, direction: 'out', phase: 'done' }, 'Bob'), 'Bob received it.');
    assert.equal(statusText({ ...base, direction: 'in', phase: 'done' }, 'Ada'), 'Received.');
    assert.equal(statusText({ ...base, direction: 'in', phase: 'cancelled', by: 'me' }, 'Ada'), 'You cancelled it.');
    assert.equal(statusText({ ...base, direction: 'out', phase: 'cancelled', by: 'them' }, 'Bob'), 'Bob cancelled it.');
    assert.match(statusText({ ...base, direction: 'out', phase: 'failed', reason: 'closed' }), /connection was lost/);
    assert.match(statusText({ ...base, direction: 'out', phase: 'failed', reason: 'unreadable' }), /could not be read/);
  });

  it('a received file keeps its type only if a browser shows that type without running it', () => {
    assert.equal(blobTypeFor('image/png'), 'image/png');
    assert.equal(blobTypeFor('Video/MP4'), 'video/mp4');
    assert.equal(blobTypeFor('application/pdf'), 'application/pdf');
    const risky = ['text/html', 'image/svg+xml', 'application/xhtml+xml', 'text/xml', 'application/javascript', ''];
    for (const type of [...risky, undefined]) {
      assert.equal(blobTypeFor(type), 'application/octet-stream', String(type));
    }
  });
});

describe('messages from the other side', () => {
  it('reads the protocol\'s messages', () => {
    assert.deepEqual(parseMessage('{"type":"file","id":"a","name":"x.txt","size":3,"mime":"text/plain"}'), {
      type: 'file',
      id: 'a',
      name: 'x.txt',
      size: 3,
      mime: 'text/plain',
    });
    assert.deepEqual(parseMessage('{"type":"end","id":"a","size":3}'), { type: 'end', id: 'a', size: 3 });
    assert.deepEqual(parseMessage('{"type":"received","id":"a"}'), { type: 'received', id: 'a' });
    const cancel = (reason) => ({ type: 'cancel', id: 'a', reason });
    assert.deepEqual(parseMessage('{"type":"cancel","id":"a","reason":"busy"}'), cancel('busy'));
    assert.deepEqual(parseMessage('{"type":"cancel","id":"a","reason":"<b>"}'), cancel('cancelled'), 'an unknown reason');
  });

  it('gives a nameless file a name and cuts a long one', () => {
    assert.equal(parseMessage('{"type":"file","id":"a","name":"  ","size":0}').name, 'file');
    assert.equal(parseMessage(JSON.stringify({ type: 'file', id: 'a', name: 'n'.repeat(1000), size: 1 })).name.length, 255);
    assert.equal(parseMessage('{"type":"file","id":"a","size":1}').mime, '');
  });

  it('refuses what is not one of them', () => {
    for (const bad of [
      'not json',
      'null',
      '[]',
      '{"type":"file","name":"x","size":1}',
      '{"type":"file","id":"a","name":"x","size":-1}',
      '{"type":"file","id":"a","name":"x","size":1.5}',
      '{"type":"file","id":"a","name":"x","size":"12"}',
      '{"type":"file","id":"a","name":"x","size":1e300}',
      '{"type":"end","id":"a"}',
      '{"type":"chat","id":"a"}',
      JSON.stringify({ type: 'received', id: 'x'.repeat(65) }),
      '{"type":"received","id":7}',
    ]) {
      assert.equal(parseMessage(bad), null, bad);
    }
  });
});

describe('sending a file', () => {
  it('announces it, shows it and starts reading', () => {
    const { state, effects } = sending();
    assert.deepEqual(kinds(effects), ['notice', 'send', 'show', 'read']);
    assert.deepEqual(sentMessages(effects), [{ type: 'file', ...FILE }]);
    assert.equal(state.outgoing.phase, 'sending');
    assert.equal(shown(effects)[0].direction, 'out');
  });

  it('counts bytes out, shows each new percent, and ends with `end` once all are sent', () => {
    let { state } = sending();
    let step1 = run(state, { type: 'sent', id: 'f1', bytes: 40 });
    assert.deepEqual(kinds(step1.effects), ['show']);
    assert.equal(step1.state.outgoing.bytes, 40);
    const large = { ...step1.state, outgoing: { ...step1.state.outgoing, size: 1_000_000 } };
    const same = run(large, { type: 'sent', id: 'f1', bytes: 1 });
    assert.deepEqual(same.effects, [], 'the same percent is not shown again');
    ({ state } = step1);
    const last = run(state, { type: 'sent', id: 'f1', bytes: 60 });
    assert.equal(last.state.outgoing.phase, 'finishing');
    assert.deepEqual(sentMessages(last.effects), [{ type: 'end', id: 'f1', size: 100 }]);
  });

  it('is done only when the other side says it received it all', () => {
    const { state } = run(sending().state, { type: 'sent', id: 'f1', bytes: 100 });
    const done = run(state, { type: 'message', message: { type: 'received', id: 'f1' } });
    assert.equal(done.state.outgoing, null);
    assert.equal(shown(done.effects)[0].phase, 'done');
    const stray = run(sending().state, { type: 'message', message: { type: 'received', id: 'f1' } });
    assert.equal(stray.state.outgoing.phase, 'sending', 'not before every byte was sent');
  });

  it('an empty file is announced and ended at once, without reading', () => {
    const { state, effects } = run(open(), { type: 'send-requested', file: { ...FILE, size: 0 } });
    assert.deepEqual(sentMessages(effects).map((m) => m.type), ['file', 'end']);
    assert.ok(!kinds(effects).includes('read'));
    assert.equal(state.outgoing.phase, 'finishing');
  });

  it('one at a time: a second file while one is on its way is refused with a notice', () => {
    const second = run(sending().state, { type: 'send-requested', file: { ...FILE, id: 'f2' } });
    assert.deepEqual(second.effects, [{ do: 'notice', text: NOTICES.busy }]);
    assert.equal(second.state.outgoing.id, 'f1');
    const finishing = run(sending().state, { type: 'sent', id: 'f1', bytes: 100 }).state;
    assert.deepEqual(step(finishing, { type: 'send-requested', file: { ...FILE, id: 'f2' } }).effects, [
      { do: 'notice', text: NOTICES.busy },
    ]);
  });

  it('nothing to send without a file or an open channel', () => {
    assert.deepEqual(step(open(), { type: 'send-requested', file: null }).effects, [{ do: 'notice', text: NOTICES.none }]);
    assert.deepEqual(step(initialFiles(), { type: 'send-requested', file: FILE }).effects, [
      { do: 'notice', text: NOTICES.closed },
    ]);
  });

  it('the sender cancels: reading stops, the other side is told, and the next file may go', () => {
    const { state, effects } = run(sending().state, { type: 'cancel-requested', id: 'f1' });
    assert.deepEqual(kinds(effects), ['show', 'stop-reading', 'send']);
    assert.deepEqual(sentMessages(effects), [{ type: 'cancel', id: 'f1', reason: 'cancelled' }]);
    assert.deepEqual(shown(effects)[0], { ...sending().state.outgoing, phase: 'cancelled', by: 'me', reason: null });
    assert.equal(state.outgoing, null);
    assert.equal(run(state, { type: 'send-requested', file: { ...FILE, id: 'f2' } }).state.outgoing.id, 'f2');
  });

  it('the receiver cancels: reading stops, and the sender says who cancelled', () => {
    const { state, effects } = run(sending().state, theyCancel('f1'));
    assert.deepEqual(kinds(effects), ['show', 'stop-reading']);
    assert.equal(shown(effects)[0].by, 'them');
    assert.equal(state.outgoing, null);
  });

  it('even while waiting for the confirmation', () => {
    const finishing = run(sending().state, { type: 'sent', id: 'f1', bytes: 100 }).state;
    const { effects } = run(finishing, theyCancel('f1'));
    assert.equal(shown(effects)[0].phase, 'cancelled');
  });

  it('the other side refuses it as busy: failed, with why', () => {
    const { effects } = run(sending().state, { type: 'message', message: { type: 'cancel', id: 'f1', reason: 'busy' } });
    assert.deepEqual(shown(effects)[0].phase, 'failed');
    assert.deepEqual(shown(effects)[0].reason, 'busy');
  });

  it('a file that cannot be read fails, and the other side is told', () => {
    const { effects } = run(sending().state, { type: 'read-failed', id: 'f1' });
    assert.equal(shown(effects)[0].reason, 'unreadable');
    assert.deepEqual(sentMessages(effects), [{ type: 'cancel', id: 'f1', reason: 'unreadable' }]);
  });

  it('what comes for a file no longer being sent changes nothing', () => {
    const { state } = run(sending().state, { type: 'cancel-requested', id: 'f1' });
    for (const event of [
      { type: 'sent', id: 'f1', bytes: 10 },
      { type: 'read-failed', id: 'f1' },
      { type: 'cancel-requested', id: 'f1' },
      { type: 'message', message: { type: 'received', id: 'f1' } },
      theyCancel('f1'),
    ]) {
      assert.deepEqual(step(state, event), { state, effects: [] }, event.type);
    }
  });
});

describe('receiving a file', () => {
  it('begins keeping it and shows it', () => {
    const { state, effects } = receiving();
    assert.deepEqual(kinds(effects), ['begin', 'show']);
    assert.equal(state.incoming.phase, 'receiving');
    assert.equal(shown(effects)[0].direction, 'in');
  });

  it('keeps each chunk, shows progress, and completes, confirms and shows it at `end`', () => {
    let { state, effects } = run(receiving().state, chunk(30), chunk(70));
    assert.deepEqual(kinds(effects), ['keep', 'show', 'keep', 'show']);
    assert.deepEqual(effects.filter((e) => e.do === 'keep').map((e) => e.data), ['bytes:30', 'bytes:70']);
    ({ state, effects } = run(state, { type: 'message', message: { type: 'end', id: 'f1', size: 100 } }));
    assert.deepEqual(kinds(effects), ['complete', 'send', 'show']);
    assert.equal(effects[0].transfer.phase, 'done');
    assert.deepEqual(sentMessages(effects), [{ type: 'received', id: 'f1' }]);
    assert.equal(state.incoming, null);
  });

  it('an empty file completes at once', () => {
    const { effects } = run(
      open(),
      { type: 'message', message: { type: 'file', ...FILE, size: 0 } },
      { type: 'message', message: { type: 'end', id: 'f1', size: 0 } },
    );
    assert.ok(kinds(effects).includes('complete'));
  });

  it('a file that ends short, or grows past its size, fails, and the sender is told', () => {
    const short = run(receiving().state, chunk(99), { type: 'message', message: { type: 'end', id: 'f1', size: 100 } });
    assert.equal(shown(short.effects).at(-1).reason, 'incomplete');
    assert.ok(kinds(short.effects).includes('discard'));
    assert.deepEqual(sentMessages(short.effects), [{ type: 'cancel', id: 'f1', reason: 'incomplete' }]);
    const long = run(receiving().state, chunk(99), chunk(2));
    assert.equal(shown(long.effects).at(-1).reason, 'incomplete');
    assert.equal(long.state.incoming, null);
  });

  it('the receiver cancels: the bytes kept so far are dropped, the sender is told', () => {
    const { state, effects } = run(receiving().state, chunk(10), { type: 'cancel-requested', id: 'f1' });
    assert.deepEqual(kinds(effects), ['keep', 'show', 'show', 'discard', 'send']);
    assert.deepEqual(sentMessages(effects), [{ type: 'cancel', id: 'f1', reason: 'cancelled' }]);
    assert.equal(state.incoming, null);
  });

  it('bytes still on their way after a cancel, and its `end`, are dropped; the next file arrives whole', () => {
    const cancelled = run(receiving().state, chunk(10), { type: 'cancel-requested', id: 'f1' }).state;
    const stale = run(cancelled, chunk(50), chunk(40), { type: 'message', message: { type: 'end', id: 'f1', size: 100 } });
    assert.deepEqual(stale.effects, []);
    const next = run(
      stale.state,
      { type: 'message', message: { type: 'file', ...FILE, id: 'f2', size: 5 } },
      chunk(5),
      { type: 'message', message: { type: 'end', id: 'f2', size: 5 } },
    );
    assert.equal(next.effects.find((e) => e.do === 'complete').transfer.id, 'f2');
  });

  it('the sender cancels: dropped, and the receiver says who cancelled', () => {
    const { effects } = run(receiving().state, theyCancel('f1'));
    assert.deepEqual(kinds(effects), ['show', 'discard']);
    assert.equal(shown(effects)[0].by, 'them');
  });

  it('a second file while one arrives is refused as busy; the first goes on', () => {
    const { state, effects } = run(receiving().state, { type: 'message', message: { type: 'file', ...FILE, id: 'f2' } });
    assert.deepEqual(effects, [{ do: 'send', message: { type: 'cancel', id: 'f2', reason: 'busy' } }]);
    assert.equal(state.incoming.id, 'f1');
  });
});

describe('both ways at once, and the channel closing', () => {
  it('a file each way runs side by side', () => {
    const { state } = run(
      sending().state,
      { type: 'message', message: { type: 'file', ...FILE, id: 'g1', size: 10 } },
      { type: 'sent', id: 'f1', bytes: 100 },
      chunk(10),
    );
    assert.equal(state.outgoing.phase, 'finishing');
    assert.equal(state.incoming.bytes, 10);
  });

  it('closing fails whatever runs, stops reading, drops what arrived, and refuses new files until open', () => {
    const both = run(sending().state, { type: 'message', message: { type: 'file', ...FILE, id: 'g1' } }).state;
    const { state, effects } = run(both, { type: 'channel-closed' });
    assert.deepEqual(kinds(effects), ['show', 'stop-reading', 'show', 'discard']);
    assert.ok(shown(effects).every((t) => t.phase === 'failed' && t.reason === 'closed'));
    assert.deepEqual(sentMessages(effects), [], 'nothing to send it on');
    assert.deepEqual(state, initialFiles());
    assert.deepEqual(step(state, { type: 'send-requested', file: FILE }).effects, [{ do: 'notice', text: NOTICES.closed }]);
  });

  it('unknown events are a programming error', () => {
    assert.throws(() => step(initialFiles(), { type: 'nonsense' }), /unknown file event/);
  });
});
