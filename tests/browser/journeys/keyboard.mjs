// Keyboard only: no clicks. Signing in, moving to a network and a thread, replying, then
// catching up with the thread's shortcuts (j/k, ?, r, Ctrl+Enter); every focused control
// shows a focus indicator.

import { assertNoProblems, eventually, newContext } from '../harness.mjs';

export async function keyboardOnly(browser, world) {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto('/sign-in');
  await page.getByRole('heading', { level: 1, name: 'Sign in to Staffroom' }).waitFor();

  // The skip link comes first and goes to the content.
  await page.keyboard.press('Tab');
  await expectFocus(page, 'Skip to content');

  await tabTo(page, (el) => el.labels?.[0]?.textContent === 'Email');
  await page.keyboard.type(world.member.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(world.member.password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Welcome, Mia Rivera' }).waitFor();

  await tabTo(page, (el) => el.tagName === 'A' && el.querySelector('.nav-name')?.textContent === 'Attendance Leads' && el.closest('.sidebar'));
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Attendance Leads' }).waitFor();

  await tabTo(page, (el) => el.tagName === 'A' && el.textContent.includes('Chronic absence in 9th grade'));
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Chronic absence in 9th grade' }).waitFor();

  await tabTo(page, (el) => el.tagName === 'TEXTAREA');
  await page.keyboard.type('Typed without a mouse.');
  await tabTo(page, (el) => el.tagName === 'BUTTON' && el.textContent === 'Post reply');
  await page.keyboard.press('Enter');
  await page.locator('article.post', { hasText: 'Typed without a mouse.' }).waitFor();
  // Focus lands on the post just sent.
  await expectFocusedPost(page, 'Typed without a mouse.');

  // Catching up: k and j move between posts, ? lists the shortcuts in a dialog that Escape
  // closes (focus goes back), r goes to the reply box, Ctrl+Enter sends.
  await page.keyboard.press('k');
  const previous = await focusedPostText(page);
  if (previous.includes('Typed without a mouse.')) throw new Error('k did not move to the previous post');
  await expectVisibleFocus(page);
  await page.keyboard.press('j');
  await expectFocusedPost(page, 'Typed without a mouse.');
  await page.keyboard.press('?');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await dialog.waitFor();
  if (!(await dialog.getByText('Next post').count())) throw new Error('the shortcuts dialog does not list j');
  // Keys are not shortcuts while the dialog is open.
  await page.keyboard.press('k');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await expectFocusedPost(page, 'Typed without a mouse.');
  await page.keyboard.press('r');
  await expectFocusIn(page, (el) => el.tagName === 'TEXTAREA' && el.labels?.[0]?.textContent === 'Your reply');
  if (!(await page.getByText('Replying to Mia Rivera').count())) throw new Error('r on a post does not reply to it');
  // Typing j in the reply box is text, not a shortcut.
  await page.keyboard.type('just sent with Ctrl+Enter');
  await page.keyboard.press('Control+Enter');
  await page.locator('article.post', { hasText: 'just sent with Ctrl+Enter' }).waitFor();
  await expectFocusedPost(page, 'just sent with Ctrl+Enter');
  assertNoProblems(context);
  await context.close();
}

async function focusedPostText(page) {
  return page.evaluate(() => document.activeElement?.closest('article.post')?.textContent ?? '');
}

async function expectFocusedPost(page, text) {
  const focused = await page.evaluate(() => {
    const el = document.activeElement;
    return el?.matches('article.post') ? el.textContent : `not a post: ${el?.outerHTML?.slice(0, 80)}`;
  });
  if (!focused.includes(text)) throw new Error(`focus is not on the post “${text}” but on ${focused.slice(0, 120)}`);
}

/** Waits (with a deadline) until the focused element satisfies `test`: a shortcut may move
 * focus a frame after the key, once the reply box is drawn. */
async function expectFocusIn(page, test) {
  const source = `(${test.toString()})(document.activeElement)`;
  await eventually(`focus where expected (${test})`,
    () => page.evaluate((code) => Boolean(eval(code)), source), 5_000); // eslint-disable-line no-eval
}

/** Presses Tab until the focused element satisfies `test` (at most 200 times: a thread's
 * posts each have their reactions, Reply and Quote). */
async function tabTo(page, test) {
  const source = `(${test.toString()})(document.activeElement)`;
  for (let i = 0; i < 200; i += 1) {
    await page.keyboard.press('Tab');
    const found = await page.evaluate((code) => Boolean(eval(code)), source); // eslint-disable-line no-eval
    if (found) {
      await expectVisibleFocus(page);
      return;
    }
  }
  throw new Error(`Tab never reached ${test}`);
}

async function expectFocus(page, name) {
  const text = await page.evaluate(() => document.activeElement?.textContent?.trim());
  if (text !== name) throw new Error(`focus is on “${text}”, expected “${name}”`);
  await expectVisibleFocus(page);
}

async function expectVisibleFocus(page) {
  const visible = await page.evaluate(() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const ringOnParent = el.parentElement && getComputedStyle(el.parentElement).outlineStyle !== 'none';
    return style.outlineStyle !== 'none' && style.outlineWidth !== '0px' || style.boxShadow !== 'none' || ringOnParent;
  });
  if (!visible) {
    const what = await page.evaluate(() => document.activeElement?.outerHTML?.slice(0, 120));
    throw new Error(`no visible focus indicator on ${what}`);
  }
}
