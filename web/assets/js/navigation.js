// Going back to the home page at the end of a call, without reloading: the
// page swaps in the home page's content, so nothing of the call survives in
// view and the notice says who ended it. The home page is loaded ahead, so
// that the way home works while the server is away (a hang-up arrives
// straight from the other browser then).

import { leaveNotice } from './notice.js';

let prepared = null;

/** Loads the home page and its script now, for `goHome` to use later. */
export function prepareHome() {
  prepared = Promise.all([homePage(), import('./home-view.js')]);
  // Without it, goHome still tries the server, or reloads.
  prepared.catch(() => {
    prepared = null;
  });
}

async function homePage() {
  const response = await fetch('/', { cache: 'no-store' });
  if (!response.ok) throw new Error(`home page answered ${response.status}`);
  return response.text();
}

export async function goHome(notice) {
  if (notice) leaveNotice(notice.kind, notice.text);
  try {
    const [html, { initHome }] = await (prepared ?? Promise.all([homePage(), import('./home-view.js')]));
    const home = new DOMParser().parseFromString(html, 'text/html');
    document.title = home.title;
    document.body.replaceWith(document.adoptNode(home.body));
    history.pushState(null, '', '/');
    // Going back would show the call page's address over home content: reload instead.
    window.addEventListener('popstate', () => location.reload(), { once: true });
    initHome(document);
  } catch {
    location.assign('/');
  }
}
