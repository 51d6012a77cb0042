// A call outlives its server. Two people in a call (media straight between
// their browsers) while the server is killed and started again, stopped for
// a deploy, or cut off for longer or shorter than the reconnect grace. After
// each: both pages connected again, never sent home, frames decoding all
// along in the same RTCPeerConnection, chat both ways, an ICE restart
// through the server, and a hang-up that reaches the other page.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  assertMediaFlows,
  eventually,
  freePort,
  joinBoth,
  launchBrowser,
  mediaFlowsAgain,
  mediaStats,
  newRoomUrl,
  person,
  restartableServer,
  startProxy,
  startServer,
  waitForStatus,
} from './harness.mjs';
import { BACK_WITHIN_MS, callOfTwo, chatBothWays, hangUpReachesAda, rideOut, watched } from './ride-out.mjs';

describe('a call outlives its server', { timeout: 600_000 }, () => {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  /** Runs `scenario(server, people)` on a fresh restartable server with a call in progress. */
  async function withCall(args, scenario) {
    const server = await restartableServer(args);
    const people = await callOfTwo(browser, await newRoomUrl(server.url));
    try {
      await scenario(server, people);
    } finally {
      for (const { context } of people) await context.close();
      await server.stop();
    }
  }

  it('kill -9, then started again on the same port 2 s later', async () => {
    await withCall([], async (server, people) => {
      await rideOut(people, async () => {
        await server.kill();
        for (const { page } of people) await waitForStatus(page, 'reconnecting', 5000);
        await new Promise((r) => setTimeout(r, 2000));
        await server.start();
      });
      await hangUpReachesAda(people);
    });
  });

  it('SIGTERM (a deploy), then started again at once', async () => {
    await withCall([], async (server, people) => {
      await rideOut(people, async () => {
        await server.stop();
        await server.start();
      });
      await hangUpReachesAda(people);
    });
  });

  /** Runs `scenario(server, proxy, people)` with a call whose pages reach the server through a proxy. */
  async function withProxiedCall(args, scenario) {
    const server = await startServer(args);
    const proxy = await startProxy(server.url);
    const people = await callOfTwo(browser, await newRoomUrl(server.url, proxy.url));
    try {
      await scenario(server, proxy, people);
    } finally {
      for (const { context } of people) await context.close();
      proxy.close();
      await server.stop();
    }
  }

  it('the signalling cut for longer than the reconnect grace', async () => {
    await withProxiedCall(['--reconnect-grace', '3s'], async (server, proxy, people) => {
      await rideOut(people, async () => {
        proxy.block();
        // Past the grace: the server frees both seats and forgets who sat there.
        await eventually(async () => /^\S*peers 0$/m.test(await (await fetch(`${server.url}/metrics`)).text()), {
          what: 'both seats freed',
          timeout: 15_000,
        });
        await new Promise((r) => setTimeout(r, 3000));
        proxy.unblock();
      });
      await hangUpReachesAda(people);
    });
  });

  it('the signalling cut for less than the reconnect grace', async () => {
    await withProxiedCall(['--reconnect-grace', '20s'], async (server, proxy, people) => {
      await rideOut(people, async () => {
        proxy.block();
        for (const { page } of people) await waitForStatus(page, 'reconnecting', 5000);
        await new Promise((r) => setTimeout(r, 3000));
        proxy.unblock();
      });
      await hangUpReachesAda(people);
    });
  });

  it('a page reloaded after the server restarted takes its seat back and the call connects again', async () => {
    await withCall([], async (server, people) => {
      const [ada, bob] = people;
      await server.kill();
      await server.start();
      for (const { page } of people) await waitForStatus(page, 'connected', BACK_WITHIN_MS);
      await bob.page.reload();
      for (const { page } of people) {
        await waitForStatus(page, 'connected', BACK_WITHIN_MS);
        await mediaFlowsAgain(page, { what: 'media both ways after the reload' });
      }
      await chatBothWays(ada, bob);
      await hangUpReachesAda(people);
    });
  });

  it('a server that lost its state: the pages sit down again and the call goes on in a new connection', async () => {
    await withCall([], async (server, people) => {
      const [ada, bob] = people;
      await server.kill();
      await server.start({ lostState: true });
      for (const { page } of people) {
        await eventually(
          async () => (await page.evaluate(() => window.__test.peerConnections.length)) === 2,
          { what: 'a new peer connection', timeout: BACK_WITHIN_MS },
        );
        await waitForStatus(page, 'connected', BACK_WITHIN_MS);
        await eventually(async () => (await mediaStats(page)).framesDecoded > 10, { what: 'frames again' });
        await assertMediaFlows(page);
        const seen = await watched(page);
        assert.ok(!seen.statuses.includes('ended'), `never ended: ${seen.statuses}`);
      }
      await chatBothWays(ada, bob);
      await hangUpReachesAda(people);
    });
  });

  it('a hang-up while the server is down still reaches the other page', async () => {
    await withCall([], async (server, people) => {
      await server.kill();
      for (const { page } of people) await waitForStatus(page, 'reconnecting', 5000);
      await hangUpReachesAda(people);
    });
  });

  it('a call relayed through the built-in TURN server survives a restart of the server', async () => {
    const turnPort = await freePort('udp');
    const args = ['--turn', '--turn-listen', `127.0.0.1:${turnPort}`, '--turn-relay-ports', '44000-44999'];
    const server = await restartableServer(args);
    const people = [await person(browser, 'Ada'), await person(browser, 'Bob')];
    try {
      await joinBoth(people, await newRoomUrl(server.url), { relayOnly: true });
      const relayed = async (page) => {
        const stats = await mediaStats(page);
        return stats.localType === 'relay' && stats.remoteType === 'relay' ? stats : null;
      };
      for (const { page } of people) {
        await waitForStatus(page, 'connected', 30_000);
        await eventually(() => relayed(page), { what: 'a relayed pair' });
        await assertMediaFlows(page);
      }
      await server.kill();
      await server.start();
      // The relays died with the server: the pages take fresh credentials
      // from their rejoin and restart ICE onto new relays.
      for (const { page } of people) {
        await waitForStatus(page, 'connected', 45_000);
        await eventually(() => relayed(page), { what: 'relayed again', timeout: 45_000 });
        await mediaFlowsAgain(page, { what: 'media relayed again after the restart', timeout: 45_000 });
        assert.equal(await page.evaluate(() => window.__test.peerConnections.length), 1, 'the same RTCPeerConnection');
      }
      await hangUpReachesAda(people);
    } finally {
      for (const { context } of people) await context.close();
      await server.stop();
    }
  });
});
