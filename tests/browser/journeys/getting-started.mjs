// Getting a network started: the admin's first-run checklist ticks itself off and goes; a
// facilitator invites a pasted list (each address answered) and makes an invitation link;
// a teacher whose browser is in Central Time opens the link, makes an account and is a
// member at once, with Chicago as their timezone.

import { assertNoProblems, newContext, screenshot } from '../harness.mjs';
import { signIn } from './preferences.mjs';

export async function gettingStarted(browser, world) {
  const context = await newContext(browser);
  const lauren = await context.newPage();
  await signIn(lauren, world.admin);
  // The network, the invitation and the first thread exist: only the digest is left.
  const checklist = lauren.getByRole('region', { name: 'Getting started' });
  await checklist.getByText('1 step left to get your Staffroom going.').waitFor();
  await checklist.getByRole('link', { name: 'Choose when your digest email comes' }).click();
  await lauren.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
  await lauren.getByRole('button', { name: 'Save digest settings' }).click();
  await lauren.getByText(/^Digest saved/).waitFor();
  await lauren.goto('/');
  await lauren.getByRole('heading', { level: 1, name: /^Welcome/ }).waitFor();
  await lauren.locator('#mine').waitFor();
  if (await checklist.count()) throw new Error('the checklist stayed once every step was done');

  // A pasted list: each address is answered, the one that is not an address stays to fix.
  await lauren.goto(`${world.networkPath}/members`);
  const inviting = lauren.getByRole('form', { name: 'Invite people' });
  await inviting.getByLabel('Email addresses').fill('Ana López <ana.lopez@example.org>, not-an-address\nmia@example.org');
  await inviting.getByRole('button', { name: 'Send invitations' }).click();
  await lauren.getByText('1 invitation sent, 1 person already in the network, 1 not sent (see below).').waitFor();
  await lauren.getByRole('cell', { name: /not an email address/ }).waitFor();
  if ((await inviting.getByLabel('Email addresses').inputValue()) !== 'not-an-address') throw new Error('the address to fix was not left in the box');
  await lauren.getByText('Ana López (ana.lopez@example.org)').waitFor();

  // A link for the next meeting, usable five times.
  const links = lauren.getByRole('form', { name: 'Invitation links' });
  await links.getByLabel('How many people may use it').fill('5');
  await links.getByRole('button', { name: 'Make a link' }).click();
  const shown = lauren.getByLabel('The new invitation link');
  await shown.waitFor();
  const url = await shown.inputValue();
  if (!/\/join\/[A-Za-z0-9_-]+$/.test(url)) throw new Error(`not an invitation link: ${url}`);
  await lauren.setViewportSize({ width: 375, height: 800 });
  await screenshot(lauren, 'invite-375');
  const wide = await lauren.evaluate(() => document.documentElement.scrollWidth);
  if (wide > 375) throw new Error(`the members page scrolls sideways at 375 px (${wide} px wide)`);

  // Tomás opens it on a phone set to Central Time and is in at once.
  const phone = await newContext(browser, { timezoneId: 'America/Chicago', viewport: { width: 375, height: 800 } });
  const tomas = await phone.newPage();
  await tomas.goto(new URL(url).pathname);
  await tomas.getByRole('heading', { level: 1, name: 'Join Attendance Leads' }).waitFor();
  await tomas.locator('#main').getByRole('link', { name: 'Create an account' }).click();
  await tomas.getByLabel('Your name').fill('Tomás Garza');
  await tomas.getByLabel('Email').fill('tomas@example.org');
  await tomas.getByLabel('Password').fill('a long enough password');
  await tomas.getByRole('button', { name: 'Create account' }).click();
  await tomas.getByText('You are a member of Attendance Leads.').waitFor();
  await tomas.getByRole('link', { name: 'Open Attendance Leads' }).click();
  await tomas.getByRole('heading', { level: 1, name: 'Attendance Leads' }).waitFor();
  await tomas.goto('/settings');
  await tomas.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
  const zone = await tomas.getByLabel('Timezone').inputValue();
  if (zone !== 'America/Chicago') throw new Error(`the new account's timezone is ${zone}`);
  await tomas.getByText('In your timezone (America/Chicago).').waitFor();

  // On his phone, search shows results first, the filters folded behind their button.
  await tomas.goto('/search?q=attendance');
  await tomas.locator('.search-results').waitFor();
  if (await tomas.locator('.facets-box').evaluate((box) => box.open)) throw new Error('the filters are open on a phone');
  await tomas.getByText('Filters', { exact: true }).click();
  await tomas.getByRole('heading', { name: 'Type' }).waitFor();
  const searchWidth = await tomas.evaluate(() => document.documentElement.scrollWidth);
  if (searchWidth > 375) throw new Error(`search scrolls sideways at 375 px (${searchWidth} px wide)`);

  await lauren.reload();
  await lauren.getByText(/1 of 5 uses/).waitFor();
  assertNoProblems(context);
  assertNoProblems(phone);
  await phone.close();
  await context.close();
}
