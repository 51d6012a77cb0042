// Debian's nginx in front of the server, configured with a site the README
// gives (so the README's configuration is the one tested), over HTTPS with a
// certificate made for the test.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { accepts, eventually, freePort, freshDir, root } from './harness.mjs';

/**
 * The README's nginx site that includes `marker`, made to listen on test
 * ports with a test certificate: every `[from, to]` of `replacements` is
 * applied, and each must be found.
 */
function siteFromReadme(marker, replacements) {
  const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
  const site = [...readme.matchAll(/```nginx\n([\s\S]*?)```/g)].map((m) => m[1]).find((s) => s.includes(marker));
  assert.ok(site, `the README gives an nginx configuration with "${marker}"`);
  return replacements.reduce((text, [from, to]) => {
    assert.ok(text.includes(from), `the README's nginx site has "${from}"`);
    return text.replaceAll(from, to);
  }, site);
}

/** A self-signed certificate for localhost and 127.0.0.1, in `dir`. */
function testCertificate(dir) {
  const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });
  return { cert, key };
}

/**
 * nginx with the README's site that includes `marker`, where
 * `upstreams(text)` gives the replacements that point it at the servers
 * under test. Resolves with `{ httpsUrl, accessLog(), stop() }` once it
 * answers on HTTPS.
 */
export async function startNginx(marker, upstreams) {
  const dir = freshDir('nginx');
  const { cert, key } = testCertificate(dir);
  const httpsPort = await freePort('tcp');
  const httpPort = await freePort('tcp');
  const site = siteFromReadme(marker, [
    ['listen 443 ssl;', `listen 127.0.0.1:${httpsPort} ssl;`],
    ['listen [::]:443 ssl;', ''],
    ['/etc/letsencrypt/live/call.example.com/fullchain.pem', cert],
    ['/etc/letsencrypt/live/call.example.com/privkey.pem', key],
    ['server_name call.example.com;', 'server_name localhost;'],
    ...upstreams({ httpPort }),
  ]);
  writeFileSync(join(dir, 'duet-site.conf'), site);
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
  const nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'inherit' });
  const httpsUrl = `https://localhost:${httpsPort}`;
  await eventually(() => accepts(httpsPort), { what: 'nginx to listen' });
  return {
    httpsUrl,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    accessLog: () => readFileSync(join(dir, 'access.log'), 'utf8'),
    async stop() {
      nginx.kill('SIGTERM');
      await once(nginx, 'exit');
    },
  };
}
