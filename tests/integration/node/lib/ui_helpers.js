'use strict';
// Shared helpers for the web UI suite: a broker of the test's own with the management port
// (lib/polymq_process.js), headless Chromium driven by puppeteer-core, and the management API
// over fetch to check what the UI did.
//
// Environment: POLYMQ_BIN (the broker binary), CHROMIUM (default /usr/bin/chromium),
// UI_TEST_CASE_TIMEOUT_MS (each test; default 90000), UI_HEADFUL set: show the browser.

const fs = require('node:fs');
const puppeteer = require('puppeteer-core');
const { startBroker } = require('./polymq_process');

const TEST_OPTIONS = { timeout: Number.parseInt(process.env.UI_TEST_CASE_TIMEOUT_MS || '90000', 10) };

/** How long the page has to show something: the UI polls every 5 s; ASan and 2 busy cores. */
const SHOW_TIMEOUT_MS = 20000;

function chromiumPath() {
  return process.env.CHROMIUM || '/usr/bin/chromium';
}

/** A broker serving the management API and UI on a free port, stopped when `t` ends. */
function startUiBroker(t, options = {}) {
  return startBroker(t, { kafka: false, management: true, ...options });
}

/**
 * A new page in a headless Chromium that is closed when `t` ends. Open it before starting
 * the broker: node:test runs `after` hooks in order, so the browser is gone before the
 * broker stops. Page errors (uncaught exceptions, console errors but the
 * failed requests the test provokes) are collected in page.problems.
 */
async function openPage(t) {
  if (!fs.existsSync(chromiumPath())) {
    throw new Error(`${chromiumPath()} not found: install Debian's chromium (scripts/install-deps.sh test) or set CHROMIUM`);
  }
  const browser = await puppeteer.launch({
    executablePath: chromiumPath(),
    headless: !process.env.UI_HEADFUL,
    args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  page.problems = [];
  page.on('pageerror', (err) => page.problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // A failed API call the test provokes is logged by Chromium as a resource error.
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) page.problems.push(`console: ${msg.text()}`);
  });
  // Purges and deletes ask for confirmation.
  page.on('dialog', (dialog) => dialog.accept());
  page.setDefaultTimeout(SHOW_TIMEOUT_MS);
  return page;
}

/** Opens the UI and logs in; resolves once the navigation shows (or the login error). */
async function login(page, broker, user = 'guest', password = 'guest') {
  await page.goto(broker.managementUrl, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('#form-login');
  await page.type('#f-login-username', user);
  await page.type('#f-login-password', password);
  await page.click('#form-login button[type=submit]');
}

/** The trimmed text of `selector`, polled until `predicate(text)` holds (with a deadline). */
async function waitForText(page, selector, predicate, what = selector) {
  const deadline = Date.now() + SHOW_TIMEOUT_MS;
  let last = null;
  while (Date.now() < deadline) {
    last = await page.$eval(selector, (el) => el.textContent.trim()).catch(() => null);
    if (last !== null && predicate(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: still ${JSON.stringify(last)} after ${SHOW_TIMEOUT_MS} ms`);
}

/** Calls the management API as `user` and returns {status, body (parsed JSON or text)}. */
async function apiCall(broker, method, path, body, user = 'guest', password = 'guest') {
  const res = await fetch(`${broker.managementUrl}api${path}`, {
    method,
    headers: {
      Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

module.exports = { SHOW_TIMEOUT_MS, TEST_OPTIONS, apiCall, login, openPage, startUiBroker, waitForText };
