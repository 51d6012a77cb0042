// The home page: start a call, join one by link or id, and read why you are here.

import { takeNotice } from './notice.js';
import { callPath, createRoom, parseRoomInput } from './rooms.js';

const byTestId = (root, id) => root.querySelector(`[data-testid="${id}"]`);

function showError(element, text) {
  element.textContent = text;
  element.hidden = !text;
}

/** Wires the home page's controls; `root` is its document (or a fresh copy of it). */
export function initHome(root = document) {
  const notice = takeNotice();
  const noticeArea = byTestId(root, 'notice');
  if (notice) {
    noticeArea.textContent = notice.text;
    noticeArea.dataset.kind = notice.kind;
  }

  const createButton = byTestId(root, 'create-room');
  const createError = root.getElementById('create-error');
  createButton.addEventListener('click', async () => {
    createButton.disabled = true;
    showError(createError, '');
    try {
      const room = await createRoom();
      location.assign(room.url);
    } catch (err) {
      showError(createError, `Could not start a call: ${err.message}`);
      createButton.disabled = false;
    }
  });

  const form = root.getElementById('join-form');
  const input = byTestId(root, 'room-id-input');
  const joinError = root.getElementById('join-error');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const roomId = parseRoomInput(input.value);
    if (!roomId) {
      showError(joinError, 'Paste the invite link you were sent, or a room id such as k7dq-m2xp-9fzt-w4hc.');
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    input.removeAttribute('aria-invalid');
    location.assign(callPath(roomId));
  });
}
