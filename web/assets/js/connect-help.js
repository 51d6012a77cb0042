// What to tell a person whose call does not connect, from what the page
// knows: whether the server offers a relay, whether they chose to always
// relay, whether the other browser ever said how to reach it, and whether
// the call had connected before. No browser in sight: tested with Node.

/** How long a call may stay `connecting` before the page explains. */
export const SLOW_CONNECT_MS = 15_000;

/**
 * `facts`: `{ name, turnOffered, relayOnly, localCandidates,
 * remoteCandidates, wasConnected }` (candidates: how many addresses this
 * browser found for itself, and how many the other one sent). Returns plain
 * words: what is wrong, and what to do.
 */
export function connectHelp({ name, turnOffered, relayOnly, localCandidates, remoteCandidates, wasConnected }) {
  const them = name || 'the other person';
  const still = ' The page keeps trying meanwhile.';
  if (wasConnected) {
    return (
      `The connection to ${them} broke and has not come back yet. One of you may have changed network or lost it. ` +
      'If it does not come back in a minute, hang up and call again.' +
      still
    );
  }
  // Relaying only, this browser has an address once it reached the relay.
  if (relayOnly && turnOffered && localCandidates === 0) {
    return (
      'You chose to always relay the call, and the relay (this server\'s TURN service) cannot be reached from your ' +
      'network. Leave the call, untick "Always relay" and join again to try a direct path, or ask whoever runs this ' +
      'server to check its TURN service.' +
      still
    );
  }
  if (remoteCandidates === 0) {
    return (
      `${capitalise(them)}'s browser has not sent any way to reach it yet: their page may still be starting, ` +
      'or their network blocks it. Ask them to reload the page, or to try another network.' +
      still
    );
  }
  if (!turnOffered) {
    return (
      `No direct path was found between your browser and ${them}'s, and this server offers no relay (TURN) to carry ` +
      'the call instead. Try another network (mobile data instead of office Wi-Fi, say), or ask whoever runs this ' +
      'server to turn TURN on (duet --turn).' +
      still
    );
  }
  return (
    `No path was found to ${them}'s browser, not even through the relay: a firewall may block the call. ` +
    'Try another network, or ask whoever runs this server to check its TURN service.' +
    still
  );
}

/** Whether an ICE server list hands out a relay (a TURN server). */
export function offersTurn(iceServers = []) {
  return iceServers.some((server) =>
    [server.urls].flat().some((url) => typeof url === 'string' && /^turns?:/.test(url)),
  );
}

const capitalise = (text) => text.charAt(0).toUpperCase() + text.slice(1);
