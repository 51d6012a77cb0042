// What a person meets in the call, in real Chromium: a call that cannot
// connect says why, in-call failures show in the call, the route and the
// call-quality panel, the screen kept awake, a phone-sized layout, a styled
// 404, accessibility (axe-core, keyboard only), and screenshots.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  assertMediaFlows,
  eventually,
  joinBoth,
  launchBrowser,
  newRoomUrl,
  person,
  resultsDir,
  serverAndBrowser,
  startServer,
  waitForStatus,
} from './harness.mjs';

const PHONE = { width: 390, height: 844 };
const LAPTOP = { width: 1280, height: 800 };
/** The page explains after about 15 s in `connecting`. */
const HELP_WAIT_MS = 30_000;

const testid = (page, id) => page.getByTestId(id);
const visibleText = async (page, id) => ((await testid(page, id).isVisible()) ? await testid(page, id).textContent() : null);

async function connectedCall(browser, serverUrl, { viewport = LAPTOP } = {}) {
  const ada = await person(browser, 'Ada', { viewport });
  const bob = await person(browser, 'Bob', { viewport });
  await joinBoth([ada, bob], await newRoomUrl(serverUrl));
  await waitForStatus(ada.page, 'connected');
  await waitForStatus(bob.page, 'connected');
  return { ada, bob, close: () => Promise.all([ada.context.close(), bob.context.close()]) };
}

describe('a call that cannot connect says why', { timeout: 180_000 }, () => {
  let server;
  after(() => server?.stop());

  it('"always relay" is offered only when the server hands out a relay', async () => {
    const plain = await startServer();
    const withTurn = await startServer(['--ice-server', 'turn:user:pass@127.0.0.1:9?transport=udp']);
    const browser = await launchBrowser();
    try {
      const who = await person(browser, 'Ada');
      await who.page.goto(await newRoomUrl(plain.url));
      await waitForStatus(who.page, 'lobby');
      assert.equal(await testid(who.page, 'relay-only').isVisible(), false, 'no TURN: no "always relay"');
      await who.page.goto(await newRoomUrl(withTurn.url));
      await waitForStatus(who.page, 'lobby');
      assert.equal(await testid(who.page, 'relay-only').isVisible(), true, 'TURN: "always relay" offered');
    } finally {
      await browser.close();
      await plain.stop();
      await withTurn.stop();
    }
  });

  it('"always relay" through a relay that cannot be reached says so', async () => {
    server = await startServer(['--ice-server', 'turn:user:pass@127.0.0.1:9?transport=udp']);
    const browser = await launchBrowser();
    try {
      const ada = await person(browser, 'Ada');
      const bob = await person(browser, 'Bob');
      await joinBoth([ada, bob], await newRoomUrl(server.url), { relayOnly: true });
      const help = await eventually(() => visibleText(ada.page, 'call-help'), { timeout: HELP_WAIT_MS, what: 'help' });
      assert.match(help, /always relay/i);
      assert.match(help, /cannot be reached/);
    } finally {
      await browser.close();
    }
  });
});

