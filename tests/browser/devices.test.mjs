// People whose camera or microphone is refused or missing still get a call.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { eventually, mediaStats, newRoomUrl, person, serverAndBrowser, waitForStatus } from './harness.mjs';

/** Makes getUserMedia fail for the listed kinds with `errorName`, as a browser would. */
function refuse(kinds, errorName) {
  return ({ kinds: refused, errorName: name }) => {
    const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      if (refused.some((kind) => constraints?.[kind])) throw new DOMException('refused by the test', name);
      return original(constraints);
    };
  };
}

async function personWith(browser, name, kinds, errorName) {
  const who = await person(browser, name);
  await who.context.addInitScript(refuse(kinds, errorName), { kinds, errorName });
  return who;
}

async function openAndJoin(who, url, name) {
  await who.page.goto(url);
  await waitForStatus(who.page, 'lobby');
  await who.page.getByTestId('name-input').fill(name);
  await who.page.getByTestId('join-call').click();
}

describe('calls without a camera or microphone', { timeout: 120_000 }, () => {
  const shared = serverAndBrowser();

  async function callWith(other) {
    const ada = await person(shared.browser, 'Ada');
    const url = await newRoomUrl(shared.server.url);
    await openAndJoin(ada, url, 'Ada');
    await waitForStatus(ada.page, 'waiting');
    await openAndJoin(other, url, other.name);
    await waitForStatus(other.page, 'connected');
    await waitForStatus(ada.page, 'connected');
    return ada;
  }

  it('refused camera and microphone: a plain message, and the person still sees and hears', async () => {
    const bob = await personWith(shared.browser, 'Bob', ['audio', 'video'], 'NotAllowedError');
    await bob.page.goto(await newRoomUrl(shared.server.url));
    const message = bob.page.locator('#media-message');
    await eventually(async () => (await message.textContent()).includes('refused'), { what: 'the refusal explained' });
    assert.ok(await message.isVisible());
    await bob.context.close();

    const receiveOnly = await personWith(shared.browser, 'Cy', ['audio', 'video'], 'NotAllowedError');
    const ada = await callWith(receiveOnly);
    await eventually(async () => (await mediaStats(receiveOnly.page)).framesDecoded > 5, { what: 'Cy receiving video' });
    await eventually(async () => (await mediaStats(receiveOnly.page)).audioPackets > 5, { what: 'Cy receiving audio' });
    assert.equal(await receiveOnly.page.getByTestId('toggle-audio').isDisabled(), true);
    assert.equal(await receiveOnly.page.getByTestId('toggle-video').isDisabled(), true);
    await ada.context.close();
    await receiveOnly.context.close();
  });

  it('no camera: joins with the microphone only', async () => {
    const dee = await personWith(shared.browser, 'Dee', ['video'], 'NotFoundError');
    const ada = await callWith(dee);
    await eventually(async () => (await mediaStats(ada.page)).audioPackets > 5, { what: 'Ada hearing Dee' });
    await eventually(async () => (await mediaStats(dee.page)).framesDecoded > 5, { what: 'Dee seeing Ada' });
    assert.ok((await dee.page.locator('#media-message').textContent()).includes('camera'));
    assert.equal(await dee.page.getByTestId('toggle-audio').getAttribute('aria-pressed'), 'true');
    assert.equal(await dee.page.getByTestId('toggle-video').isDisabled(), true);
    await ada.context.close();
    await dee.context.close();
  });
});
