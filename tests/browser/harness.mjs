// The pieces every browser test needs: the real server binary on a random
// port, headless Chromium with a fake camera and microphone, instrumentation
// to read WebRTC statistics, and a TCP proxy that can cut connections.
// (Firefox, driven through puppeteer, is in drivers.mjs.)

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '../..');
export const resultsDir = resolve(root, 'target/browser-results');
mkdirSync(resultsDir, { recursive: true });

const SERVER_BINARY = process.env.DUET_BIN ?? resolve(root, 'target/debug/duet');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/**
 * Starts the server binary with `args` (listening on `listen`, run through
 * `wrap`, e.g. `ip netns exec NAME`, keeping its secrets in `stateDir`, a
 * fresh directory by default); resolves once it prints its address.
 * `stop()` asks it to stop (SIGTERM), `kill()` kills it (SIGKILL).
 */
export async function startServer(args = [], { listen = '127.0.0.1:0', wrap = [], stateDir = freshDir('state') } = {}) {
  const command = [...wrap, SERVER_BINARY, '--listen', listen, '--state-dir', stateDir, '--log-level', 'warn', ...args];
  const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 15_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /open (https?:\/\/\S+?)\/? in a browser/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
  const ending = (signal) => async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      await once(child, 'exit');
    }
  };
  return { url, stateDir, stop: ending('SIGTERM'), kill: ending('SIGKILL') };
}

/** Whether something accepts TCP connections on `port` of 127.0.0.1. */
export function accepts(port) {
  return new Promise((answer) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      answer(true);
    });
    socket.once('error', () => answer(false));
  });
}

/** Debian's redis-server on a free port, keeping nothing on disk: `{ url, stop() }`. */
export async function startRedis() {
  const port = await freePort('tcp');
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    cwd: freshDir('redis'),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await eventually(() => accepts(port), { what: 'redis-server to listen' });
  return {
    url: `redis://127.0.0.1:${port}/0`,
    async stop() {
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}

/** A new empty directory under the system's temporary directory. */
export function freshDir(what) {
  return mkdtempSync(join(tmpdir(), `duet-${what}-`));
}

/**
 * A server that can be stopped and started again on the same port with the
 * same state directory, as a service manager would: `stop()`/`kill()` end
 * the running one, `start()` starts the next (`start({ lostState: true })`:
 * with a new state directory, as if the old one had been lost).
 */
export async function restartableServer(args = []) {
  const listen = `127.0.0.1:${await freePort('tcp')}`;
  let stateDir = freshDir('state');
  let current = null;
  const handle = {
    url: `http://${listen}`,
    async start({ lostState = false } = {}) {
      if (lostState) stateDir = freshDir('state');
      current = await startServer(args, { listen, stateDir });
    },
    stop: () => current.stop(),
    kill: () => current.kill(),
  };
  await handle.start();
  return handle;
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--auto-select-desktop-capture-source=Entire screen',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];

export async function launchBrowser(extraArgs = [], executablePath = CHROMIUM) {
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

export { CHROMIUM };

/**
 * A server (started with `args`) and a Chromium shared by the tests of the
 * describe block this is called in, stopped after them; read `.server` and
 * `.browser` in the tests.
 */
export function serverAndBrowser(args = []) {
  const shared = { server: null, browser: null };
  before(async () => {
    shared.server = await startServer(args);
    shared.browser = await launchBrowser();
  });
  after(async () => {
    await shared.browser?.close();
    await shared.server?.stop();
  });
  return shared;
}

/**
 * Test-only instrumentation, injected before the page's own scripts: keeps
 * every peer connection and every captured track where the test can read them.
 * Runs in the page, in Chromium and in Firefox alike.
 */
export function instrument() {
  const peerConnections = [];
  const tracks = [];
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      peerConnections.push(this);
    }
  };
  // Only secure contexts have mediaDevices (not the about:blank a browser starts with).
  for (const name of navigator.mediaDevices ? ['getUserMedia', 'getDisplayMedia'] : []) {
    const original = navigator.mediaDevices[name].bind(navigator.mediaDevices);
    navigator.mediaDevices[name] = async (...args) => {
      const stream = await original(...args);
      tracks.push(...stream.getTracks());
      return stream;
    };
  }
  Object.defineProperty(window, '__test', { value: { peerConnections, tracks } });
}

/** A person: their own browser context (storage, permissions) and page. */
export async function person(browser, name, contextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...contextOptions });
  await context.addInitScript(instrument);
  const page = await context.newPage();
  forwardConsole(page, name);
  return { name, context, page };
}

/**
 * Prints the errors and warnings of `page` (a Playwright or a puppeteer page:
 * Playwright says `warning`, puppeteer `warn`) and its uncaught exceptions to
 * the test log, each line starting with `[name]`.
 */
export function forwardConsole(page, name) {
  page.on('console', (message) => {
    if (['error', 'warning', 'warn'].includes(message.type())) console.log(`[${name}] ${message.text()}`);
  });
  page.on('pageerror', (error) => console.log(`[${name}] page error: ${error.message}`));
}

/**
 * Inbound video frames decoded, inbound audio packets and the selected ICE
 * pair, from the live peer connection. `page` is anything that evaluates a
 * function in the page with `evaluate(fn)`: a Playwright page, a puppeteer
 * page, a person of drivers.mjs.
 */
