// Files straight between two browsers in a call, over their own data
// channel: 200 MB each way, compared byte for byte (SHA-256), with progress
// on both sides and neither page's JavaScript heap ever near the file's
// size; a cancel from the receiver, after which the channel still works; a
// name with HTML in it, shown as text.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  eventually,
  freshDir,
  joinBoth,
  launchBrowser,
  newRoomUrl,
  person,
  resultsDir,
  startServer,
  waitForStatus,
} from './harness.mjs';
import { formatSize } from '../../web/assets/js/file-transfer-core.js';

const MB = 1000 * 1000;
/** 200 MB each way; DUET_FILE_TEST_MB=1074 tries a gibibyte (about a minute each way here). */
const FILE_BYTES = Number(process.env.DUET_FILE_TEST_MB ?? 200) * MB;
/** How long one large file may take, at no less than 3 MB/s. */
const TRANSFER_MS = Math.max(90_000, FILE_BYTES / 3000);
/**
 * Far below the file's size: a page holding the file, or a good part of it,
 * fails this, and so does one leaving a read buffer behind for every
 * megabyte (the collector then lets some 50 to 70 MB pile up).
 */
const HEAP_LIMIT = 30 * MB;

/** Writes `bytes` random bytes to `path`; resolves with their SHA-256 (hex). */
async function randomFile(path, bytes) {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let left = bytes; left > 0; ) {
    const piece = randomBytes(Math.min(left, 4 * 1024 * 1024));
    hash.update(piece);
    if (!out.write(piece)) await new Promise((r) => out.once('drain', r));
    left -= piece.length;
  }
  await new Promise((r, reject) => out.end((err) => (err ? reject(err) : r())));
  return hash.digest('hex');
}

async function sha256Of(path) {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(path)) hash.update(piece);
  return hash.digest('hex');
}

/** The latest file entry going `direction` (`in` or `out`) on a page; only while in `state`, if given. */
function entry(page, direction, state) {
  const latest = page.locator(`[data-testid="file-entry"][data-direction="${direction}"]`).last();
  return state ? latest.and(page.locator(`[data-state="${state}"]`)) : latest;
}

/** Progress (0..1) of the latest entry going `direction`, null when it shows none. */
const progressOf = (page, direction) =>
  entry(page, direction).evaluate((item) => {
    const bar = item.querySelector('[data-testid="file-progress"]');
    return bar ? bar.value / bar.max : null;
  });

const heapOf = (page) => page.evaluate(() => performance.memory.usedJSHeapSize);

/** Picks `file` (a path, or `{ name, mimeType, buffer }`) and presses send. */
async function sendFile(page, file) {
  await page.getByTestId('file-input').setInputFiles(file);
  await page.getByTestId('file-send').click();
}

/** Clicks the latest received file's link; resolves with the download. */
async function download(page) {
  const [file] = await Promise.all([page.waitForEvent('download'), entry(page, 'in').getByTestId('file-link').click()]);
  return file;
}

