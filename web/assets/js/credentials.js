// TURN credentials expire (`<expiry>:<peer>` usernames, in Unix seconds),
// and the built-in TURN server then ends the relays made with them. A call
// renews them in time: a `rejoin` on a new signalling connection hands out
// fresh ones, and the ICE restart that follows moves the call onto new relays.

/** Renew this long before the credentials expire, or a quarter of their remaining life before, if that is shorter. */
const RENEWAL_MARGIN_MS = 5 * 60 * 1000;
/** At most one renewal this often, even if the clock says they have expired. */
const MIN_RENEWAL_DELAY_MS = 10 * 1000;

/** When to renew the credentials among `iceServers`, in ms from `now`; null when none expire. */
export function renewalDelay(iceServers, now = Date.now()) {
  const expiries = (iceServers ?? [])
    .map((server) => Number.parseInt(String(server.username ?? '').split(':')[0], 10))
    .filter((seconds) => Number.isFinite(seconds) && seconds > 0);
  if (!expiries.length) return null;
  const remaining = Math.min(...expiries) * 1000 - now;
  const due = remaining - Math.min(RENEWAL_MARGIN_MS, remaining / 4);
  return Math.max(due, MIN_RENEWAL_DELAY_MS);
}
