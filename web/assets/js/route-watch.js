// Which way the media goes (straight between the browsers or through a
// relay), read from the peer connection's statistics as the call settles.

const ROUTE_CHECK_MS = 2000;

/**
 * Calls `show(route)` every couple of seconds with `peer.route()` while
 * `connected()` says so, and `show(null)` otherwise, until `signal` aborts.
 */
export function watchRoute(peer, { connected, show, signal }) {
  const timer = setInterval(async () => {
    try {
      show(connected() ? await peer.route() : null);
    } catch {
      show(null);
    }
  }, ROUTE_CHECK_MS);
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}
