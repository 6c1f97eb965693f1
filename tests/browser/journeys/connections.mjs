// Connections between convenings in the browser: Mia asks for help anonymously (told first
// that in a network of two the label may give her away) and Lauren, her facilitator, sees
// only "a member of" the network, then hides the request (Mia's open page learns it live);
// Lauren messages Mia from her profile, the unread count reaches Mia live, and Mia's reply
// reaches Lauren's open conversation; a conversation address whose id is not an id is not
// found and asks the API nothing; Lauren asks a poll, Mia's vote shows in Lauren's results
// live and Lauren's closing it shows on Mia's page; Lauren reads the network's insights with
// its picture of who helped whom.

import { assertNoProblems, eventually } from '../harness.mjs';
import { laurenAndMia } from './preferences.mjs';

export async function connections(browser, world) {
  const { laurenContext, lauren, miaContext, mia } = await laurenAndMia(browser, world);

  // Asking without being judged.
  await mia.goto(`${world.networkPath}/help`);
  await mia.getByLabel('What do you need help with?').fill('Attendance fell after I changed our schedule');
  await mia.getByLabel('Details').fill('How did you talk about a setback with your staff?');
  // Two members: before she sends, the form says plainly that the label may give her away.
  const warning = mia.getByText('Attendance Leads has only 2 members: “a member of Attendance Leads” may be enough for them to tell that you asked.');
  await warning.waitFor();
  const describedBy = await mia.getByLabel(/^Ask anonymously/).getAttribute('aria-describedby');
  if (!describedBy || describedBy !== await warning.getAttribute('id')) throw new Error(`the anonymous choice is not described by the warning (${describedBy})`);
  await mia.getByLabel(/^Ask anonymously/).check();
  await mia.getByRole('button', { name: 'Ask', exact: true }).click();
  await mia.getByRole('heading', { level: 1, name: 'Attendance fell after I changed our schedule' }).waitFor();
  await mia.getByText('You asked anonymously').waitFor();
  const anonymousPath = new URL(mia.url()).pathname;
  await lauren.goto(anonymousPath);
  await lauren.getByRole('heading', { level: 1, name: 'Attendance fell after I changed our schedule' }).waitFor();
  await lauren.getByText('asked by a member of Attendance Leads').waitFor();
  const seen = await lauren.locator('main').innerText();
  if (seen.includes('Mia')) throw new Error(`the facilitator's page names the anonymous asker:\n${seen}`);
  await lauren.goto(`${world.networkPath}/help`);
  await lauren.getByText('A member of Attendance Leads asked').first().waitFor();
  await lauren.getByRole('link', { name: 'Attendance fell after I changed our schedule' }).click();
  await lauren.getByRole('button', { name: 'Hide request' }).click();
  await lauren.getByRole('link', { name: 'How do you run attendance teams?' }).waitFor();
  await mia.getByRole('heading', { level: 1, name: 'This help request was removed' }).waitFor();

  // A direct message from a profile, counted live, answered live.
  await lauren.goto(world.memberPath);
  await lauren.getByRole('heading', { level: 1, name: 'Mia Rivera' }).waitFor();
  await lauren.getByLabel('Message', { exact: true }).fill('Could we compare mentor rosters before the convening?');
  await lauren.getByRole('button', { name: 'Send message' }).click();
  await lauren.getByRole('heading', { level: 1, name: 'Mia Rivera' }).waitFor();
  await lauren.getByText('Only the people in it can read it.').waitFor();
  world.conversationPath = new URL(lauren.url()).pathname;
  await eventually('the unread count on Mia’s messages link', () =>
    mia.getByRole('link', { name: 'Messages, 1 unread' }).isVisible());
  await mia.getByRole('link', { name: 'Messages, 1 unread' }).click();
  await mia.getByRole('heading', { level: 1, name: 'Messages' }).waitFor();
  await mia.getByRole('link', { name: 'Lauren Thomas' }).click();
  await mia.getByText('Could we compare mentor rosters before the convening?').waitFor();
  await eventually('Mia’s count back to none once read', () => mia.getByRole('link', { name: 'Messages', exact: true }).isVisible());
  await mia.getByLabel('Message', { exact: true }).fill('Yes: Thursday at 4?');
  await mia.getByRole('button', { name: 'Send', exact: true }).click();
  await lauren.locator('.messages').getByText('Yes: Thursday at 4?').waitFor();

  // An address whose id is not an id is no page, and the API is asked nothing for it: a
  // decoded `..%2F..%2Fme` once sent Lauren's token to other API paths (`/api/me`).
  const asked = [];
  const recordApi = (request) => {
    const { pathname } = new URL(request.url());
    if (pathname.startsWith('/api/')) asked.push(pathname);
  };
  lauren.on('request', recordApi);
  await lauren.goto('/conversations/..%2F..%2Fme');
  await lauren.getByRole('heading', { level: 1, name: 'Not found' }).waitFor();
  await lauren.waitForLoadState('networkidle');
  lauren.off('request', recordApi);
  // What the page's frame asks on every load: networks, the bell, the messages link, and
  // maybe a token refresh.
  const frame = ['/api/v1/networks', '/api/v1/notifications', '/api/v1/conversations', '/api/v1/auth/refresh'];
  const stray = asked.filter((path) => !frame.includes(path));
  if (stray.length) throw new Error(`visiting a malformed conversation address asked the API for ${stray.join(', ')}`);
  if (!asked.includes('/api/v1/networks')) throw new Error(`the page's requests were not recorded: ${asked.join(', ')}`);

  // A poll with live results, closed by its author.
  await lauren.goto(`${world.networkPath}/polls`);
  await lauren.getByLabel('Question').fill('Which day suits the family forum?');
  await lauren.getByLabel('Options', { exact: true }).fill('Tuesday\nThursday');
  await lauren.getByRole('button', { name: 'Ask poll' }).click();
  await lauren.getByRole('heading', { level: 1, name: 'Which day suits the family forum?' }).waitFor();
  world.pollPath = new URL(lauren.url()).pathname;
  await mia.goto(world.pollPath);
  await mia.getByLabel('Thursday').check();
  await mia.getByRole('button', { name: 'Vote' }).click();
  await mia.getByRole('button', { name: 'Change my vote' }).waitFor();
  await mia.getByText('1 vote · 100%').waitFor();
  await lauren.getByText('1 vote · 100%').waitFor();
  await lauren.getByText('Mia Rivera', { exact: true }).waitFor();
  await lauren.getByRole('button', { name: 'Close the poll now' }).click();
  await mia.getByText('This poll is closed.').waitFor();

  // Insights, for facilitators only.
  await lauren.goto(`${world.networkPath}/insights`);
  await lauren.getByRole('heading', { level: 2, name: 'Insights' }).waitFor();
  await lauren.getByText('connection rate', { exact: true }).waitFor();
  const picture = lauren.getByRole('img', { name: /Connections in Attendance Leads/ });
  await picture.waitFor();
  if (await picture.locator('circle').count() < 2) throw new Error('the network picture has fewer than two people');
  await lauren.getByRole('table', { name: 'Who was in touch with whom' }).getByRole('cell', { name: 'Mia Rivera' }).first().waitFor();
  if (await mia.goto(`${world.networkPath}`).then(() => mia.getByRole('link', { name: 'Insights' }).count())) {
    throw new Error('a member sees the insights tab');
  }
  await mia.goto(`${world.networkPath}/insights`);
  await mia.getByRole('heading', { level: 1, name: 'Not found' }).waitFor();

  assertNoProblems(laurenContext);
  assertNoProblems(miaContext, [/status of 404/]);
  await laurenContext.close();
  await miaContext.close();
}
