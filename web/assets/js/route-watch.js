// Which way the media goes (straight between the browsers or through a
// relay, and over which protocol), read from the peer connection's
// statistics as the call settles.

import { pathOf } from './call-quality.js';

const ROUTE_CHECK_MS = 2000;

/**
 * Calls `show(path)` every couple of seconds with the path of `peer`'s
 * selected pair (see `pathOf`) while `connected()` says so, and `show(null)`
 * otherwise, until `signal` aborts.
 */
export function watchRoute(peer, { connected, show, signal }) {
  const timer = setInterval(async () => {
    try {
      show(connected() ? pathOf(await peer.stats()) : null);
    } catch {
      show(null);
    }
  }, ROUTE_CHECK_MS);
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}
