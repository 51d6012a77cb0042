// Behind Debian's nginx, as a TLS-terminating reverse proxy configured with
// the very site configuration the README gives: pages load over HTTPS,
// Socket.IO upgrades to WebSocket through the proxy, and a call connects.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  assertMediaFlows,
  eventually,
  freePort,
  joinBoth,
  launchBrowser,
  mediaStats,
  person,
  root,
  startServer,
  waitForStatus,
} from './harness.mjs';

/** The README's nginx site, made to listen on test ports with a test certificate. */
function siteFromReadme({ httpsPort, httpPort, upstreamPort, cert, key }) {
  const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
  const block = /```nginx\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'the README gives an nginx configuration');
  let site = block[1];
  for (const [from, to] of [
    ['listen 443 ssl;', `listen 127.0.0.1:${httpsPort} ssl;`],
    ['listen [::]:443 ssl;', ''],
    ['listen 80;', `listen 127.0.0.1:${httpPort};`],
    ['listen [::]:80;', ''],
    ['/etc/letsencrypt/live/call.example.com/fullchain.pem', cert],
    ['/etc/letsencrypt/live/call.example.com/privkey.pem', key],
    ['proxy_pass http://127.0.0.1:8080;', `proxy_pass http://127.0.0.1:${upstreamPort};`],
  ]) {
    assert.ok(site.includes(from), `the README's nginx site has "${from}"`);
    site = site.replaceAll(from, to);
  }
  return site.replaceAll('server_name call.example.com;', 'server_name localhost;');
}

describe('behind nginx terminating TLS', { timeout: 120_000 }, () => {
  let dir;
  let server;
  let nginx;
  let httpsPort;
  let browser;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'duet-nginx-'));
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert,
    ], { stdio: 'ignore' });
    server = await startServer(['--trusted-proxy', '127.0.0.1']);
    const upstreamPort = new URL(server.url).port;
    httpsPort = await freePort('tcp');
    const httpPort = await freePort('tcp');
    writeFileSync(join(dir, 'duet-site.conf'), siteFromReadme({ httpsPort, httpPort, upstreamPort, cert, key }));
    writeFileSync(
      join(dir, 'nginx.conf'),
      `user root;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  include ${dir}/duet-site.conf;
}
`,
    );
    nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'inherit' });
    await eventually(
      async () => {
        try {
          const response = await fetch(`http://127.0.0.1:${httpPort}/`, { redirect: 'manual' });
          return response.status === 301;
        } catch {
          return false;
        }
      },
      { what: 'nginx to listen' },
    );
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    if (nginx) {
      nginx.kill('SIGTERM');
      await once(nginx, 'exit');
    }
    await server?.stop();
  });

  it('serves the pages over HTTPS, with HSTS because the proxy says HTTPS', async () => {
    const ada = await person(browser, 'Ada', { ignoreHTTPSErrors: true });
    const response = await ada.page.goto(`https://localhost:${httpsPort}/`);
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
    await people[0].page.goto(`https://localhost:${httpsPort}/`);
    await people[0].page.getByTestId('create-room').click();
    await people[0].page.waitForURL(/\/r\/[a-z0-9-]+\/$/);
    await joinBoth(people, people[0].page.url());
    for (const { page } of people) {
      await waitForStatus(page, 'connected', 30_000);
      await eventually(async () => (await mediaStats(page)).framesDecoded > 5, { what: 'frames' });
      await assertMediaFlows(page);
    }
    const log = readFileSync(join(dir, 'access.log'), 'utf8');
    assert.match(log, /GET \/socket\.io\/\?EIO=4&transport=websocket[^"]* HTTP\/1\.1" 101/, 'WebSocket upgraded through nginx');
    for (const who of people) await who.context.close();
  });
});
