// Behind Debian's nginx, as a TLS-terminating reverse proxy configured with
// the very site configuration the README gives: pages load over HTTPS,
// Socket.IO upgrades to WebSocket through the proxy, and a call connects.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { assertMediaFlows, eventually, joinBoth, launchBrowser, mediaStats, person, startServer, waitForStatus } from './harness.mjs';
import { startNginx } from './nginx.mjs';

describe('behind nginx terminating TLS', { timeout: 120_000 }, () => {
  let server;
  let nginx;
  let browser;

  before(async () => {
    server = await startServer(['--trusted-proxy', '127.0.0.1']);
    // The README's single-server site: the one that redirects plain HTTP.
    nginx = await startNginx('return 301', ({ httpPort }) => [
      ['listen 80;', `listen 127.0.0.1:${httpPort};`],
      ['listen [::]:80;', ''],
      ['proxy_pass http://127.0.0.1:8080;', `proxy_pass http://127.0.0.1:${new URL(server.url).port};`],
    ]);
    const redirect = await fetch(`${nginx.httpUrl}/`, { redirect: 'manual' });
    assert.equal(redirect.status, 301, 'plain HTTP is sent to HTTPS');
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await nginx?.stop();
    await server?.stop();
  });

  it('serves the pages over HTTPS, with HSTS because the proxy says HTTPS', async () => {
    const ada = await person(browser, 'Ada', { ignoreHTTPSErrors: true });
    const response = await ada.page.goto(`${nginx.httpsUrl}/`);
    assert.equal(response.status(), 200);
    const headers = response.headers();
    assert.equal(headers['strict-transport-security'], 'max-age=31536000', 'X-Forwarded-Proto was trusted');
    assert.ok(headers['content-security-policy'].includes("script-src 'self'"));
    await ada.context.close();
  });

  it('a call connects through the proxy, with Socket.IO on WebSocket', async () => {
    const people = [
      await person(browser, 'Ada', { ignoreHTTPSErrors: true }),
      await person(browser, 'Bob', { ignoreHTTPSErrors: true }),
    ];
    await people[0].page.goto(`${nginx.httpsUrl}/`);
    await people[0].page.getByTestId('create-room').click();
    await people[0].page.waitForURL(/\/r\/[a-z0-9-]+\/$/);
    await joinBoth(people, people[0].page.url());
    for (const { page } of people) {
      await waitForStatus(page, 'connected', 30_000);
      await eventually(async () => (await mediaStats(page)).framesDecoded > 5, { what: 'frames' });
      await assertMediaFlows(page);
    }
    assert.match(nginx.accessLog(), /GET \/socket\.io\/\?EIO=4&transport=websocket[^"]* HTTP\/1\.1" 101/, 'WebSocket upgraded through nginx');
    for (const who of people) await who.context.close();
  });
});
