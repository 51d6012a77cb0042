// Two servers sharing their rooms through a real Redis: a call between two
// people on different servers, and a call that goes on when the server of
// one of them is killed: the page reconnects through nginx (the README's
// configuration for several servers) to the other server and takes its seat
// back there.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  assertMediaFlows,
  eventually,
  joinBoth,
  launchBrowser,
  newRoomUrl,
  person,
  startRedis,
  startServer,
} from './harness.mjs';
import { startNginx } from './nginx.mjs';
import { callOfTwo, chatBothWays, hangUpReachesAda, rideOut, settle } from './ride-out.mjs';

const REJOIN_SECRET = 'the rejoin secret both servers share';
const TURN_SECRET = 'the TURN secret both servers share';

/** How many Socket.IO connections a server holds, from its own `/metrics`. */
async function connections(server) {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^\S*connections (\d+)$/m.exec(text)?.[1] ?? 0);
}

describe('two servers sharing the rooms through Redis', { timeout: 240_000 }, () => {
  let redis;
  let servers;
  let nginx;
  let browser;

  before(async () => {
    redis = await startRedis();
    const shared = ['--redis-url', redis.url, '--rejoin-secret', REJOIN_SECRET, '--turn-secret', TURN_SECRET];
    servers = [];
    for (let i = 0; i < 2; i += 1) servers.push(await startServer([...shared, '--trusted-proxy', '127.0.0.1']));
    const ports = servers.map((server) => new URL(server.url).port);
    nginx = await startNginx('upstream duet', () => [
      ['server 127.0.0.1:8080 ', `server 127.0.0.1:${ports[0]} `],
      ['server 127.0.0.1:8081 ', `server 127.0.0.1:${ports[1]} `],
    ]);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await nginx?.stop();
    for (const server of servers ?? []) await server.stop();
    await redis?.stop();
  });

  it('a call between two people on different servers', async () => {
    const room = new URL(await newRoomUrl(servers[0].url)).pathname;
    const people = await callOfTwo(browser, servers.map((server) => `${server.url}${room}`));
    for (const { page } of people) await assertMediaFlows(page);
    assert.deepEqual(await Promise.all(servers.map(connections)), [1, 1], 'one person on each server');
    await chatBothWays(...people);
    await hangUpReachesAda(people);
    for (const { context } of people) await context.close();
  });

  it("a person's server killed mid-call: the page comes back through nginx to the other server", async () => {
    const room = new URL(await newRoomUrl(servers[0].url)).pathname;
    const ada = await person(browser, 'Ada', { ignoreHTTPSErrors: true });
    const bob = await person(browser, 'Bob');
    // Which server nginx keeps Ada on: the one holding her page's connection.
    await ada.page.goto(`${nginx.httpsUrl}${room}`);
    const held = await eventually(async () => {
      const counts = await Promise.all(servers.map(connections));
      return counts.includes(1) && counts;
    }, { what: "Ada's page connected through nginx" });
    const adas = held.indexOf(1);
    const people = [ada, bob];
    await joinBoth(people, [`${nginx.httpsUrl}${room}`, `${servers[1 - adas].url}${room}`]);
    await settle(people);
    await rideOut(people, () => servers[adas].kill(), { cutOff: [ada] });
    assert.equal(await connections(servers[1 - adas]), 2, 'both people on the surviving server');
    await hangUpReachesAda(people);
    for (const { context } of people) await context.close();
  });
});
