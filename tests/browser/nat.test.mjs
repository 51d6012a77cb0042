// Across NATs: two browsers, each in its own home network behind a router
// that masquerades them and does not hairpin. With host candidates only the
// call cannot connect; with the built-in TURN server it does.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { assertMediaFlows, eventually, launchBrowser, mediaStats, person, startServer, waitForStatus } from './harness.mjs';
import { SERVER_IP, createLab, labUnavailable } from './natlab.mjs';

const skip = labUnavailable();
if (skip) console.log(`NAT lab skipped: ${skip}`);

describe('calls across NATs', { skip: skip ?? false, timeout: 240_000 }, () => {
  let lab;
  before(() => {
    lab = createLab();
  });
  after(() => {
    lab?.destroy();
  });

  /** Ada in home1 and Bob in home2 open a new room on `server` and join. */
  async function call(server) {
    const secureOrigin = `--unsafely-treat-insecure-origin-as-secure=${server.url}`;
    const browsers = [
      await launchBrowser([secureOrigin], lab.chromium.home1),
      await launchBrowser([secureOrigin], lab.chromium.home2),
    ];
    const ada = await person(browsers[0], 'Ada');
    const bob = await person(browsers[1], 'Bob');
    await ada.page.goto(server.url);
    await ada.page.getByTestId('create-room').click();
    await ada.page.waitForURL(/\/r\/[a-z0-9-]+\/$/);
    const roomUrl = ada.page.url();
    await ada.page.getByTestId('name-input').fill('Ada');
    await ada.page.getByTestId('join-call').click();
    await waitForStatus(ada.page, 'waiting');
    await bob.page.goto(roomUrl);
    await bob.page.getByTestId('name-input').fill('Bob');
    await bob.page.getByTestId('join-call').click();
    return { ada, bob, close: () => Promise.all(browsers.map((b) => b.close())) };
  }

  it('fails with host candidates only: the homes cannot reach each other', async () => {
    const server = await startServer([], { listen: `${SERVER_IP}:8080`, wrap: lab.wrapInternet });
    const { ada, bob, close } = await call(server);
    try {
      // Signalling works: both sides get each other's candidates...
      await eventually(
        () =>
          ada.page.evaluate(() => {
            const pc = window.__test.peerConnections.at(-1);
            return pc?.remoteDescription != null && pc.iceConnectionState !== 'new';
          }),
        { what: 'negotiation to reach ICE checks' },
      );
      // ...but no pair of them ever connects, and after a while each page
      // says why: no direct path, and no relay offered.
      for (const { page } of [ada, bob]) {
        const help = await eventually(
          async () => ((await page.getByTestId('call-help').isVisible()) ? page.getByTestId('call-help').textContent() : null),
          { timeout: 30_000, what: 'the page explaining' },
        );
        assert.match(help, /No direct path was found/);
        assert.match(help, /offers no relay \(TURN\)/);
      }
      for (const { page } of [ada, bob]) {
        const state = await page.evaluate(() => window.__test.peerConnections.at(-1)?.iceConnectionState);
        assert.ok(['checking', 'failed', 'disconnected'].includes(state), `ICE state ${state}`);
        assert.equal((await mediaStats(page)).framesDecoded, 0, 'no media got through');
        assert.notEqual(await page.getByTestId('call-status').getAttribute('data-state'), 'connected');
      }
    } finally {
      await close();
      await server.stop();
    }
  });

  it('connects through the built-in TURN server, relayed', async () => {
    const server = await startServer(
      ['--turn', '--turn-listen', `${SERVER_IP}:3478`, '--turn-relay-ports', '44000-44999'],
      { listen: `${SERVER_IP}:8080`, wrap: lab.wrapInternet },
    );
    const { ada, bob, close } = await call(server);
    try {
      const sides = [];
      for (const { page } of [ada, bob]) {
        await waitForStatus(page, 'connected', 45_000);
        await eventually(async () => (await mediaStats(page)).framesDecoded > 5, { what: 'frames across the NAT' });
        await assertMediaFlows(page);
        sides.push(await mediaStats(page));
      }
      // The media goes through an allocation on the server: one side (or
      // both) sends from its relay candidate, and whichever side does not
      // sees its peer at the server's address.
      assert.ok(sides.some((s) => s.localType === 'relay'), `a relay in use: ${JSON.stringify(sides)}`);
      for (const side of sides.filter((s) => s.localType !== 'relay')) {
        assert.equal(side.remoteAddress, SERVER_IP, `reaches its peer through the server: ${JSON.stringify(side)}`);
      }
    } finally {
      await close();
      await server.stop();
    }
  });
});
