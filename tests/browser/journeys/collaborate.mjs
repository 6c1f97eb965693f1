// The main journey: the first person signs up (and so administers the instance), creates a
// network and invites a colleague, who reads the invitation from their email, creates an
// account from it and joins. They discuss in a thread: a reply appears for the other
// without reloading; a reply written while the colleague's connection is down arrives
// when it comes back; one the colleague writes offline is queued and sent when back; the
// bell counts a notification live.

import { assertNoProblems, emailTo, eventually, linkIn, newContext, screenshot } from '../harness.mjs';

export async function collaborate(browser, world) {
  const adminContext = await newContext(browser);
  const admin = await adminContext.newPage();
  await admin.goto('/');
  // Signed out: the address leads to the sign-in page.
  await admin.getByRole('heading', { level: 1, name: 'Sign in to Staffroom' }).waitFor();
  await admin.getByRole('link', { name: 'Create an account' }).first().click();
  await admin.getByLabel('Your name').fill('Lauren Thomas');
  await admin.getByLabel('Email').fill('lauren@example.org');
  await admin.getByLabel('Password').fill('a long enough password');
  await admin.getByRole('button', { name: 'Create account' }).click();
  await admin.getByRole('heading', { level: 1, name: 'Welcome, Lauren Thomas' }).waitFor();

  // A refused form shows the API's message next to the field.
  await admin.getByRole('button', { name: 'Create network' }).click();
  const nameError = admin.locator('[data-field="name"] .field-error');
  await nameError.waitFor();
  if (!(await admin.getByLabel('Name', { exact: true }).getAttribute('aria-invalid'))) throw new Error('the name field is not marked invalid');

  await admin.getByLabel('Name', { exact: true }).fill('Attendance Leads');
  await admin.getByLabel('Description').fill('Attendance leads of the county, between convenings.');
  await admin.getByRole('button', { name: 'Create network' }).click();
  await admin.getByRole('heading', { level: 1, name: 'Attendance Leads' }).waitFor();
  await admin.getByRole('navigation', { name: 'Networks' }).getByRole('link', { name: 'Attendance Leads' }).waitFor();
  world.networkPath = new URL(admin.url()).pathname;

  await admin.getByRole('link', { name: 'Members' }).click();
  const inviting = admin.getByRole('form', { name: 'Invite people' });
  await inviting.getByLabel('Email addresses').fill('Mia Rivera <mia@example.org>');
  await inviting.getByRole('button', { name: 'Send invitations' }).click();
  await admin.getByText('1 invitation sent.').waitFor();

  // Mia opens the link from her email.
  const invitation = linkIn(await emailTo('mia@example.org'), '/invitations/');
  const miaContext = await newContext(browser);
  const mia = await miaContext.newPage();
  await mia.goto(invitation);
  await mia.getByRole('heading', { level: 1, name: 'Join Attendance Leads' }).waitFor();
  // The name Lauren gave is offered.
  if ((await mia.getByLabel('Your name').inputValue()) !== 'Mia Rivera') throw new Error('the invitation did not offer the name given');
  await mia.getByLabel('Password').fill('another long password');
  await mia.getByRole('button', { name: 'Create account and join' }).click();
  await mia.getByRole('heading', { level: 1, name: 'Attendance Leads' }).waitFor();

  // Lauren starts a discussion, previewing it first.
  await admin.getByRole('link', { name: 'Discussions' }).click();
  await admin.getByLabel('Title').fill('Chronic absence in 9th grade');
  await admin.getByLabel('What would you like to discuss?').fill('Which **mentoring** approaches worked for you?');
  await admin.getByRole('tab', { name: 'Preview' }).click();
  await admin.locator('.composer-preview strong', { hasText: 'mentoring' }).waitFor();
  await admin.getByRole('tab', { name: 'Write' }).click();
  await admin.getByLabel('Tags').fill('attendance, 9th grade');
  await admin.getByRole('button', { name: 'Post thread' }).click();
  await admin.getByRole('heading', { level: 1, name: 'Chronic absence in 9th grade' }).waitFor();
  world.threadPath = new URL(admin.url()).pathname;

  // Mia's list shows it live, unread; she opens it.
  await mia.getByRole('link', { name: 'Chronic absence in 9th grade' }).waitFor();
  await mia.getByRole('link', { name: 'Chronic absence in 9th grade' }).click();
  await mia.getByRole('heading', { level: 1, name: 'Chronic absence in 9th grade' }).waitFor();
  await mia.locator('.post strong', { hasText: 'mentoring' }).waitFor();

  // Lauren's reply appears on Mia's open page without a reload.
  await reply(admin, 'We pair every chronically absent student with a mentor.');
  await mia.getByText('We pair every chronically absent student with a mentor.').waitFor();
  if (new URL(mia.url()).pathname !== world.threadPath) throw new Error('Mia left the thread');

  // Mia's connection drops; what Lauren writes meanwhile arrives when it comes back.
  await miaContext.setOffline(true);
  await mia.evaluate(() => window.staffroom.live.drop());
  await mia.getByText(/^(You are offline\.|Connection lost\.)/).waitFor();
  await reply(admin, 'Also: a phone call home on the second absence.');
  await miaContext.setOffline(false);
  await mia.getByText('Also: a phone call home on the second absence.').waitFor({ timeout: 40_000 });
  await mia.getByText('Connected again. Live updates are back.').waitFor({ timeout: 40_000 });

  // Offline again while more is written than the server replays (the test server keeps a
  // replay window of 3): on reconnect it says `reset` and the page reloads its posts.
  const resetsBefore = await mia.evaluate(() => window.staffroom.live.resets);
  await miaContext.setOffline(true);
  await mia.evaluate(() => window.staffroom.live.drop());
  await mia.getByText(/^(You are offline\.|Connection lost\.)/).waitFor();
  for (let n = 1; n <= 5; n += 1) await reply(admin, `Catch-up note ${n} of 5.`);
  await miaContext.setOffline(false);
  for (let n = 1; n <= 5; n += 1) await mia.getByText(`Catch-up note ${n} of 5.`).waitFor({ timeout: 40_000 });
  if ((await mia.evaluate(() => window.staffroom.live.resets)) <= resetsBefore) throw new Error('the server never said reset');
  await mia.getByRole('heading', { level: 1, name: 'Chronic absence in 9th grade' }).waitFor();

  // Mia replies; Lauren (watching her own thread) sees the bell count it live.
  await reply(mia, 'Thank you! Do mentors meet weekly?');
  await admin.getByText('Thank you! Do mentors meet weekly?').waitFor();
  await eventually('the bell to count one unread', async () =>
    (await admin.getByRole('link', { name: 'Notifications, 1 unread' }).count()) === 1);
  await admin.getByRole('link', { name: 'Notifications, 1 unread' }).click();
  await admin.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
  await admin.getByRole('link', { name: /Mia Rivera posted in “Chronic absence in 9th grade”/ }).click();
  await admin.getByRole('heading', { level: 1, name: 'Chronic absence in 9th grade' }).waitFor();
  await eventually('the bell to clear', async () =>
    (await admin.getByRole('link', { name: 'Notifications', exact: true }).count()) === 1);

  // Reactions: Mia finds the first reply helpful; the count changes for both.
  const firstReply = mia.locator('article.post', { hasText: 'We pair every chronically absent student' });
  await firstReply.getByRole('button', { name: /Helpful/ }).click();
  await eventually('the reaction to show', async () =>
    (await firstReply.getByRole('button', { name: /Helpful/ }).getAttribute('aria-pressed')) === 'true');
  const adminView = admin.locator('article.post', { hasText: 'We pair every chronically absent student' });
  await eventually('the count to reach Lauren', async () =>
    (await adminView.getByRole('button', { name: /Helpful/ }).textContent()).includes('1'));

  // Mia edits her reply; Lauren sees the new text live. Lauren pins the thread.
  const miasReply = mia.locator('article.post', { hasText: 'Thank you! Do mentors meet weekly?' });
  await miasReply.getByRole('button', { name: 'Edit' }).click();
  await mia.getByLabel('Edit post').fill('Thank you! Do mentors meet weekly or monthly?');
  await mia.getByRole('button', { name: 'Save', exact: true }).click();
  await mia.getByText('Thank you! Do mentors meet weekly or monthly?').waitFor();
  await admin.getByText('Thank you! Do mentors meet weekly or monthly?').waitFor();
  await admin.getByRole('button', { name: 'Pin', exact: true }).click();
  await admin.getByRole('button', { name: 'Unpin', exact: true }).waitFor();

  // A reply being written survives a reload, and is gone once sent.
  await admin.getByLabel('Your reply').fill('A draft that survives a reload.');
  await admin.reload();
  await admin.getByRole('heading', { level: 1, name: 'Chronic absence in 9th grade' }).waitFor();
  if ((await admin.getByLabel('Your reply').inputValue()) !== 'A draft that survives a reload.') throw new Error('the draft was lost');
  await admin.getByRole('button', { name: 'Post reply' }).click();
  await admin.locator('article.post', { hasText: 'A draft that survives a reload.' }).waitFor();
  await admin.reload();
  await admin.getByRole('heading', { level: 1, name: 'Chronic absence in 9th grade' }).waitFor();
  if ((await admin.getByLabel('Your reply').inputValue()) !== '') throw new Error('a sent reply came back as a draft');

  // Mia goes offline: the banner says so at once (no socket timeout awaited). A reply she
  // writes meanwhile is queued, shown as waiting, and sent when the
  // connection is back; Lauren sees it arrive.
  await miaContext.setOffline(true);
  await mia.getByText('You are offline. What you write is kept and sent when the connection is back.').waitFor({ timeout: 3_000 });
  await mia.getByLabel('Your reply').fill('Written on the train, sent when back.');
  await mia.getByRole('button', { name: 'Post reply' }).click();
  const queued = mia.getByRole('article', { name: 'Queued post, waiting for the connection' });
  await queued.getByText('Queued: it will be sent when the connection is back.').waitFor();
  if (await mia.getByText('Failed to fetch').count()) throw new Error('the page said “Failed to fetch”');
  if ((await mia.getByLabel('Your reply').inputValue()) !== '') throw new Error('the queued reply stayed in the box');
  await miaContext.setOffline(false);
  await mia.locator('article.post:not(.post-queued)', { hasText: 'Written on the train, sent when back.' }).waitFor({ timeout: 40_000 });
  await queued.waitFor({ state: 'detached' });
  await admin.locator('article.post', { hasText: 'Written on the train, sent when back.' }).waitFor({ timeout: 20_000 });
  // Sent once: the page settles on one copy (the live event may land a moment before the
  // answer to the POST that takes the queued copy away), and after a reload, which shows
  // what the server holds, there is still one.
  const copies = () => mia.locator('article.post', { hasText: 'Written on the train' }).count();
  await eventually('the queued reply shown once', async () => (await copies()) === 1);
  await mia.reload();
  await mia.locator('article.post', { hasText: 'Written on the train, sent when back.' }).waitFor();
  if ((await copies()) !== 1) throw new Error('the queued reply was posted twice');

  // Back and forward work, and a reload keeps the page.
  await mia.goBack();
  await mia.getByRole('heading', { level: 1, name: 'Attendance Leads' }).waitFor();
  await mia.goForward();
  await mia.getByRole('heading', { level: 1, name: 'Chronic absence in 9th grade' }).waitFor();
  await mia.reload();
  await mia.getByRole('heading', { level: 1, name: 'Chronic absence in 9th grade' }).waitFor();
  // An old-style link still opens the right page.
  await mia.goto(`/#${world.threadPath}`);
  await mia.getByRole('heading', { level: 1, name: 'Chronic absence in 9th grade' }).waitFor();

  await screenshot(admin, 'journey-thread-lauren');
  await screenshot(mia, 'journey-thread-mia');
  world.admin = { email: 'lauren@example.org', password: 'a long enough password' };
  world.member = { email: 'mia@example.org', password: 'another long password' };
  assertNoProblems(adminContext);
  assertNoProblems(miaContext, [/ERR_INTERNET_DISCONNECTED|WebSocket connection/]);
  await adminContext.close();
  await miaContext.close();
}

async function reply(page, text) {
  await page.getByLabel('Your reply').fill(text);
  await page.getByRole('button', { name: 'Post reply' }).click();
  await page.locator('article.post', { hasText: text }).waitFor();
}
