// How the call is doing, read from two snapshots of the peer connection's
// statistics (`getStats()`, as plain arrays of stat objects): the path the
// media takes, round-trip time, bitrate each way, packet loss and
// resolution. No browser in sight: tested with Node.

/**
 * The path of the selected candidate pair: `{ via: 'direct' | 'relay',
 * protocol: 'udp' | 'tcp' | 'tls' }`, or null before one is chosen.
 */
export function pathOf(stats) {
  const pair = selectedPair(stats);
  if (!pair) return null;
  const local = byId(stats, pair.localCandidateId);
  const remote = byId(stats, pair.remoteCandidateId);
  const relayed = [local?.candidateType, remote?.candidateType].includes('relay');
  // A relayed candidate's own protocol is the relay's to the peer (UDP); how
  // this browser reaches the relay is its relayProtocol.
  const protocol = (relayed && local?.candidateType === 'relay' ? local.relayProtocol : local?.protocol) ?? 'udp';
  return { via: relayed ? 'relay' : 'direct', protocol: protocol.toLowerCase() };
}

/**
 * What the call-quality panel shows, from the snapshot `now` and the one
 * taken before it (`before`, or null for the first): `{ path, rttMs,
 * sendKbps, receiveKbps, lossPercent, sendResolution, receiveResolution }`,
 * each null when not known yet.
 */
export function summarize(now, before = null) {
  const pair = selectedPair(now);
  const previousPair = before && selectedPair(before);
  const seconds = pair && previousPair ? (pair.timestamp - previousPair.timestamp) / 1000 : 0;
  const rate = (field) =>
    seconds > 0 ? Math.max(0, Math.round(((pair[field] - previousPair[field]) * 8) / seconds / 1000)) : null;
  return {
    path: pathOf(now),
    rttMs: pair?.currentRoundTripTime != null ? Math.round(pair.currentRoundTripTime * 1000) : null,
    sendKbps: rate('bytesSent'),
    receiveKbps: rate('bytesReceived'),
    lossPercent: lossPercent(now, before),
    sendResolution: resolution(now, 'outbound-rtp'),
    receiveResolution: resolution(now, 'inbound-rtp'),
  };
}

/** Packets lost of those expected since `before` (or since the start), in percent, one decimal. */
function lossPercent(now, before) {
  const totals = (stats) =>
    stats
      .filter((s) => s.type === 'inbound-rtp')
      .reduce((sum, s) => ({ lost: sum.lost + (s.packetsLost ?? 0), received: sum.received + (s.packetsReceived ?? 0) }), {
        lost: 0,
        received: 0,
      });
  const current = totals(now);
  const previous = before ? totals(before) : { lost: 0, received: 0 };
  const lost = Math.max(0, current.lost - previous.lost);
  const expected = lost + Math.max(0, current.received - previous.received);
  return expected > 0 ? Math.round((lost / expected) * 1000) / 10 : null;
}

function resolution(stats, type) {
  const video = stats.find((s) => s.type === type && s.kind === 'video' && s.frameWidth);
  return video ? `${video.frameWidth}×${video.frameHeight}` : null;
}

function selectedPair(stats) {
  const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
  if (transport) return byId(stats, transport.selectedCandidatePairId);
  // Firefox marks the pair itself.
  return stats.find((s) => s.type === 'candidate-pair' && s.selected) ?? null;
}

const byId = (stats, id) => stats.find((s) => s.id === id) ?? null;

/** The path in words, for the route line and the panel. */
export function describePath(path) {
  if (!path) return null;
  const protocol = path.protocol.toUpperCase();
  return path.via === 'relay' ? `Relayed through a TURN server (${protocol})` : `Direct connection (${protocol})`;
}
