// The call-quality panel's figures, refreshed every second while it is open.

import { summarize } from './call-quality.js';

const REFRESH_MS = 1000;

/**
 * Calls `show(summary)` now and every second with the figures of
 * `currentPeer()` (see `summarize`), until `signal` aborts.
 */
export function watchQuality({ currentPeer, show, signal }) {
  let before = null;
  async function refresh() {
    const peer = currentPeer();
    try {
      const now = peer ? await peer.stats() : [];
      if (signal.aborted) return;
      show(summarize(now, before));
      before = now;
    } catch {
      before = null;
    }
  }
  const timer = setInterval(refresh, REFRESH_MS);
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  refresh();
}
