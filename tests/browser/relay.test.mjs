// "Always relay": two browsers whose media goes through a TURN server, the
// built-in one and Debian's coturn sharing the secret, checked with getStats.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  assertMediaFlows,
  eventually,
  joinBoth,
  launchBrowser,
  mediaStats,
  newRoomUrl,
  person,
  startCoturn,
  startServer,
  waitForStatus,
} from './harness.mjs';

const SECRET = 'browser-test-shared-secret';

/**
 * Two people call with "always relay" on; both sides' selected pairs must be
 * relay-to-relay, on relay ports in `relayPorts`.
 */
async function relayedCall(browser, serverUrl, relayPorts) {
  const people = [await person(browser, 'Ada'), await person(browser, 'Bob')];
  await joinBoth(people, await newRoomUrl(serverUrl), { relayOnly: true });
  for (const { page } of people) {
    await waitForStatus(page, 'connected', 30_000);
    await eventually(async () => (await mediaStats(page)).framesDecoded > 5, { what: 'frames through the relay' });
    await assertMediaFlows(page);
    const stats = await mediaStats(page);
    assert.equal(stats.localType, 'relay', 'our side of the pair is a relay candidate');
    assert.equal(stats.remoteType, 'relay', 'the other side of the pair is a relay candidate');
    assert.ok(
      stats.localPort >= relayPorts[0] && stats.localPort <= relayPorts[1],
      `relayed by the expected server: port ${stats.localPort}`,
    );
    await eventually(async () => (await page.locator('#route').getAttribute('data-route')) === 'relay', {
      what: 'the page saying the call is relayed',
    });
  }
  for (const who of people) await who.context.close();
}

describe('calls through a TURN relay', { timeout: 180_000 }, () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  it('through the built-in TURN server', async () => {
    const server = await startServer(['--turn', '--turn-listen', '127.0.0.1:0', '--turn-relay-ports', '42000-42999']);
    try {
      await relayedCall(browser, server.url, [42000, 42999]);
    } finally {
      await server.stop();
    }
  });

  it('through coturn configured with use-auth-secret and the same secret', async () => {
    const coturn = await startCoturn({ secret: SECRET, relayPorts: [43000, 43999] });
    const server = await startServer(['--turn-url', coturn.url, '--turn-secret', SECRET]);
    try {
      await relayedCall(browser, server.url, [43000, 43999]);
    } finally {
      await server.stop();
      await coturn.stop();
    }
  });

  it('renews TURN credentials before they expire, and the call stays relayed past their end', async () => {
    // Credentials valid for 20 s: the page renews them at 15 s, and the
    // server ends the relays made with the old ones 5 s after they expire.
    const server = await startServer([
      '--turn',
      '--turn-listen',
      '127.0.0.1:0',
      '--turn-relay-ports',
      '45000-45999',
      '--turn-credential-ttl',
      '20s',
    ]);
    const people = [await person(browser, 'Ada'), await person(browser, 'Bob')];
    try {
      await joinBoth(people, await newRoomUrl(server.url), { relayOnly: true });
      const username = (page) =>
        page.evaluate(() => {
          const pc = window.__test.peerConnections.filter((p) => p.connectionState !== 'closed').at(-1);
          return pc.getConfiguration().iceServers.find((s) => s.username)?.username;
        });
      for (const { page } of people) await waitForStatus(page, 'connected', 30_000);
      const before = await username(people[0].page);
      await eventually(async () => (await username(people[0].page)) !== before, {
        timeout: 60_000,
        interval: 1000,
        what: 'fresh credentials',
      });
      const oldRelaysEnd = (Number.parseInt(before.split(':')[0], 10) + 5) * 1000;
      // One sweep of the server's TURN quotas (every 2 s) after that, and a little more.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, oldRelaysEnd - Date.now()) + 4000));
      for (const { page } of people) {
        await waitForStatus(page, 'connected', 30_000);
        await assertMediaFlows(page);
        assert.equal((await mediaStats(page)).localType, 'relay');
      }
    } finally {
      for (const who of people) await who.context.close();
      await server.stop();
    }
  });

  it('remembers the "always relay" choice', async () => {
    // Offered only where the server hands out a relay.
    const server = await startServer(['--ice-server', 'turn:user:pass@127.0.0.1:9?transport=udp']);
    try {
      const ada = await person(browser, 'Ada');
      const url = await newRoomUrl(server.url);
      await ada.page.goto(url);
      await ada.page.getByTestId('relay-only').check();
      await ada.page.reload();
      assert.equal(await ada.page.getByTestId('relay-only').isChecked(), true);
      await ada.context.close();
    } finally {
      await server.stop();
    }
  });
});
