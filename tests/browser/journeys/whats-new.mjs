// Coming back between convenings. Mia has read the thread; Lauren writes twice; the thread
// opens for Mia at the first unread post. Lauren mentions Mia by picking her from the
// suggestions with the keyboard and is warned about a name that matches nobody. The
// notification that reply gives Mia clears on her first tab when she reads the thread in a
// second one. Separately (`homeFeed`), Mia's home feed moves a thread to the top live, and
// its title takes her to the first unread post. axe checks the feed, the grouped
// notifications, the shortcuts dialog and the open suggestions; screenshots at 1280 and 375
// px of the feed, a thread and the suggestions.

import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { assertNoProblems, eventually, newContext, screenshot } from '../harness.mjs';
import { signIn } from './preferences.mjs';

const require = createRequire(import.meta.url);
const AXE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
const PHONE = { width: 375, height: 812 };

export async function whatsNew(browser, world) {
  // axe is injected as a script, which the client's CSP refuses: bypassed here only for it.
  const options = { bypassCSP: true, reducedMotion: 'reduce' };
  const laurenContext = await newContext(browser, options);
  const lauren = await laurenContext.newPage();
  await signIn(lauren, world.admin);
  const miaContext = await newContext(browser, options);
  const mia = await miaContext.newPage();
  await signIn(mia, world.member);
  const threadId = world.threadPath.split('/').pop();

  // Mia has read the whole thread.
  const posts = await as(mia, 'GET', `/threads/${threadId}/posts?limit=100`);
  await as(mia, 'POST', `/threads/${threadId}/read`, { last_read_post_id: posts.items.at(-1).id });

  // Lauren writes twice; the thread opens at the first of them, focused, under the marker.
  const first = await as(lauren, 'POST', `/threads/${threadId}/posts`, { body: 'Back from the convening: two notes.' });
  await as(lauren, 'POST', `/threads/${threadId}/posts`, { body: 'Second note: mentors logged 40 calls.' });
  await mia.goto(world.threadPath);
  await mia.getByRole('heading', { level: 1, name: 'Chronic absence in 9th grade' }).waitFor();
  await expectFirstUnread(mia, first.id);
  await mia.keyboard.press('?');
  await mia.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
  await axe(mia, 'shortcuts dialog');
  await mia.keyboard.press('Escape');
  await screenshot(mia, 'whats-new-thread-1280');
  await mia.setViewportSize(PHONE);
  await screenshot(mia, 'whats-new-thread-375');
  await mia.setViewportSize({ width: 1280, height: 860 });

  // Lauren mentions Mia, by keyboard only, and someone who is nobody here.
  await lauren.goto(world.threadPath);
  await lauren.getByRole('heading', { level: 1, name: 'Chronic absence in 9th grade' }).waitFor();
  const box = lauren.getByLabel('Your reply');
  await box.focus();
  await lauren.keyboard.type('Thanks @mi');
  const suggestions = lauren.getByRole('listbox', { name: 'People to mention' });
  await suggestions.getByRole('option', { name: /Mia Rivera/ }).waitFor();
  const active = await box.getAttribute('aria-activedescendant');
  if (!active || !(await lauren.locator(`#${active}[aria-selected="true"]`).count())) throw new Error('no suggestion is active');
  await axe(lauren, 'mention suggestions');
  await screenshot(lauren, 'whats-new-mentions-1280');
  await lauren.setViewportSize(PHONE);
  await box.scrollIntoViewIfNeeded();
  await screenshot(lauren, 'whats-new-mentions-375');
  await lauren.setViewportSize({ width: 1280, height: 860 });
  // Escape closes without picking; typing again reopens; Enter picks.
  await lauren.keyboard.press('Escape');
  await suggestions.waitFor({ state: 'hidden' });
  await lauren.keyboard.type('a');
  await suggestions.getByRole('option', { name: /Mia Rivera/ }).waitFor();
  while (!(await lauren.locator('[role=option][aria-selected="true"]', { hasText: 'Mia Rivera' }).count())) await lauren.keyboard.press('ArrowDown');
  await lauren.keyboard.press('Enter');
  await suggestions.waitFor({ state: 'hidden' });
  const text = await box.inputValue();
  const handle = text.match(/@([\w.-]+) $/)?.[1];
  if (!text.startsWith('Thanks @') || !handle || handle.length <= 3) throw new Error(`the pick did not insert a handle: “${text}”`);
  await lauren.keyboard.type('and @roxy, see you Thursday.');
  await lauren.getByText('@roxy matches nobody in this network.', { exact: false }).waitFor();
  await lauren.keyboard.press('Control+Enter');
  const sent = lauren.locator('article.post', { hasText: 'see you Thursday' });
  await sent.locator(`a.mention[href^="/members/"]`, { hasText: `@${handle}` }).waitFor();

  // Mia has the mention in two tabs; reading the thread in one clears it in the other.
  const bell = mia.getByRole('link', { name: /^Notifications/ });
  await mia.goto('/notifications?grouped=true');
  await mia.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
  const unreadOnBell = async () => Number((await bell.getAttribute('aria-label')).match(/(\d+) unread/)?.[1] ?? 0);
  await eventually('Mia’s bell to count the mention', async () => (await unreadOnBell()) > 0);
  const mention = mia.locator('.notification.unread', { hasText: 'mentioned you' });
  await mention.first().waitFor();
  const before = await unreadOnBell();
  await axe(mia, 'grouped notifications');
  const second = await miaContext.newPage();
  await second.goto(world.threadPath);
  await second.locator('article.post', { hasText: 'see you Thursday' }).waitFor();
  await second.keyboard.press('End');
  await eventually('the first tab’s bell to count less', async () => (await unreadOnBell()) < before, 20_000);
  await eventually('the first tab’s list to show the mention read', async () => (await mention.count()) === 0);
  await second.close();

  assertNoProblems(laurenContext);
  assertNoProblems(miaContext);
  await laurenContext.close();
  await miaContext.close();
}