describe('in the call', { timeout: 240_000 }, () => {
  const shared = serverAndBrowser();
  let call;

  before(async () => {
    call = await connectedCall(shared.browser, shared.server.url);
  });

  it('says which way the media goes, and no help is shown', async () => {
    const route = await eventually(() => visibleText(call.ada.page, 'call-route'), { what: 'the route' });
    assert.equal(route, 'Direct connection (UDP)');
    assert.equal(await visibleText(call.ada.page, 'call-help'), null);
  });

  it('the call-quality panel shows the path, round trip, bitrates, loss and resolution, refreshed', async () => {
    const { page } = call.ada;
    assert.equal(await testid(page, 'stats').isVisible(), false);
    await testid(page, 'stats-toggle').click();
    assert.equal(await testid(page, 'stats-toggle').getAttribute('aria-expanded'), 'true');
    const panel = testid(page, 'stats');
    const text = await eventually(
      async () => {
        const shown = await panel.textContent();
        return /\d+ ms/.test(shown) && /Receiving\d+ kbit\/s/.test(shown) && /\d+×\d+/.test(shown) ? shown : null;
      },
      { what: 'figures in the panel' },
    );
    assert.match(text, /Direct connection \(UDP\)/);
    assert.match(text, /Packets lost\d+(\.\d)? %/);
    const first = await panel.textContent();
    await eventually(async () => (await panel.textContent()) !== first, { what: 'the panel refreshed' });
    await testid(page, 'stats-toggle').click();
    assert.equal(await panel.isVisible(), false);
  });

  it('keeps the screen awake during the call', async () => {
    await eventually(async () => (await call.ada.page.locator('body').getAttribute('data-wake-lock')) === 'held', {
      what: 'a screen wake lock',
    });
  });

  it('a camera that stops by itself is told in the call, not in the lobby', async () => {
    const { page } = call.bob;
    // What unplugging does: the track ends from the device's side.
    await page.evaluate(() => {
      const track = window.__test.tracks.find((t) => t.kind === 'video' && t.readyState === 'live');
      track.dispatchEvent(new Event('ended'));
    });
    const notice = await eventually(() => visibleText(page, 'call-notice'), { what: 'an in-call notice' });
    assert.match(notice, /camera stopped/);
    assert.equal(await page.locator('#media-message').isVisible(), false);
  });
});

describe('a failed screen share is told in the call', { timeout: 120_000 }, () => {
  it('refused by the browser', async () => {
    const server = await startServer();
    // This browser refuses every capture: Ada joins without camera or microphone, and her screen share is refused.
    const refusing = await launchBrowser(['--use-fake-ui-for-media-stream=deny']);
    const browser = await launchBrowser();
    try {
      const ada = await person(refusing, 'Ada');
      const bob = await person(browser, 'Bob');
      await joinBoth([ada, bob], await newRoomUrl(server.url));
      await waitForStatus(ada.page, 'connected');
      await testid(ada.page, 'share-screen').click();
      const notice = await eventually(() => visibleText(ada.page, 'call-notice'), { what: 'an in-call notice' });
      assert.match(notice, /Screen sharing was refused/);
      assert.doesNotMatch(await ada.page.locator('#media-message').textContent(), /screen/i, 'not in the lobby');
      assert.equal(await testid(ada.page, 'share-screen').getAttribute('aria-pressed'), 'false');
      await assertMediaFlows(ada.page);
    } finally {
      await refusing.close();
      await browser.close();
      await server.stop();
    }
  });
});

describe('on a phone and a laptop', { timeout: 240_000 }, () => {
  const shared = serverAndBrowser();

  const box = (page, id) => testid(page, id).boundingBox();
  const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

  it('at 390×844, Join is visible without scrolling, the invite tools after it', async () => {

    const { server, browser } = shared;
    const who = await person(browser, 'Ada', { viewport: PHONE, isMobile: true, hasTouch: true });
    await who.page.goto(await newRoomUrl(server.url));
    await waitForStatus(who.page, 'lobby');
    const join = await box(who.page, 'join-call');
    assert.ok(join.y + join.height <= PHONE.height, `Join ends at ${join.y + join.height}`);
    assert.ok((await box(who.page, 'name-input')).y < join.y, 'the name comes first');
    assert.ok((await box(who.page, 'copy-link')).y > join.y, 'the invite tools after Join');
    await who.page.screenshot({ path: resolve(resultsDir, 'lobby-390x844.png') });
    await who.context.close();
  });

  for (const [label, viewport] of [
    ['390x844', PHONE],
    ['1280x800', LAPTOP],
  ]) {
    it(`in the call at ${label}, the chat input and the controls never overlap`, async () => {
      const { server, browser } = shared;
      const call = await connectedCall(browser, server.url, { viewport });
      const { page } = call.ada;
      await testid(page, 'chat-input').scrollIntoViewIfNeeded();
      const input = await box(page, 'chat-input');
      assert.ok(input.y + input.height <= viewport.height, 'the chat input can be seen');
      const controls = ['toggle-audio', 'toggle-video', 'share-screen', 'stats-toggle', 'hangup'];
      const rows = new Set();
      for (const id of controls) {
        const control = await box(page, id);
        assert.ok(!overlap(input, control), `${id} covers the chat input`);
        assert.ok(control.y + control.height <= viewport.height, `${id} is on the screen`);
        rows.add(Math.round(control.y));
      }
      assert.equal(rows.size, 1, 'the controls sit on one row');
      await testid(page, 'chat-input').fill('hello from the phone');
      await testid(page, 'chat-send').click();
      await eventually(async () => (await testid(call.bob.page, 'chat-log').textContent()).includes('hello from the phone'));
      await page.screenshot({ path: resolve(resultsDir, `call-${label}.png`) });
      if (viewport === LAPTOP) {
        await call.bob.page.goto(await newRoomUrl(server.url));
        await waitForStatus(call.bob.page, 'lobby');
        await call.bob.page.screenshot({ path: resolve(resultsDir, 'lobby-1280x800.png') });
      }
      await call.close();
    });
  }

  it('an unknown path is a styled page that says so', async () => {

    const { server, browser } = shared;
    const response = await fetch(`${server.url}/no/such/page`);
    assert.equal(response.status, 404);
    assert.match(response.headers.get('content-type'), /text\/html/);
    const page = await browser.newPage();
    await page.goto(`${server.url}/no/such/page`);
    assert.match(await testid(page, 'notice').textContent(), /no page at this address/);
    assert.ok(await testid(page, 'create-room').isVisible());
    await page.close();
  });
});

