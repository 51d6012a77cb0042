// What the home page should tell a person who was sent back to it.

const KEY = 'duet:notice';

/** Leaves a notice for the next home page shown in this tab. */
export function leaveNotice(kind, text) {
  try {
    sessionStorage.setItem(KEY, JSON.stringify({ kind, text }));
  } catch {
    // Storage may be disabled; the person just sees no notice.
  }
}

/** Takes the notice left for this page, if any. */
export function takeNotice() {
  try {
    const raw = sessionStorage.getItem(KEY);
    sessionStorage.removeItem(KEY);
    const notice = raw ? JSON.parse(raw) : null;
    return typeof notice?.text === 'string' ? notice : null;
  } catch {
    return null;
  }
}