/** Mia's home feed (GET /me/feed): new activity comes to the top live, a thread's title leads to its first unread post. */
export async function homeFeed(browser, world) {
  const options = { bypassCSP: true, reducedMotion: 'reduce' };
  const laurenContext = await newContext(browser, options);
  const lauren = await laurenContext.newPage();
  await signIn(lauren, world.admin);
  const miaContext = await newContext(browser, options);
  const mia = await miaContext.newPage();
  await signIn(mia, world.member);
  const threadId = world.threadPath.split('/').pop();
  const posts = await as(mia, 'GET', `/threads/${threadId}/posts?limit=100`);
  await as(mia, 'POST', `/threads/${threadId}/read`, { last_read_post_id: posts.items.at(-1).id });

  await mia.goto('/');
  await mia.getByRole('heading', { level: 2, name: 'What’s new' }).waitFor();
  const feed = mia.getByRole('list', { name: 'What is new' });
  await feed.getByRole('link', { name: 'Chronic absence in 9th grade' }).waitFor();
  await mia.evaluate(() => { window.feedNotReloaded = true; });
  await as(lauren, 'POST', `/networks/${world.networkPath.split('/').pop()}/threads`, { title: 'Family forum dates', body: 'Which evenings work for families?', tags: [] });
  // Within a day the feed lists watched things first, so "live" here is: in without a reload.
  await feed.getByRole('link', { name: 'Family forum dates' }).waitFor();
  const later = await as(lauren, 'POST', `/threads/${threadId}/posts`, { body: 'Third note: the forum is on Thursday.' });
  await as(lauren, 'POST', `/threads/${threadId}/posts`, { body: 'Fourth note: bring the rosters.' });
  await eventually('the thread showing 2 unread', async () =>
    (await feed.locator('.feed-item', { hasText: 'Chronic absence in 9th grade' }).textContent()).includes('2 unread'));
  if (!(await mia.evaluate(() => window.feedNotReloaded))) throw new Error('the page reloaded');
  await axe(mia, 'home feed');
  // The feed's own tab: the bell's name ("Notifications, 2 unread") says unread too.
  await mia.getByRole('navigation', { name: 'What to show' }).getByRole('link', { name: /^Unread/ }).click();
  await feed.getByRole('link', { name: 'Chronic absence in 9th grade' }).waitFor();
  await axe(mia, 'home feed, unread');
  await mia.setViewportSize(PHONE);
  await screenshot(mia, 'whats-new-feed-375');
  await mia.setViewportSize({ width: 1280, height: 860 });
  await screenshot(mia, 'whats-new-feed-1280');
  await feed.getByRole('link', { name: 'Chronic absence in 9th grade' }).click();
  await mia.getByRole('heading', { level: 1, name: 'Chronic absence in 9th grade' }).waitFor();
  await expectFirstUnread(mia, later.id);

  assertNoProblems(laurenContext);
  assertNoProblems(miaContext);
  await laurenContext.close();
  await miaContext.close();
}

/** Focus is on the first unread post (or the marker right above it), and it is `postId`. */
async function expectFirstUnread(page, postId) {
  await eventually('focus on the first unread post', () => page.evaluate(() => {
    const el = document.activeElement;
    return el?.id === 'first-unread' || (el?.matches('article.post') && el.previousElementSibling?.id === 'first-unread');
  }));
  const afterMarker = await page.evaluate(() => document.getElementById('first-unread')?.nextElementSibling?.dataset.id);
  if (afterMarker !== postId) throw new Error(`the first unread post is not the one after the marker (${afterMarker}, expected ${postId})`);
}

/** Calls the API as the member signed in on `page` (through the page's own client). */
async function as(page, method, path, body) {
  return page.evaluate(([m, p, b]) => window.staffroom.request(m, p, b ?? undefined), [method, path, body ?? null]);
}

/** No serious or critical axe violation on what `page` shows now. */
async function axe(page, what) {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document);
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
  if (violations.length) throw new Error(`accessibility violations on ${what}:\n${violations.join('\n')}`);
}