export async function mediaStats(page) {
  return page.evaluate(async () => {
    const pc = window.__test.peerConnections.filter((p) => p.connectionState !== 'closed').at(-1);
    if (!pc) return { framesDecoded: 0, audioPackets: 0, frameWidth: 0 };
    const report = await pc.getStats();
    const result = { framesDecoded: 0, audioPackets: 0, frameWidth: 0, localType: null, remoteType: null, localPort: null };
    let pairId = null;
    report.forEach((stat) => {
      if (stat.type === 'inbound-rtp' && stat.kind === 'video') {
        result.framesDecoded += stat.framesDecoded ?? 0;
        result.frameWidth = Math.max(result.frameWidth, stat.frameWidth ?? 0);
      }
      if (stat.type === 'inbound-rtp' && stat.kind === 'audio') result.audioPackets += stat.packetsReceived ?? 0;
      if (stat.type === 'transport' && stat.selectedCandidatePairId) pairId = stat.selectedCandidatePairId;
    });
    const pair = pairId && report.get(pairId);
    if (pair) {
      result.localType = report.get(pair.localCandidateId)?.candidateType ?? null;
      result.localPort = report.get(pair.localCandidateId)?.port ?? null;
      result.remoteAddress = report.get(pair.remoteCandidateId)?.address ?? null;
      result.remoteType = report.get(pair.remoteCandidateId)?.candidateType ?? null;
    }
    return result;
  });
}

/** Waits until `check()` resolves truthy, polling. */
export async function eventually(check, { timeout = 20_000, interval = 200, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last;
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** Waits until media flows into `page` again (after an outage that may stall it for a while). */
export async function mediaFlowsAgain(page, { timeout = 20_000, what = 'media flowing again' } = {}) {
  await eventually(
    async () => {
      try {
        await assertMediaFlows(page, { window: 1000 });
        return true;
      } catch {
        return false;
      }
    },
    { timeout, what },
  );
}

/** A new room on `serverUrl`; its call page's address as seen through `via` (a proxy), by default the server itself. */
export async function newRoomUrl(serverUrl, via = serverUrl) {
  const response = await fetch(`${serverUrl}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  return `${via}${(await response.json()).url}`;
}

/** Asserts that media keeps flowing into `page` (as for `mediaStats`): decoded video frames and audio packets both grow. */
export async function assertMediaFlows(page, { window = 1500 } = {}) {
  const before = await mediaStats(page);
  await new Promise((r) => setTimeout(r, window));
  const after = await mediaStats(page);
  if (!(after.framesDecoded > before.framesDecoded)) {
    throw new Error(`video frames stopped: ${before.framesDecoded} -> ${after.framesDecoded}`);
  }
  if (!(after.audioPackets > before.audioPackets)) {
    throw new Error(`audio packets stopped: ${before.audioPackets} -> ${after.audioPackets}`);
  }
  return after;
}

export const status = (page) => page.getByTestId('call-status').getAttribute('data-state');

/** Waits until the call status of `page` (Playwright's or puppeteer's: both have `waitForSelector`) is `state`. */
export async function waitForStatus(page, state, timeout = 20_000) {
  await page.waitForSelector(`[data-testid="call-status"][data-state="${state}"]`, { timeout });
}

/**
 * A TCP proxy in front of the server. `cut()` drops every connection through
 * it, as a network blip would; new connections pass again at once. `block()`
 * drops them and refuses new ones until `unblock()`, as a longer outage does.
 */
export async function startProxy(targetUrl) {
  const target = new URL(targetUrl);
  const open = new Set();
  let blocked = false;
  const server = net.createServer((client) => {
    if (blocked) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port), target.hostname);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    cut() {
      for (const socket of open) socket.destroy();
      open.clear();
    },
    block() {
      blocked = true;
      this.cut();
    },
    unblock() {
      blocked = false;
    },
    close() {
      server.close();
      this.cut();
    },
  };
}

/** A free port (TCP or UDP), as the kernel hands one out. */
export async function freePort(kind = 'udp') {
  if (kind === 'udp') {
    const dgram = await import('node:dgram');
    const socket = dgram.createSocket('udp4');
    await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const { port } = socket.address();
    socket.close();
    return port;
  }
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

/**
 * Debian's coturn, configured as the README says for `--turn-url`: the TURN
 * REST API with a shared secret. Loopback peers are allowed because both
 * browsers run on this machine.
 */
export async function startCoturn({ secret, relayPorts = [43000, 43999] }) {
  const port = await freePort('udp');
  const child = spawn(
    'turnserver',
    [
      '-n',
      '--listening-ip=127.0.0.1',
      `--listening-port=${port}`,
      '--relay-ip=127.0.0.1',
      `--min-port=${relayPorts[0]}`,
      `--max-port=${relayPorts[1]}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=duet',
      '--fingerprint',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--allow-loopback-peers',
      '--log-file=stdout',
      '--simple-log',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout.on('data', (chunk) => {
    log += chunk;
  });
  child.stderr.on('data', (chunk) => {
    log += chunk;
  });
  await eventually(() => /listener opened on|Total General servers/i.test(log) || null, {
    timeout: 10_000,
    what: 'coturn listening',
  }).catch((err) => {
    throw new Error(`${err.message}\n${log}`);
  });
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    log: () => log,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** Both people open `roomUrl` (or each their own, from a list), tick "always relay" if asked, and join. */
export async function joinBoth(people, roomUrl, { relayOnly = false } = {}) {
  for (const [i, who] of people.entries()) {
    await who.page.goto(Array.isArray(roomUrl) ? roomUrl[i] : roomUrl);
    await waitForStatus(who.page, 'lobby');
    if (relayOnly) await who.page.getByTestId('relay-only').check();
    await who.page.getByTestId('name-input').fill(who.name);
    await who.page.getByTestId('join-call').click();
  }
}
