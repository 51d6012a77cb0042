// Room ids and links.

const ROOM_ID = /^[a-z0-9][a-z0-9-]{2,63}$/;

/** The room id in a call page's path, `/r/{room_id}/`. */
export function roomIdFromPath(pathname) {
  const match = /^\/r\/([^/]+)\/?$/.exec(pathname);
  return match && ROOM_ID.test(match[1]) ? match[1] : null;
}

/** A room id from what a person typed: an id, or a whole invite link. */
export function parseRoomInput(text) {
  let candidate = text.trim();
  const inLink = /\/r\/([^/?#\s]+)\/?(?:[?#]\S*)?$/.exec(candidate);
  if (inLink) candidate = inLink[1];
  candidate = candidate.toLowerCase();
  return ROOM_ID.test(candidate) ? candidate : null;
}

export const callPath = (roomId) => `/r/${roomId}/`;
export const inviteLink = (roomId) => new URL(callPath(roomId), location.origin).href;

/** Asks the server for a new room; asks again if a chosen id happens to be taken. */
export async function createRoom() {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const response = await fetch('/api/rooms', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const body = await response.json().catch(() => ({}));
    if (response.ok) return body;
    if (body.error !== 'room-taken') {
      throw new Error(body.message ?? `The server answered ${response.status}.`);
    }
  }
  throw new Error('The server could not find a free room. Try again.');
}
