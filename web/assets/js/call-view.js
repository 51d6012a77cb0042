// The call page's DOM: what the person sees, and the controls they use.
// Everything a person or the other side typed is set as text, never as HTML.

import { describePath } from './call-quality.js';

/** How long an in-call notice stays up. */
const NOTICE_MS = 12_000;

const STATUS_TEXT = {
  lobby: 'Not in the call yet',
  waiting: 'Waiting for the other person to join',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting to the server… (the call itself goes on)',
  ended: 'The call has ended',
  full: 'This call already has everyone it can hold',
};

export function bindCallView(doc = document) {
  const el = (id) => doc.getElementById(id);
  const status = doc.querySelector('[data-testid="call-status"]');
  const localVideo = el('local-video');
  const remoteVideo = el('remote-video');
  const remoteFigure = remoteVideo.closest('figure');
  const nameInput = el('name-input');
  const relayOnly = el('relay-only');
  const chatInput = el('chat-input');
  const toggles = { audio: el('toggle-audio'), video: el('toggle-video'), screen: el('share-screen') };
  const deviceSelects = { video: el('camera-select'), audio: el('mic-select') };

  const setPressed = (button, pressed) => button.setAttribute('aria-pressed', String(pressed));
  let noticeTimer = null;
  const showText = (element, text) => {
    element.textContent = text ?? '';
    element.hidden = !text;
  };

  return {
    /**
     * Calls the person's actions until `signal` aborts: `join(name)`,
     * `hangUp()`, `toggle(kind)` for audio, video and screen,
     * `chooseDevice(kind, deviceId)`, `sendChat(text)` (true once sent),
     * `copyLink()`, `relayOnlyChanged(on)`, `toggleStats()`.
     */
    bindActions(actions, { signal }) {
      const on = (element, type, handler) => element.addEventListener(type, handler, { signal });
      on(el('lobby-form'), 'submit', (event) => {
        event.preventDefault();
        actions.join(nameInput.value.trim());
      });
      on(el('hangup'), 'click', () => {
        el('hangup').disabled = true;
        actions.hangUp();
      });
      for (const [kind, button] of Object.entries(toggles)) on(button, 'click', () => actions.toggle(kind));
      for (const [kind, select] of Object.entries(deviceSelects)) {
        on(select, 'change', () => actions.chooseDevice(kind, select.value));
      }
      on(el('chat-form'), 'submit', (event) => {
        event.preventDefault();
        const text = chatInput.value.trim();
        if (text && actions.sendChat(text)) chatInput.value = '';
      });
      on(el('copy-link'), 'click', () => actions.copyLink());
      on(relayOnly, 'change', () => actions.relayOnlyChanged(relayOnly.checked));
      on(el('stats-toggle'), 'click', () => actions.toggleStats());
    },

    /** The name field, filled with the name used last time. */
    setName(name) {
      nameInput.value = name;
    },

    focusName() {
      nameInput.focus();
    },

    /** "Always relay" is chosen, and offered (the server hands out a relay). */
    get relayOnly() {
      return relayOnly.checked && !el('relay-option').hidden;
    },

    set relayOnly(on) {
      relayOnly.checked = on;
    },

    setStatus(state) {
      // Said again only when it changes: the line is announced to screen readers.
      if (status.dataset.state === state && status.textContent === STATUS_TEXT[state]) return;
      status.dataset.state = state;
      status.textContent = STATUS_TEXT[state];
    },

    /** `lobby` before joining, `call` once in: which panels and controls show. */
    setPhase(phase) {
      doc.body.dataset.phase = phase;
      el('lobby').hidden = phase !== 'lobby';
      el('controls').hidden = phase !== 'call';
      el('chat').hidden = phase !== 'call';
    },

    setJoining(joining) {
      el('join-call').disabled = joining;
      el('join-call').textContent = joining ? 'Joining…' : 'Join';
    },

    /**
     * Shows one's own camera. A stream without tracks is not attached: a
     * video element waiting on it would hold the page's load event forever.
     */
    showLocal(stream) {
      const wanted = stream.getTracks().length ? stream : null;
      if (localVideo.srcObject !== wanted) localVideo.srcObject = wanted;
    },

    /** Plays the other person; if the browser blocks sound without a click, plays muted until one. */
    showRemote(stream) {
      if (remoteVideo.srcObject !== stream) remoteVideo.srcObject = stream;
      remoteVideo.play().catch(() => {
        remoteVideo.muted = true;
        remoteVideo.play().catch(() => {});
        showText(el('remote-state'), 'Sound is paused by the browser: click the video to hear the other person.');
        remoteVideo.addEventListener(
          'click',
          () => {
            remoteVideo.muted = false;
            showText(el('remote-state'), '');
          },
          { once: true },
        );
      });
    },

    clearVideos() {
      localVideo.srcObject = null;
      remoteVideo.srcObject = null;
    },

    setRemoteName(name) {
      el('remote-name').textContent = name ?? '';
    },

    /** How the other side's microphone and camera are, as they told us. */
    showRemoteState(name, { audio, video, screen }) {
      remoteFigure.dataset.audio = audio ? 'on' : 'off';
      remoteFigure.dataset.video = video || screen ? 'on' : 'off';
      const off = [!audio && 'microphone', !(video || screen) && 'camera'].filter(Boolean);
      const who = name || 'The other person';
      const text = [
        off.length ? `${who} turned off the ${off.join(' and ')}.` : '',
        screen ? `${who} is sharing their screen.` : '',
      ].join(' ').trim();
      showText(el('remote-state'), text);
    },

    clearRemoteState() {
      delete remoteFigure.dataset.audio;
      delete remoteFigure.dataset.video;
      showText(el('remote-state'), '');
    },

    setMediaMessage(text) {
      showText(el('media-message'), text);
    },

    /** A problem with the camera, microphone or screen: in the lobby's message area, or in the call. */
    showMediaProblem(text) {
      if (doc.body.dataset.phase === 'call') this.showCallNotice(text);
      else this.setMediaMessage(text);
    },

    /** A failure during the call, shown in the call for a while. */
    showCallNotice(text) {
      clearTimeout(noticeTimer);
      showText(el('call-notice'), text);
      if (text) noticeTimer = setTimeout(() => showText(el('call-notice'), null), NOTICE_MS);
    },

    /** Why the call does not connect and what to do, or nothing while all is well. */
    setCallHelp(text) {
      const help = el('call-help');
      // Said again only when it changes: the line is announced to screen readers.
      if ((help.textContent || null) !== (text || null)) showText(help, text);
    },

    /** Over the preview while the camera starts, or when there is none. */
    setPreviewState(text) {
      showText(el('preview-state'), text);
    },

    /** Whether the screen is kept awake: `held`, `released` or `unavailable`. */
    setWakeLock(state) {
      doc.body.dataset.wakeLock = state;
    },

    setStatsOpen(open) {
      el('stats').hidden = !open;
      el('stats-toggle').setAttribute('aria-expanded', String(open));
    },

    /** The call-quality panel's figures (see call-quality.js `summarize`). */
    renderStats(summary) {
      const unknown = '…';
      const kbps = (value) => (value == null ? unknown : `${value} kbit/s`);
      const rows = [
        ['Path', describePath(summary.path) ?? unknown],
        ['Round trip', summary.rttMs == null ? unknown : `${summary.rttMs} ms`],
        ['Sending', kbps(summary.sendKbps)],
        ['Receiving', kbps(summary.receiveKbps)],
        ['Packets lost', summary.lossPercent == null ? unknown : `${summary.lossPercent} %`],
        ['Your video', summary.sendResolution ?? unknown],
        ['Their video', summary.receiveResolution ?? unknown],
      ];
      el('stats-list').replaceChildren(
        ...rows.flatMap(([name, value]) => [
          Object.assign(doc.createElement('dt'), { textContent: name }),
          Object.assign(doc.createElement('dd'), { textContent: value }),
        ]),
      );
    },

    setLobbyError(text) {
      showText(el('lobby-error'), text);
    },

    /** Whether the media goes straight between the browsers or through a relay, and over which protocol. */
    setRoute(path) {
      const routeLine = el('route');
      routeLine.dataset.route = path?.via ?? '';
      routeLine.dataset.protocol = path?.protocol ?? '';
      showText(routeLine, describePath(path));
    },

    renderMembers(members) {
      const list = el('members');
      list.replaceChildren(
        ...(members.length
          ? members.map((m) => {
              const item = doc.createElement('li');
              item.textContent = m.name;
              return item;
            })
          : [Object.assign(doc.createElement('li'), { className: 'empty', textContent: 'Nobody is here yet.' })]),
      );
    },

    setInviteLink(link) {
      el('invite-link').value = link;
    },

    /** The cameras (`video`) or microphones (`audio`) to choose from. */
    fillDevices(kind, devices, selectedId) {
      const select = deviceSelects[kind];
      const noun = kind === 'video' ? 'Camera' : 'Microphone';
      const options = devices.map((device, i) => {
        const option = doc.createElement('option');
        option.value = device.deviceId;
        option.textContent = device.label || `${noun} ${i + 1}`;
        option.selected = device.deviceId === selectedId;
        return option;
      });
      if (!options.length) {
        options.push(Object.assign(doc.createElement('option'), { value: '', textContent: `No ${noun.toLowerCase()} found` }));
      }
      select.replaceChildren(...options);
      select.disabled = !devices.length;
    },

    /** Whether the audio, video or screen toggle can be used, and whether it is on. */
    setToggle(kind, { available, on }) {
      toggles[kind].disabled = !available;
      setPressed(toggles[kind], available && on);
    },

    appendChat(who, text, mine) {
      const item = doc.createElement('li');
      item.className = mine ? 'mine' : 'theirs';
      const author = doc.createElement('span');
      author.className = 'who';
      author.textContent = who;
      const body = doc.createElement('span');
      body.className = 'text';
      body.textContent = text;
      item.append(author, body);
      el('chat-log').append(item);
      item.scrollIntoView({ block: 'nearest' });
    },

    /** Says whether the invite link was copied; if not, selects it for the person to copy. */
    flashCopied(ok) {
      if (!ok) el('invite-link').select();
      const button = el('copy-link');
      button.textContent = ok ? 'Copied' : 'Copy failed: select the link';
      setTimeout(() => {
        button.textContent = 'Copy link';
      }, 2000);
    },
  };
}
