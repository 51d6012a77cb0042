// The files' part of the call page: the file picker beside the chat, and one
// entry in the chat log per file, sent or received, with its progress, a
// cancel button while it moves, and a download link once it has arrived.
// Names are set as text, never as HTML.

import { formatSize, isActive } from './file-transfer-core.js';

export function bindFileView(doc = document) {
  const el = (id) => doc.getElementById(id);
  const input = el('file-input');
  const notice = el('file-notice');
  const log = el('chat-log');
  /** The entry of each file, by transfer id. */
  const entries = new Map();

  const make = (tag, props = {}) => Object.assign(doc.createElement(tag), props);

  /** The file's name and size: plain text, or the download link once `url` is known. */
  function label(transfer, url) {
    const holder = url
      ? make('a', { href: url, download: transfer.name, className: 'file-label' })
      : make('span', { className: 'file-label' });
    if (url) holder.dataset.testid = 'file-link';
    holder.append(
      make('span', { className: 'file-name', textContent: transfer.name }),
      ' ',
      make('span', { className: 'file-size', textContent: `(${formatSize(transfer.size)})` }),
    );
    return holder;
  }

  function entryFor(transfer, who) {
    let entry = entries.get(transfer.id);
    if (entry) return entry;
    const item = make('li', { className: `file ${transfer.direction === 'out' ? 'mine' : 'theirs'}` });
    item.dataset.testid = 'file-entry';
    item.dataset.direction = transfer.direction;
    const progress = make('progress', { max: Math.max(transfer.size, 1), value: 0 });
    progress.dataset.testid = 'file-progress';
    progress.setAttribute('aria-label', `Progress of ${transfer.name}`);
    const cancel = make('button', { type: 'button', className: 'file-cancel', textContent: 'Cancel' });
    cancel.dataset.testid = 'file-cancel';
    cancel.dataset.fileId = transfer.id;
    cancel.setAttribute('aria-label', `Cancel ${transfer.name}`);
    const status = make('span', { className: 'file-status' });
    status.dataset.testid = 'file-status';
    entry = { item, label: label(transfer, null), progress, cancel, status, linked: false };
    item.append(make('span', { className: 'who', textContent: who }), entry.label, progress, status, cancel);
    entries.set(transfer.id, entry);
    log.append(item);
    item.scrollIntoView({ block: 'nearest' });
    return entry;
  }

  return {
    /** Calls `send(file)` (true once on its way) and `cancel(id)` until `signal` aborts. */
    bindFileActions(actions, { signal }) {
      el('file-form').addEventListener(
        'submit',
        (event) => {
          event.preventDefault();
          if (actions.send(input.files?.[0] ?? null)) input.value = '';
        },
        { signal },
      );
      log.addEventListener(
        'click',
        (event) => {
          const button = event.target.closest?.('button.file-cancel');
          if (button) actions.cancel(button.dataset.fileId);
        },
        { signal },
      );
    },

    /**
     * Shows a file's entry as `transfer` now stands (see file-transfer-core.js):
     * `who` sent it, `status` in words, and `url` to download it from once it arrived.
     */
    showFile(transfer, { who, status, url }) {
      const entry = entryFor(transfer, who);
      entry.item.dataset.state = transfer.phase;
      entry.status.textContent = status;
      if (isActive(transfer)) {
        entry.progress.value = transfer.bytes;
      } else {
        entry.progress.remove();
        entry.cancel.remove();
      }
      if (url && !entry.linked) {
        const link = label(transfer, url);
        entry.label.replaceWith(link);
        entry.label = link;
        entry.linked = true;
      }
    },

    /** Why a file could not be sent just now; null clears it. */
    setFileNotice(text) {
      notice.textContent = text ?? '';
      notice.hidden = !text;
    },
  };
}
