// Keeps the screen on during a call (a phone would dim and lock it while
// the person only listens and watches), with the Screen Wake Lock API. The
// browser releases the lock when the tab is hidden; it is taken again when
// the tab is visible.

/**
 * Holds a screen wake lock until `signal` aborts, telling `report` each
 * change: `held`, `released` (hidden tab, or refused for now), or
 * `unavailable` (a browser without the API).
 */
export function keepScreenAwake({ signal, report, doc = document, wakeLock = globalThis.navigator?.wakeLock }) {
  if (!wakeLock?.request) {
    report('unavailable');
    return;
  }
  let sentinel = null;

  async function take() {
    if (signal.aborted || sentinel || doc.visibilityState !== 'visible') return;
    try {
      sentinel = await wakeLock.request('screen');
    } catch {
      // Refused (battery saver, a hidden tab): tried again when visible.
      report('released');
      return;
    }
    if (signal.aborted) {
      sentinel.release().catch(() => {});
      return;
    }
    report('held');
    sentinel.addEventListener(
      'release',
      () => {
        sentinel = null;
        report('released');
      },
      { once: true },
    );
  }

  doc.addEventListener('visibilitychange', take, { signal });
  signal.addEventListener(
    'abort',
    () => {
      sentinel?.release().catch(() => {});
      report('released');
    },
    { once: true },
  );
  take();
}
