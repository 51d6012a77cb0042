// A person in Chromium and a person in Firefox make a real call through the
// real server, twice: once with Chromium joining first (it is in the room when
// Firefox arrives, so it receives `user-arrived` and makes the offer), once
// with Firefox joining first. Both connect, media flows both ways, chat goes
// both ways, a camera turned off is seen on the other side, and the one who
// joined first hangs up. (Headless Firefox has no screen to share: not tried.)

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resolve } from 'node:path';

import { chromiumPerson, firefoxPerson } from './drivers.mjs';
import {
  assertMediaFlows,
  eventually,
  launchBrowser,
  mediaStats,
  newRoomUrl,
  resultsDir,
  startServer,
  waitForStatus,
} from './harness.mjs';

/**
 * From `who`'s live peer connection: the type of the description it applied
 * last (`offer` for the one who offered) and whether the camera track it
 * sends is enabled (a disabled one sends black frames).
 */
const ownSide = (who) =>
  who.evaluate(() => {
    const pc = window.__test.peerConnections.filter((p) => p.connectionState !== 'closed').at(-1);
    return {
      description: pc?.currentLocalDescription?.type ?? null,
      cameraEnabled: pc?.getSenders().find((s) => s.track?.kind === 'video')?.track.enabled ?? null,
    };
  });

// The receiving track is never muted by it (black frames keep coming, in both
// browsers): the other side learns it from the page, over the data channel.
const remoteState = (who) => who.evaluate(() => document.getElementById('remote-state').textContent);

for (const first of ['Chromium', 'Firefox']) {
  describe(`a call between Chromium and Firefox, ${first} joining first (and offering)`, { timeout: 180_000 }, () => {
    let server;
    let chromium;
    // The one who joins first, and the one who joins second.
    let host;
    let guest;

    before(async () => {
      server = await startServer();
      chromium = await launchBrowser();
      const chris = await chromiumPerson(chromium, 'Chris');
      const fiona = await firefoxPerson('Fiona');
      [host, guest] = first === 'Chromium' ? [chris, fiona] : [fiona, chris];
    });

    after(async () => {
      // Everything is closed even if one of them fails to close.
      for (const thing of [host, guest, chromium]) await thing?.close().catch((err) => console.log(`closing: ${err.message}`));
      await server?.stop();
    });

    const both = () => [
      [host, guest],
      [guest, host],
    ];

    it(`${first} joins, the other arrives and joins, and both connect`, async () => {
      const roomUrl = await newRoomUrl(server.url);
      for (const who of [host, guest]) {
        await who.goto(roomUrl);
        await waitForStatus(who.page, 'lobby');
        if (who === guest) {
          await eventually(async () => (await who.text('members')).includes(host.name), { what: `${host.name} listed` });
        }
        await who.fill('name-input', who.name);
        await who.click('join-call');
        if (who === host) await waitForStatus(who.page, 'waiting');
      }
      await waitForStatus(host.page, 'connected', 30_000);
      await waitForStatus(guest.page, 'connected', 30_000);
      assert.equal((await ownSide(host)).description, 'offer', `${host.browser}, in the room first, made the offer`);
      assert.equal((await ownSide(guest)).description, 'answer', `${guest.browser} answered`);
    });

    it('video and audio flow both ways', async () => {
      for (const [, to] of both()) {
        await eventually(async () => (await mediaStats(to)).framesDecoded > 0, {
          what: `a first decoded frame in ${to.browser}`,
        });
      }
      for (const [from, to] of both()) {
        const stats = await assertMediaFlows(to);
        const size = await to.evaluate(() => {
          const video = document.querySelector('[data-testid="remote-video"]');
          return [video.videoWidth, video.videoHeight];
        });
        assert.ok(size[0] > 0 && size[1] > 0, `${from.browser}'s video plays in ${to.browser}: ${size}`);
        console.log(`${from.browser} -> ${to.browser}: ${JSON.stringify(stats)}`);
      }
      await host.screenshot(resolve(resultsDir, `${host.browser.toLowerCase()}-first-${host.browser.toLowerCase()}.png`));
      await guest.screenshot(resolve(resultsDir, `${host.browser.toLowerCase()}-first-${guest.browser.toLowerCase()}.png`));
    });

    it('chat goes both ways over the data channel', async () => {
      for (const [from, to] of both()) {
        const text = `Hello from ${from.name} in ${from.browser} <i>to</i> ${to.browser}`;
        await from.fill('chat-input', text);
        await from.click('chat-send');
        await eventually(async () => (await to.text('chat-log')).includes(text), {
          what: `the message from ${from.browser} in ${to.browser}`,
        });
        assert.ok((await from.text('chat-log')).includes(text), `the sender sees its own message too`);
      }
    });

    it('a camera turned off and on again is seen on the other side, both ways', async () => {
      for (const [from, to] of both()) {
        assert.equal(await from.attribute('toggle-video', 'aria-pressed'), 'true');
        await from.click('toggle-video');
        assert.equal(await from.attribute('toggle-video', 'aria-pressed'), 'false');
        await eventually(async () => (await remoteState(to)).includes('camera'), {
          what: `${to.browser} sees ${from.browser}'s camera off`,
        });
        assert.equal((await ownSide(from)).cameraEnabled, false, `${from.browser} sends its camera disabled`);
        await from.click('toggle-video');
        assert.equal(await from.attribute('toggle-video', 'aria-pressed'), 'true');
        assert.equal((await ownSide(from)).cameraEnabled, true);
        await eventually(async () => !(await remoteState(to)).includes('camera'), {
          what: `${to.browser} sees ${from.browser}'s camera on`,
        });
        await assertMediaFlows(to);
      }
    });

    it(`${first} hangs up: the other goes home, told who ended the call`, async () => {
      await host.click('hangup');
      const atHome = (who) => eventually(() => new URL(who.url()).pathname === '/', { what: `${who.browser} at home` });
      await atHome(host);
      await atHome(guest);
      await eventually(async () => (await guest.text('notice')).includes(`${host.name} ended the call`), {
        what: `${guest.browser}'s notice naming ${host.name}`,
      });
      assert.ok((await host.text('notice')).includes('You ended the call'));
      for (const who of [host, guest]) {
        const tracks = await who.evaluate(() => window.__test.tracks.map((t) => t.readyState));
        // The page went home without a reload (a reload would have dropped this list).
        assert.ok(tracks.length >= 2, `${who.browser}'s camera and microphone were recorded: ${tracks}`);
        assert.ok(tracks.every((s) => s === 'ended'), `${who.browser} released camera and microphone: ${tracks}`);
      }
    });
  });
}
