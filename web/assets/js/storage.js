// What the browser remembers: the last name used, and the seat of a call in
// progress (so a reload can take it back within the reconnect grace).

const NAME_KEY = 'duet:name';
const RELAY_KEY = 'duet:relay-only';
const seatKey = (roomId) => `duet:seat:${roomId}`;

function read(storage, key) {
  try {
    return JSON.parse(storage.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}

function write(storage, key, value) {
  try {
    if (value === null) storage.removeItem(key);
    else storage.setItem(key, JSON.stringify(value));
  } catch {
    // Private modes may refuse storage; everything still works without it.
  }
}

export const lastName = () => read(localStorage, NAME_KEY) ?? '';
export const rememberName = (name) => write(localStorage, NAME_KEY, name);

/** The "always relay" choice, remembered across calls. */
export const relayOnlyChosen = () => read(localStorage, RELAY_KEY) === true;
export const rememberRelayOnly = (on) => write(localStorage, RELAY_KEY, on);

/** The seat this tab holds in `roomId`: `{ peerId, rejoinToken, name }`, or null. */
export function savedSeat(roomId) {
  const seat = read(sessionStorage, seatKey(roomId));
  return typeof seat?.peerId === 'string' && typeof seat?.rejoinToken === 'string' ? seat : null;
}

export const saveSeat = (roomId, seat) => write(sessionStorage, seatKey(roomId), seat);
export const forgetSeat = (roomId) => write(sessionStorage, seatKey(roomId), null);
