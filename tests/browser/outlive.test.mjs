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
  status,
  waitForStatus,
} from './harness.mjs';

/** Longest a page may go without a newly decoded frame while its call rides out the server. */
const MAX_FRAME_GAP_MS = 1000;
const BACK_WITHIN_MS = 30_000;

/**
 * Watches a page from inside: every 100 ms the frames decoded and audio
 * packets received by its peer connection, and every status it shows.
 */
function watchCall() {
  const samples = [];
  const statuses = [];
  const statusLine = document.querySelector('[data-testid="call-status"]');
  statuses.push(statusLine.dataset.state);
  new MutationObserver(() => statuses.push(statusLine.dataset.state)).observe(statusLine, {
    attributes: true,
    attributeFilter: ['data-state'],
  });
  setInterval(async () => {
    const pc = window.__test.peerConnections.at(-1);
    if (!pc || pc.connectionState === 'closed') return;
    let frames = 0;
    let audio = 0;
    (await pc.getStats()).forEach((stat) => {
      if (stat.type === 'inbound-rtp' && stat.kind === 'video') frames += stat.framesDecoded ?? 0;
      if (stat.type === 'inbound-rtp' && stat.kind === 'audio') audio += stat.packetsReceived ?? 0;
    });
    samples.push({ at: performance.now(), frames, audio, path: location.pathname });
  }, 100);
  window.__watch = { samples, statuses };
}

/** What the watch saw since sample `from`: the longest time without a new frame, and the same for audio. */
async function watched(page, from = 0) {
  return page.evaluate((start) => {
    const { samples, statuses } = window.__watch;
    const longestStall = (key) => {
      const seen = samples.slice(start);
      let longest = 0;
      let lastRise = seen[0]?.at ?? 0;
      for (let i = 1; i < seen.length; i += 1) {
        if (seen[i][key] > seen[i - 1][key]) lastRise = seen[i].at;
        longest = Math.max(longest, seen[i].at - lastRise);
      }
      return Math.round(longest);
    };
    return {
      samples: samples.length - start,
      frameGap: longestStall('frames'),
      audioGap: longestStall('audio'),
      paths: [...new Set(samples.slice(start).map((s) => s.path))],
      statuses: [...statuses],
      peerConnections: window.__test.peerConnections.length,
      open: window.__test.peerConnections.filter((pc) => pc.connectionState !== 'closed').length,
    };
  }, from);
}

const sampleCount = (page) => page.evaluate(() => window.__watch.samples.length);

/** Two people in a call at `roomUrl`, connected, with media flowing, watched. */
async function callOfTwo(browser, roomUrl) {
  const people = [await person(browser, 'Ada'), await person(browser, 'Bob')];
  await joinBoth(people, roomUrl);
  for (const { page } of people) {
    await waitForStatus(page, 'connected', 30_000);
    await eventually(async () => (await mediaStats(page)).framesDecoded > 10, { what: 'frames flowing' });
    await page.evaluate(watchCall);
  }
  return people;
}

/**
 * The disruption `disrupt` happens to a call in progress; then everything a
 * person expects of the call is checked.
 */
async function rideOut(people, disrupt) {
  const [ada, bob] = people;
  const starts = await Promise.all(people.map(({ page }) => sampleCount(page)));
  const began = Date.now();
  await disrupt();
  for (const { page } of people) await waitForStatus(page, 'connected', BACK_WITHIN_MS);
  const back = Date.now() - began;
  // Media kept flowing; keep watching a little longer after the return.
  for (const { page } of people) await assertMediaFlows(page);
  for (const [i, { page, name }] of people.entries()) {
    const seen = await watched(page, starts[i]);
    console.log(`${name}: connected again ${back} ms after the disruption began; longest stall: video ${seen.frameGap} ms, audio ${seen.audioGap} ms`);
    assert.ok(seen.samples > 10, `${name}: the watch kept sampling (${seen.samples})`);
    assert.ok(seen.frameGap <= MAX_FRAME_GAP_MS, `${name}: frames stalled for ${seen.frameGap} ms`);
    assert.ok(seen.audioGap <= MAX_FRAME_GAP_MS, `${name}: audio stalled for ${seen.audioGap} ms`);
    assert.deepEqual(seen.paths.filter((p) => !p.startsWith('/r/')), [], `${name} never went home`);
    assert.ok(!seen.statuses.includes('ended'), `${name} never saw the call end: ${seen.statuses}`);
    assert.ok(seen.statuses.includes('reconnecting'), `${name} was told of the reconnection: ${seen.statuses}`);
    assert.equal(seen.peerConnections, 1, `${name}: the same RTCPeerConnection all along`);
    assert.equal(seen.open, 1, `${name}: and it is open`);
    assert.equal(await status(page), 'connected');
  }
  await chatBothWays(ada, bob);
  await restartIce(ada, bob);
}

async function chatBothWays(ada, bob) {
  for (const [from, to] of [[ada, bob], [bob, ada]]) {
    const text = `still here, says ${from.name} at ${Date.now()}`;
    await from.page.getByTestId('chat-input').fill(text);
    await from.page.getByTestId('chat-send').click();
    await eventually(async () => (await to.page.getByTestId('chat-log').textContent()).includes(text), {
      what: `${from.name}'s message at ${to.name}`,
    });
  }
}

/** An ICE restart started by `from`: its offer and the answer go through the (restarted) server. */
async function restartIce(from, to) {
  const ufrags = (page) =>
    page.evaluate(() => {
      const pc = window.__test.peerConnections.at(-1);
      const ufrag = (sdp) => /a=ice-ufrag:(\S+)/.exec(sdp ?? '')?.[1];
      return { local: ufrag(pc.localDescription?.sdp), remote: ufrag(pc.remoteDescription?.sdp), state: pc.signalingState };
    });
  const before = await ufrags(from.page);
  await from.page.evaluate(() => window.__test.peerConnections.at(-1).restartIce());
  await eventually(
    async () => {
      const now = await ufrags(from.page);
      return now.state === 'stable' && now.local !== before.local && now.remote !== before.remote;
    },
    { what: `${from.name}'s ICE restart answered through the server` },
  );
  const theirs = await ufrags(to.page);
  assert.equal(theirs.remote, (await ufrags(from.page)).local, `${to.name} took the restarted offer`);
  for (const { page } of [from, to]) {
    await waitForStatus(page, 'connected', 15_000);
    await assertMediaFlows(page);
  }
}

/** Bob hangs up; Ada goes home told that Bob ended the call. */
async function hangUpReachesAda([ada, bob]) {
  await bob.page.getByTestId('hangup').click();
  await bob.page.waitForURL(/\/$/);
  await ada.page.waitForURL(/\/$/, { timeout: 10_000 });
  await eventually(async () => (await ada.page.getByTestId('notice').textContent()).includes('Bob ended the call'), {
    what: "Ada's notice naming Bob",
  });
}

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
