// People in different browsers, driven the same way: a Chromium person (a
// Playwright page, from harness.mjs) and a Firefox person (Debian's
// firefox-esr, driven by puppeteer over WebDriver BiDi) both offer what the
// call tests need, with the page's controls named by their data-testid:
//
//   goto(url), url(), click(id), fill(id, text), attribute(id, name), text(id),
//   evaluate(fn, arg), screenshot(path), close()
//
// and `page`, which harness's waitForStatus takes for either browser, and
// `name`, `browser` ('Chromium' or 'Firefox'). A person is also what harness's
// mediaStats and assertMediaFlows take (they only call `evaluate`).

import puppeteer from 'puppeteer-core';

import { forwardConsole, instrument, person } from './harness.mjs';

export const FIREFOX = process.env.FIREFOX ?? '/usr/bin/firefox-esr';

/**
 * What Firefox needs to make a call on this machine, unattended: a fake camera
 * and microphone without asking; ICE over loopback with plain host addresses
 * (no mDNS names, which nothing resolves here); sound that plays without a click.
 */
export const FIREFOX_PREFS = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.navigator.permission.fake': true,
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  'media.autoplay.block-webaudio': false,
};

/** The size harness's Chromium people have. */
const VIEWPORT = { width: 1280, height: 800 };

const selector = (id) => `[data-testid="${id}"]`;

/** Headless Firefox with a fresh profile of its own (puppeteer makes one and removes it on close). */
export async function launchFirefox(extraPrefs = {}, executablePath = FIREFOX) {
  return puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath,
    headless: true,
    // Starting takes some 8 s on an idle machine of two cores; more when it is busy.
    timeout: 90_000,
    extraPrefsFirefox: { ...FIREFOX_PREFS, ...extraPrefs },
  });
}

/** A person in Chromium: harness's `person`, in their own context of `browser` (from launchBrowser). */
export async function chromiumPerson(browser, name) {
  const { context, page } = await person(browser, name);
  const hook = (id) => page.getByTestId(id);
  return {
    name,
    browser: 'Chromium',
    page,
    goto: (url) => page.goto(url),
    url: () => page.url(),
    click: (id) => hook(id).click(),
    fill: (id, text) => hook(id).fill(text),
    attribute: (id, attribute) => hook(id).getAttribute(attribute),
    text: (id) => hook(id).textContent(),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    screenshot: (path) => page.screenshot({ path }),
    close: () => context.close(),
  };
}

/** A person in Firefox: a Firefox of their own (fresh profile), closed with the person. */
export async function firefoxPerson(name, { prefs = {} } = {}) {
  const firefox = await launchFirefox(prefs);
  try {
    const [page = await firefox.newPage()] = await firefox.pages();
    await page.setViewport(VIEWPORT);
    // A preload script over BiDi: runs in every new document before its own scripts.
    await page.evaluateOnNewDocument(instrument);
    forwardConsole(page, name);
    const hook = (id) => page.locator(selector(id));
    // Like Playwright's, waits for the element to be in the page, then reads it.
    const read = async (id, fn, arg) => (await page.waitForSelector(selector(id))).evaluate(fn, arg);
    return {
      name,
      browser: 'Firefox',
      page,
      goto: (url) => page.goto(url),
      url: () => page.url(),
      click: (id) => hook(id).click(),
      fill: (id, text) => hook(id).fill(text),
      attribute: (id, attribute) => read(id, (element, a) => element.getAttribute(a), attribute),
      text: (id) => read(id, (element) => element.textContent),
      evaluate: (fn, arg) => page.evaluate(fn, arg),
      screenshot: (path) => page.screenshot({ path }),
      close: () => firefox.close(),
    };
  } catch (err) {
    await firefox.close();
    throw err;
  }
}