describe('accessibility', { timeout: 240_000 }, () => {
  const shared = serverAndBrowser();
  let axeSource;

  before(async () => {
    axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  });

  /** axe-core's serious and critical violations on `page` (WCAG 2.2 A and AA). */
  async function seriousViolations(page) {
    await page.evaluate(axeSource);
    const results = await page.evaluate(() =>
      window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } }),
    );
    return results.violations
      .filter((v) => ['serious', 'critical'].includes(v.impact))
      .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  }

  it('the home page, the home page with a notice, the lobby and a connected call pass axe-core', async () => {

    const { server, browser } = shared;
    const page = await browser.newPage();
    await page.goto(server.url);
    assert.deepEqual(await seriousViolations(page), [], 'home');
    await page.goto(`${server.url}/r/no-such-room/`);
    assert.deepEqual(await seriousViolations(page), [], 'home with a notice');
    await page.close();
    const call = await connectedCall(browser, server.url);
    assert.deepEqual(await seriousViolations(call.ada.page), [], 'a connected call');
    await call.bob.page.goto(await newRoomUrl(server.url));
    await waitForStatus(call.bob.page, 'lobby');
    assert.deepEqual(await seriousViolations(call.bob.page), [], 'the lobby');
    await call.close();
  });

  it('by keyboard alone: create, join, hang up, with a visible focus', async () => {

    const { server, browser } = shared;
    const ada = await person(browser, 'Ada');
    const { page } = ada;
    await page.goto(server.url);
    const focusOn = async (id, { most = 30 } = {}) => {
      for (let i = 0; i < most; i += 1) {
        await page.keyboard.press('Tab');
        if ((await page.evaluate(() => document.activeElement?.dataset.testid)) === id) {
          const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineWidth);
          assert.notEqual(outline, '0px', `${id} shows where the focus is`);
          return;
        }
      }
      assert.fail(`${id} cannot be reached with Tab`);
    };
    await focusOn('create-room');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/r\/[a-z0-9-]+\/$/);
    await waitForStatus(page, 'lobby');
    await focusOn('name-input');
    await page.keyboard.type('Ada');
    await page.keyboard.press('Enter');
    await waitForStatus(page, 'waiting');
    const bob = await person(browser, 'Bob');
    await joinBoth([bob], page.url());
    await waitForStatus(page, 'connected');
    await focusOn('toggle-audio');
    await page.keyboard.press('Enter');
    assert.equal(await testid(page, 'toggle-audio').getAttribute('aria-pressed'), 'false');
    await focusOn('hangup');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${server.url}/`);
    assert.match(await testid(page, 'notice').textContent(), /You ended the call/);
    await ada.context.close();
    await bob.context.close();
  });
});
