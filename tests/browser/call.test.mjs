// Two people, in two separate browser contexts, make a real call through the
// real server; a third is turned away; the signalling connection is cut and
// the call goes on; one hangs up.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resolve } from 'node:path';

import {
  assertMediaFlows,
  eventually,
  launchBrowser,
  mediaStats,
  person,
  resultsDir,
  startProxy,
  startServer,
  waitForStatus,
} from './harness.mjs';

describe('a call between two browsers', { timeout: 240_000 }, () => {
  let server;
  let browser;
  let proxy;
  let ada;
  let bob;
  let roomUrl;
  let roomId;

  before(async () => {
    server = await startServer(['--reconnect-grace', '8s']);
    proxy = await startProxy(server.url);
    browser = await launchBrowser();
    ada = await person(browser, 'Ada');
    bob = await person(browser, 'Bob');
  });

  after(async () => {
    await browser?.close();
    proxy?.close();
    await server?.stop();
  });

  const members = async () => (await (await fetch(`${server.url}/api/rooms/${roomId}`)).json()).members;

  it('Ada creates a room, previews her camera and joins', async () => {
    await ada.page.goto(server.url);
    await ada.page.getByTestId('create-room').click();
    await ada.page.waitForURL(/\/r\/[a-z0-9-]+\/$/);
    roomUrl = ada.page.url();
    roomId = new URL(roomUrl).pathname.split('/')[2];
    await waitForStatus(ada.page, 'lobby');
    await eventually(
      () => ada.page.getByTestId('local-video').evaluate((v) => v.srcObject?.getVideoTracks().length > 0 && v.videoWidth > 0),
      { what: 'camera preview' },
    );
    const qr = ada.page.locator('img.qr');
    await eventually(() => qr.evaluate((img) => img.complete && img.naturalWidth > 0), { what: 'the invite QR code' });
    // By keyboard: type the name and press Enter.
    await ada.page.getByTestId('name-input').focus();
    await ada.page.keyboard.type('Ada');
    await ada.page.keyboard.press('Enter');
    await waitForStatus(ada.page, 'waiting');
  });

  it('Bob opens the invite link, sees Ada, joins, and both get each other\'s media', async () => {
    // Bob reaches the server through a proxy that a later test cuts.
    await bob.page.goto(roomUrl.replace(server.url, proxy.url));
    await eventually(async () => (await bob.page.getByTestId('members').textContent()).includes('Ada'), {
      what: 'Ada in the member list',
    });
    await bob.page.getByTestId('name-input').fill('Bob');
    await bob.page.screenshot({ path: resolve(resultsDir, 'lobby.png') });
    const clicked = Date.now();
    await bob.page.getByTestId('join-call').click();

    const firstFrame = (page) =>
      eventually(async () => ((await mediaStats(page)).framesDecoded > 0 ? Date.now() : 0), {
        what: 'a first decoded frame',
      });
    const [adaFrame, bobFrame] = await Promise.all([firstFrame(ada.page), firstFrame(bob.page)]);
    const setupMs = Math.max(adaFrame, bobFrame) - clicked;
    console.log(`call set-up time (Bob clicks join -> first decoded remote frame on both sides): ${setupMs} ms`);

    await waitForStatus(ada.page, 'connected');
    await waitForStatus(bob.page, 'connected');
    for (const { page } of [ada, bob]) {
      await assertMediaFlows(page);
      const size = await page.getByTestId('remote-video').evaluate((v) => [v.videoWidth, v.videoHeight]);
      assert.ok(size[0] > 0 && size[1] > 0, `remote video has a size: ${size}`);
    }
    await ada.page.screenshot({ path: resolve(resultsDir, 'connected-call.png') });
    await bob.page.setViewportSize({ width: 390, height: 844 });
    await bob.page.screenshot({ path: resolve(resultsDir, 'connected-call-phone.png') });
    await bob.page.setViewportSize({ width: 1280, height: 800 });
  });

  it('chat goes from Ada to Bob over the data channel, as text', async () => {
    const text = 'Hello <b>Bob</b> & welcome';
    await ada.page.getByTestId('chat-input').fill(text);
    await ada.page.getByTestId('chat-send').click();
    await eventually(async () => (await bob.page.getByTestId('chat-log').textContent()).includes(text), {
      what: 'the message at Bob',
    });
    assert.equal(await bob.page.getByTestId('chat-log').locator('b').count(), 0, 'not interpreted as HTML');
    assert.ok((await ada.page.getByTestId('chat-log').textContent()).includes(text));
  });

  it('the microphone and camera toggles change aria-pressed, and Bob sees it', async () => {
    const remoteState = () => bob.page.locator('#remote-state').textContent();
    for (const [hook, word] of [['toggle-audio', 'microphone'], ['toggle-video', 'camera']]) {
      const toggle = ada.page.getByTestId(hook);
      assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
      await toggle.click();
      assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
      await eventually(async () => (await remoteState()).includes(word), { what: `Bob sees Ada's ${word} off` });
      await toggle.click();
      assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
      await eventually(async () => !(await remoteState()).includes(word), { what: `Bob sees Ada's ${word} on` });
    }
    await assertMediaFlows(bob.page);
  });

  it('screen sharing replaces the camera track, and frames keep arriving', async () => {
    const sentVideo = () =>
      ada.page.evaluate(() => {
        const pc = window.__test.peerConnections.filter((p) => p.connectionState !== 'closed').at(-1);
        const sender = pc.getSenders().find((s) => s.track?.kind === 'video');
        return sender?.track?.id ?? null;
      });
    const cameraTrack = await sentVideo();
    const share = ada.page.getByTestId('share-screen');
    await share.click();
    await eventually(async () => (await share.getAttribute('aria-pressed')) === 'true', { what: 'sharing on' });
    const screenTrack = await sentVideo();
    assert.notEqual(screenTrack, cameraTrack, 'the screen replaced the camera');
    const screenKind = await ada.page.evaluate(
      (id) => window.__test.tracks.find((t) => t.id === id)?.getSettings().displaySurface ?? 'screen',
      screenTrack,
    );
    assert.ok(screenKind, 'a display capture track');
    await assertMediaFlows(bob.page, { window: 2000 });

    await share.click();
    await eventually(async () => (await share.getAttribute('aria-pressed')) === 'false', { what: 'sharing off' });
    await eventually(async () => (await sentVideo()) === cameraTrack, { what: 'the camera sent again' });
    await assertMediaFlows(bob.page);
  });

  it('switching the camera mid-call replaces the track being sent', async () => {
    const sentVideo = () =>
      ada.page.evaluate(() => {
        const pc = window.__test.peerConnections.filter((p) => p.connectionState !== 'closed').at(-1);
        return pc.getSenders().find((s) => s.track?.kind === 'video')?.track?.id ?? null;
      });
    const before = await sentVideo();
    const camera = ada.page.getByTestId('camera-select');
    const choice = await camera.evaluate((select) => select.options[select.options.length - 1].value);
    // The lobby's device choice is also offered in the call (by the same control).
    await camera.evaluate((select, value) => {
      select.value = value;
      select.dispatchEvent(new Event('change'));
    }, choice);
    await eventually(async () => (await sentVideo()) !== before, { what: 'a new camera track sent' });
    await assertMediaFlows(bob.page);
  });

  it('a third person is told the room is full', async () => {
    const eve = await person(browser, 'Eve');
    await eve.page.goto(roomUrl);
    await eventually(async () => {
      const list = await eve.page.getByTestId('members').textContent();
      return list.includes('Ada') && list.includes('Bob');
    }, { what: 'both members listed' });
    await eve.page.getByTestId('name-input').fill('Eve');
    await eve.page.getByTestId('join-call').click();
    await waitForStatus(eve.page, 'full');
    assert.equal((await members()).length, 2);
    await eve.context.close();
    await assertMediaFlows(ada.page);
  });

  it('when Bob\'s signalling connection is cut, the call goes on in the same seat', async () => {
    const seatsBefore = (await members()).map((m) => m.peer_id);
    proxy.cut();
    await waitForStatus(bob.page, 'reconnecting', 5000);
    // The media does not need the server.
    await assertMediaFlows(bob.page);
    await waitForStatus(bob.page, 'connected');
    await assertMediaFlows(bob.page);
    await assertMediaFlows(ada.page);
    assert.deepEqual((await members()).map((m) => m.peer_id), seatsBefore, 'same seats');
  });

  it('a reload within the grace takes the same seat back and the call recovers', async () => {
    const seatsBefore = (await members()).map((m) => m.peer_id);
    await bob.page.reload();
    await waitForStatus(bob.page, 'connected', 30_000);
    await eventually(async () => (await mediaStats(bob.page)).framesDecoded > 0, { what: 'frames after reload' });
    await assertMediaFlows(bob.page);
    await eventually(async () => {
      try {
        await assertMediaFlows(ada.page, { window: 500 });
        return true;
      } catch {
        return false;
      }
    }, { what: 'Ada receiving the reloaded Bob' });
    assert.deepEqual((await members()).map((m) => m.peer_id), seatsBefore, 'same seats');
  });

  it('Bob hangs up: Ada goes home, told Bob ended the call, with her camera and microphone released', async () => {
    await bob.page.getByTestId('hangup').click();
    await bob.page.waitForURL(/\/$/);
    await ada.page.waitForURL(/\/$/);
    const notice = ada.page.getByTestId('notice');
    await eventually(async () => (await notice.textContent()).includes('Bob'), { what: 'a notice naming Bob' });
    const tracks = await ada.page.evaluate(() => window.__test.tracks.map((t) => t.readyState));
    assert.ok(tracks.length >= 2, `Ada's tracks were recorded: ${tracks}`);
    assert.ok(tracks.every((s) => s === 'ended'), `all of Ada's tracks ended: ${tracks}`);
    const bobTracks = await bob.page.evaluate(() => window.__test.tracks.map((t) => t.readyState));
    assert.ok(bobTracks.every((s) => s === 'ended'), `all of Bob's tracks ended: ${bobTracks}`);
    assert.ok((await bob.page.getByTestId('notice').textContent()).includes('You ended the call'));
    await ada.page.screenshot({ path: resolve(resultsDir, 'home-after-call.png') });
    assert.equal((await members()).length, 0);
  });
});
