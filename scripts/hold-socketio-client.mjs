// A check of memory per connection independent of duet-load: the official
// Socket.IO client (the 4.8 bundle duet serves to browsers, over Node's
// WebSocket, which sends a browser's handshake headers), N connections in
// rooms of two (create-room, join, join), held past a ping interval; the
// server's resident memory from /proc before and after. WebSocket only
// (Node has no XMLHttpRequest for polling).
//
//   node --experimental-websocket scripts/hold-socketio-client.mjs URL PID N [HOLD_SECONDS]
//
// The server needs its per-address budgets off (every connection comes from
// 127.0.0.1): DUET_MAX_CONNECTIONS_PER_IP=0 DUET_ROOM_CREATIONS_PER_IP=off
// DUET_MISSING_ROOMS_PER_IP=off. Prints one JSON line.
import { readFileSync } from 'node:fs';
import { io } from '../web/assets/vendor/socket.io-client/socket.io.esm.min.js';

const [url, pid, n, holdSeconds] = [process.argv[2], process.argv[3], +process.argv[4], +(process.argv[5] ?? 40)];
if (!url || !pid || !(n > 0)) {
  console.error('usage: node --experimental-websocket scripts/hold-socketio-client.mjs URL PID N [HOLD_SECONDS]');
  process.exit(2);
}
const rss = () => +readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const connect = () =>
  new Promise((resolve, reject) => {
    const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 60000 });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });

const before = rss();
const sockets = [];
let failures = 0;
async function pair(i) {
  try {
    const a = await connect();
    const b = await connect();
    sockets.push(a, b);
    const created = await a.timeout(60000).emitWithAck('create-room', {});
    const joinedA = await a.timeout(60000).emitWithAck('join', { room_id: created.room_id, name: `a${i}` });
    const joinedB = await b.timeout(60000).emitWithAck('join', { room_id: created.room_id, name: `b${i}` });
    if (!created.ok || !joinedA.ok || !joinedB.ok) failures++;
  } catch {
    failures++;
  }
}
const started = Date.now();
const concurrency = 100;
for (let i = 0; i < n / 2; i += concurrency) {
  await Promise.all(Array.from({ length: Math.min(concurrency, n / 2 - i) }, (_, k) => pair(i + k)));
}
const setupSeconds = (Date.now() - started) / 1000;
await sleep(2000);
const after = rss();
await sleep(holdSeconds * 1000);
const held = sockets.filter((socket) => socket.connected).length;
console.log(
  JSON.stringify({
    connections: n,
    held,
    failures,
    setup_seconds: setupSeconds,
    rss_kib_before: before,
    rss_kib_after: after,
    kib_per_connection: Math.round(((after - before) / sockets.length) * 100) / 100,
  }),
);
process.exit(0);