describe('files between the two browsers', { timeout: 60_000 + 2 * TRANSFER_MS }, () => {
  let server;
  let browser;
  let ada;
  let bob;
  let dir;
  let files;

  before(async () => {
    dir = freshDir('files');
    server = await startServer();
    browser = await launchBrowser(['--enable-precise-memory-info']);
    ada = await person(browser, 'Ada');
    bob = await person(browser, 'Bob');
    const made = Date.now();
    const [adaHash, bobHash] = await Promise.all([
      randomFile(join(dir, 'from-ada.bin'), FILE_BYTES),
      randomFile(join(dir, 'from-bob.bin'), FILE_BYTES),
    ]);
    console.log(`two files of ${FILE_BYTES / MB} MB of random bytes written in ${Date.now() - made} ms`);
    files = {
      ada: { path: join(dir, 'from-ada.bin'), hash: adaHash },
      bob: { path: join(dir, 'from-bob.bin'), hash: bobHash },
    };
    await joinBoth([ada, bob], await newRoomUrl(server.url));
    await waitForStatus(ada.page, 'connected');
    await waitForStatus(bob.page, 'connected');
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * `from` sends its 200 MB file to `to`: progress on both sides, both
   * heaps sampled all along, the received file's SHA-256 the sent one's.
   */
  async function sendLargeFile(from, to, { tryASecond = false } = {}) {
    const heaps = { [from.name]: [await heapOf(from.page)], [to.name]: [await heapOf(to.page)] };
    const progress = { [from.name]: new Set(), [to.name]: new Set() };
    const started = Date.now();
    await sendFile(from.page, files[from.name.toLowerCase()].path);
    if (tryASecond) {
      // One file at a time each way: a second one is refused, with a word why.
      await sendFile(from.page, { name: 'second.txt', mimeType: 'text/plain', buffer: Buffer.from('second') });
      assert.match(await from.page.getByTestId('file-notice').textContent(), /one file at a time/i);
      assert.equal(await from.page.locator('[data-testid="file-entry"]', { hasText: 'second.txt' }).count(), 0);
    }
    let arrived = false;
    // Sampled until the receiver shows the link.
    const sampling = (async () => {
      while (!arrived) {
        for (const [who, page, direction] of [
          [from.name, from.page, 'out'],
          [to.name, to.page, 'in'],
        ]) {
          heaps[who].push(await heapOf(page));
          const p = await progressOf(page, direction).catch(() => null);
          if (p !== null && p > 0 && p < 1) progress[who].add(Math.round(p * 100));
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    await entry(to.page, 'in', 'done').waitFor({ timeout: TRANSFER_MS });
    const seconds = (Date.now() - started) / 1000;
    arrived = true;
    await sampling;
    await entry(from.page, 'out', 'done').waitFor({ timeout: 10_000 });

    const peak = (who) => Math.max(...heaps[who]);
    console.log(
      `${from.name} -> ${to.name}: ${FILE_BYTES / MB} MB in ${seconds.toFixed(1)} s ` +
        `(${(FILE_BYTES / MB / seconds).toFixed(1)} MB/s); peak JS heap: ${from.name} (sending) ` +
        `${(peak(from.name) / MB).toFixed(1)} MB, ${to.name} (receiving) ${(peak(to.name) / MB).toFixed(1)} MB ` +
        `over ${heaps[to.name].length} samples; progress seen at ${progress[from.name].size} and ` +
        `${progress[to.name].size} distinct percents`,
    );
    for (const who of [from.name, to.name]) {
      assert.ok(heaps[who].length >= 5, `${who}'s heap sampled during the transfer (${heaps[who].length} samples)`);
      assert.ok(peak(who) < HEAP_LIMIT, `${who}'s JS heap stayed under ${HEAP_LIMIT / MB} MB: peak ${peak(who)}`);
      assert.ok(progress[who].size >= 2, `${who} saw progress while it moved: ${[...progress[who]]}`);
    }

    const link = entry(to.page, 'in').getByTestId('file-link');
    const text = await link.textContent();
    assert.ok(text.includes(`from-${from.name.toLowerCase()}.bin (${formatSize(FILE_BYTES)})`), `name and size: ${text}`);
    assert.match(await link.getAttribute('href'), /^blob:/);
    assert.equal(await entry(to.page, 'in').getByTestId('file-progress').count(), 0, 'no progress once arrived');
    assert.equal(await entry(from.page, 'out').getByTestId('file-progress').count(), 0, 'nor at the sender');

    const received = await download(to.page);
    assert.equal(received.suggestedFilename(), `from-${from.name.toLowerCase()}.bin`);
    assert.equal(await sha256Of(await received.path()), files[from.name.toLowerCase()].hash, 'the same bytes arrived');
    await received.delete();
  }

  it('Ada sends Bob 200 MB: the same bytes arrive, with progress on both sides and small heaps', async () => {
    await sendLargeFile(ada, bob, { tryASecond: true });
  });

  it('Bob sends Ada 200 MB the other way', async () => {
    await sendLargeFile(bob, ada);
    await bob.page.screenshot({ path: resolve(resultsDir, 'files-sent.png') });
  });

  it('Bob cancels mid-way: both sides say so, and the next file goes through', async () => {
    await sendFile(ada.page, files.ada.path);
    await eventually(async () => ((await progressOf(bob.page, 'in').catch(() => null)) ?? 0) > 0.05, {
      interval: 50,
      what: 'the file partly arrived at Bob',
    });

    await bob.page.screenshot({ path: resolve(resultsDir, 'files-arriving.png') });
    await entry(bob.page, 'in').getByTestId('file-cancel').click();
    const cancelled = (page, direction) => entry(page, direction, 'cancelled');
    await cancelled(bob.page, 'in').waitFor({ timeout: 10_000 });
    await cancelled(ada.page, 'out').waitFor({ timeout: 10_000 });
    assert.match(await cancelled(bob.page, 'in').getByTestId('file-status').textContent(), /You cancelled/);
    assert.match(await cancelled(ada.page, 'out').getByTestId('file-status').textContent(), /Bob cancelled/);
    assert.equal(await bob.page.getByTestId('file-progress').count(), 0);
    assert.equal(await ada.page.getByTestId('file-progress').count(), 0);
    assert.equal(await entry(bob.page, 'in').getByTestId('file-link').count(), 0, 'no link to a cancelled file');

    const content = `after the cancel ${Date.now()}`;
    await sendFile(ada.page, { name: 'after.txt', mimeType: 'text/plain', buffer: Buffer.from(content) });
    await entry(bob.page, 'in', 'done').waitFor({ timeout: 10_000 });
    assert.ok((await entry(bob.page, 'in').getByTestId('file-link').textContent()).includes('after.txt'));
    const received = await download(bob.page);
    assert.equal(await (await received.createReadStream()).toArray().then((b) => Buffer.concat(b).toString()), content);
    await entry(ada.page, 'out', 'done').waitFor({ timeout: 10_000 });
  });

  it('where a browser can neither read a file into one buffer nor receive Blobs, the same bytes still arrive', async () => {
    // As in a browser without BYOB readers on files, or without Blobs on data channels (older Chromium threw).
    const older = () => {
      const getReader = ReadableStream.prototype.getReader;
      ReadableStream.prototype.getReader = function (options) {
        if (options?.mode === 'byob') throw new TypeError('no BYOB reader here');
        return getReader.call(this, options);
      };
      const binaryType = Object.getOwnPropertyDescriptor(RTCDataChannel.prototype, 'binaryType');
      Object.defineProperty(RTCDataChannel.prototype, 'binaryType', {
        ...binaryType,
        set(value) {
          if (value === 'blob') throw new DOMException('no Blobs here', 'NotSupportedError');
          binaryType.set.call(this, value);
        },
      });
    };
    const cy = await person(browser, 'Cy');
    const di = await person(browser, 'Di');
    try {
      for (const who of [cy, di]) await who.context.addInitScript(older);
      await joinBoth([cy, di], await newRoomUrl(server.url));
      await waitForStatus(cy.page, 'connected');
      await waitForStatus(di.page, 'connected');
      const limits = await di.page.evaluate(() => {
        const dc = new RTCPeerConnection().createDataChannel('probe');
        try {
          dc.binaryType = 'blob';
        } catch {}
        let byob = true;
        try {
          new Blob(['x']).stream().getReader({ mode: 'byob' });
        } catch {
          byob = false;
        }
        return { binaryType: dc.binaryType, byob };
      });
      assert.deepEqual(limits, { binaryType: 'arraybuffer', byob: false }, 'the older browser as meant');
      const path = join(dir, 'older.bin');
      const hash = await randomFile(path, 20 * MB + 12345);
      await sendFile(cy.page, path);
      await entry(di.page, 'in', 'done').waitFor({ timeout: 30_000 });
      const received = await download(di.page);
      assert.equal(await sha256Of(await received.path()), hash);
    } finally {
      await cy.context.close();
      await di.context.close();
    }
  });

  it('a name with HTML in it is shown as text', async () => {
    const name = '<img src=x onerror="document.title=1"><b>bold</b>.html';
    await sendFile(bob.page, { name, mimeType: 'text/html', buffer: Buffer.from('<script>alert(1)</script>') });
    await entry(ada.page, 'in', 'done').waitFor({ timeout: 10_000 });
    const link = entry(ada.page, 'in').getByTestId('file-link');
    assert.ok((await link.textContent()).includes(name), 'the name, character for character');
    for (const page of [ada.page, bob.page]) {
      const log = page.getByTestId('chat-log');
      assert.equal(await log.locator('img, b, script').count(), 0, 'nothing interpreted as HTML');
    }
    assert.equal(await link.getAttribute('download'), name);
    assert.notEqual(await ada.page.title(), '1');
    await ada.page.screenshot({ path: resolve(resultsDir, 'files-received.png') });
  });
});
