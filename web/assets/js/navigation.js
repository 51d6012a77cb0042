// Going back to the home page at the end of a call, without reloading: the
// page swaps in the home page's content, so nothing of the call survives in
// view and the notice says who ended it.

import { leaveNotice } from './notice.js';

export async function goHome(notice) {
  if (notice) leaveNotice(notice.kind, notice.text);
  try {
    const response = await fetch('/', { cache: 'no-store' });
    if (!response.ok) throw new Error(`home page answered ${response.status}`);
    const home = new DOMParser().parseFromString(await response.text(), 'text/html');
    document.title = home.title;
    document.body.replaceWith(document.adoptNode(home.body));
    history.pushState(null, '', '/');
    // Going back would show the call page's address over home content: reload instead.
    window.addEventListener('popstate', () => location.reload(), { once: true });
    const { initHome } = await import('./home-view.js');
    initHome(document);
  } catch {
    location.assign('/');
  }
}
