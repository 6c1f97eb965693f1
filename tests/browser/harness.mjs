// What every journey needs: a browser, contexts with the client's CSP enforced, failing on
// any console error or uncaught exception, mail read from the server's file outbox, and
// polling with a deadline (never a blind sleep).

import { chromium } from 'playwright-core';
import { readdir, readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

export const BASE_URL = process.env.STAFFROOM_URL;
export const OUTBOX = process.env.STAFFROOM_OUTBOX;
export const ARTIFACTS = process.env.STAFFROOM_ARTIFACTS ?? 'artifacts';
const CHROMIUM = process.env.STAFFROOM_CHROMIUM ?? '/usr/bin/chromium';

export async function launch() {
  await mkdir(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Contexts still open, to photograph when a journey fails. */
export const openContexts = new Set();

/** A fresh browser profile (its own storage, so its own sign-in). */
export async function newContext(browser, options = {}) {
  const context = await browser.newContext({ baseURL: BASE_URL, viewport: { width: 1280, height: 860 }, ...options });
  openContexts.add(context);
  context.on('close', () => openContexts.delete(context));
  context.setDefaultTimeout(10_000);
  context.problems = [];
  context.on('page', (page) => watch(page, context.problems));
  return context;
}

export async function newPage(context) {
  const page = await context.newPage();
  return page;
}

function watch(page, problems) {
  // A person asked "are you sure?" says yes.
  page.on('dialog', (dialog) => dialog.accept());
  page.on('console', (message) => {
    // A refused request is logged by the browser itself; the journeys check what the page
    // shows instead. Script errors and CSP refusals are what count here.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console error on ${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught on ${page.url()}: ${error.message}`));
}

/** Fails if a page of the context logged an error (a CSP violation among them). */
export function assertNoProblems(context, ignore = []) {
  const problems = context.problems.filter((p) => !ignore.some((pattern) => pattern.test(p)));
  if (problems.length) throw new Error(`the page reported problems:\n${problems.join('\n')}`);
}

/** Polls `check` until it returns something truthy, or fails after `timeoutMs`. */
export async function eventually(what, check, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) { last = error; }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The text of the newest email to `to` (containing `needle`, if given) in the file outbox, quoted-printable parts undone. */
export async function emailTo(to, needle = '') {
  return eventually(`an email to ${to}`, async () => {
    const names = (await readdir(OUTBOX).catch(() => [])).filter((n) => n.endsWith('.eml')).sort();
    for (const name of names.reverse()) {
      const raw = await readFile(join(OUTBOX, name), 'utf8');
      if (new RegExp(`^To:.*${to.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'mi').test(raw)) {
        const text = decoded(raw);
        if (text.includes(needle)) return text;
      }
    }
    return null;
  });
}

/**
 * An email with its quoted-printable parts undone and the rest as sent. Only those parts:
 * a `7bit` body holds `?token=AB…` as it is, and undoing `=AB` there would eat the link.
 */
function decoded(raw) {
  return raw.split(/(?=\r?\n--)/).map((part) => (
    /^Content-Transfer-Encoding:\s*quoted-printable/mi.test(part)
      ? part.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)))
      : part
  )).join('');
}

/** The path of the first link in `text` under `prefix` (e.g. `/invitations/`). */
export function linkIn(text, prefix) {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = text.match(new RegExp(`https?://[^/\\s]+(${escaped}[A-Za-z0-9_\\-?=&.]+)`));
  if (!match) {
    const subject = text.match(/^Subject:.*$/mi)?.[0] ?? '(no subject)';
    throw new Error(`no ${prefix} link in the email "${subject}":\n${text.slice(0, 3000)}`);
  }
  return match[1];
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Screenshots of every open page, and closes them: what a failed journey left behind. */
export async function photographFailure(journey) {
  let n = 0;
  for (const context of [...openContexts]) {
    for (const page of context.pages()) {
      n += 1;
      const name = `FAILED-${journey.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}-${n}`;
      await screenshot(page, name).catch(() => {});
      console.log(`  ${name}.png: ${page.url()}`);
    }
    if (context.problems.length) console.log(`  page problems:\n  ${context.problems.join('\n  ')}`);
    await context.close().catch(() => {});
  }
}
