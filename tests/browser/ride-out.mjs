// Checks of a call that rides out trouble with its server: every page
// watched from inside (frames and audio sampled every 100 ms, every status
// shown), then, once it is over, everything a person expects: both pages
// connected again, never sent home, media never stalled, the same
// RTCPeerConnection, chat both ways, an ICE restart through the server, and
// a hang-up that reaches the other page.

import assert from 'node:assert/strict';

import { assertMediaFlows, eventually, joinBoth, mediaStats, person, status, waitForStatus } from './harness.mjs';

/**
 * Two people, Ada and Bob, in a call at `roomUrl` (or each at their own
 * address of it, in `[ada, bob]`), connected, with media flowing, watched.
 */
export async function callOfTwo(browser, roomUrl, contextOptions = {}) {
  const people = [await person(browser, 'Ada', contextOptions), await person(browser, 'Bob', contextOptions)];
  await joinBoth(people, roomUrl);
  await settle(people);
  return people;
}

/** Waits until the people who joined are connected with media flowing, and watches their pages. */
export async function settle(people) {
  for (const { page } of people) {
    await waitForStatus(page, 'connected', 30_000);
    await eventually(async () => (await mediaStats(page)).framesDecoded > 10, { what: 'frames flowing' });
    await page.evaluate(watchCall);
  }
}

/** Longest a page may go without a newly decoded frame while its call rides out the server. */
export const MAX_FRAME_GAP_MS = 1000;
export const BACK_WITHIN_MS = 30_000;

/**
 * Watches a page from inside: every 100 ms the frames decoded and audio
 * packets received by its peer connection, and every status it shows.
 */
export function watchCall() {
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
export async function watched(page, from = 0) {
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

export const sampleCount = (page) => page.evaluate(() => window.__watch.samples.length);

/**
 * The disruption `disrupt` happens to a call in progress; then everything a
 * person expects of the call is checked. `cutOff`: the people whose
 * signalling it cuts (all, by default), who must have been told so.
 */
export async function rideOut(people, disrupt, { cutOff = people } = {}) {
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
    if (cutOff.includes(people[i])) {
      assert.ok(seen.statuses.includes('reconnecting'), `${name} was told of the reconnection: ${seen.statuses}`);
    }
    assert.equal(seen.peerConnections, 1, `${name}: the same RTCPeerConnection all along`);
    assert.equal(seen.open, 1, `${name}: and it is open`);
    assert.equal(await status(page), 'connected');
  }
  await chatBothWays(ada, bob);
  await restartIce(ada, bob);
}

export async function chatBothWays(ada, bob) {
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
export async function restartIce(from, to) {
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
export async function hangUpReachesAda([ada, bob]) {
  await bob.page.getByTestId('hangup').click();
  await bob.page.waitForURL(/\/$/);
  await ada.page.waitForURL(/\/$/, { timeout: 10_000 });
  await eventually(async () => (await ada.page.getByTestId('notice').textContent()).includes('Bob ended the call'), {
    what: "Ada's notice naming Bob",
  });
}

