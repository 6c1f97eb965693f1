// The library, help and convenings: a file shared by drag-and-drop-capable upload and
// downloaded by a colleague through the signed link (the browser fetches it itself), marked
// helpful; a help request answered live and the answer accepted; a search with a typo that
// still finds the file; a convening added to a calendar.

import { assertNoProblems, eventually, newContext } from '../harness.mjs';
import { signIn } from './preferences.mjs';

const CSV = 'week,absences\n1,12\n2,9\n';

export async function library(browser, world) {
  const laurenContext = await newContext(browser, { acceptDownloads: true });
  const lauren = await laurenContext.newPage();
  await signIn(lauren, world.admin);
  const miaContext = await newContext(browser, { acceptDownloads: true });
  const mia = await miaContext.newPage();
  await signIn(mia, world.member);

  // Lauren shares a file.
  await lauren.goto(`${world.networkPath}/resources`);
  await lauren.getByRole('heading', { name: 'Share a resource' }).waitFor();
  await lauren.getByLabel('Title', { exact: true }).fill('Attendance tracker');
  await lauren.getByLabel('File', { exact: true }).setInputFiles({ name: 'tracker.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
  await lauren.getByText('tracker.csv (').waitFor();
  await lauren.getByRole('textbox', { name: 'Tags', exact: true }).fill('attendance');
  await lauren.getByRole('button', { name: 'Share' }).click();
  await lauren.getByRole('heading', { level: 1, name: 'Attendance tracker' }).waitFor();
  world.resourcePath = new URL(lauren.url()).pathname;

  // A second version, dropped on the upload area.
  const dataTransfer = await lauren.evaluateHandle(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File(['week,absences\n1,12\n2,9\n3,7\n'], 'tracker-v2.csv', { type: 'text/csv' }));
    return transfer;
  });
  await lauren.locator('.drop-zone').dispatchEvent('drop', { dataTransfer });
  await lauren.getByText('tracker-v2.csv (').waitFor();
  await lauren.getByLabel('What changed').fill('Week 3 added');
  await lauren.getByRole('button', { name: 'Upload version' }).click();
  await lauren.getByRole('link', { name: 'Download tracker-v2.csv' }).waitFor();
  await lauren.getByRole('link', { name: 'Version 1: tracker.csv' }).waitFor();

  // Mia finds it in the library (live), downloads it through the link, finds it helpful.
  await mia.goto(`${world.networkPath}/resources`);
  await mia.getByRole('link', { name: 'Attendance tracker' }).click();
  await mia.getByRole('heading', { level: 1, name: 'Attendance tracker' }).waitFor();
  const [download] = await Promise.all([
    mia.waitForEvent('download'),
    mia.getByRole('link', { name: 'Version 1: tracker.csv' }).click(),
  ]);
  const saved = await download.path();
  const { readFile } = await import('node:fs/promises');
  if ((await readFile(saved, 'utf8')) !== CSV) throw new Error('the downloaded file differs from the upload');
  await mia.getByRole('button', { name: /This was helpful/ }).click();
  await mia.getByRole('button', { name: 'Marked helpful (1)' }).waitFor();

  // Mia asks for help; Lauren answers; the answer reaches Mia live and she accepts it.
  await mia.goto(`${world.networkPath}/help`);
  await mia.getByLabel('What do you need help with?').fill('How do you run attendance teams?');
  await mia.getByLabel('Details').fill('Our team meets monthly. Is weekly better?');
  await mia.getByRole('textbox', { name: 'Tags', exact: true }).fill('attendance');
  await mia.getByRole('button', { name: 'Ask', exact: true }).click();
  await mia.getByRole('heading', { level: 1, name: 'How do you run attendance teams?' }).waitFor();
  world.helpPath = new URL(mia.url()).pathname;
  await lauren.goto(`${world.networkPath}/help`);
  await lauren.getByRole('link', { name: 'How do you run attendance teams?' }).click();
  await lauren.getByRole('button', { name: 'I can help' }).click();
  await lauren.getByRole('button', { name: 'You offered to help' }).waitFor();
  await mia.getByText('Offered to help: Lauren Thomas').waitFor();
  await lauren.getByLabel('Answer', { exact: true }).fill('Weekly, with a data review every time.');
  await lauren.getByRole('button', { name: 'Post answer' }).click();
  await lauren.getByRole('heading', { name: '1 answer' }).waitFor();
  await mia.getByText('Weekly, with a data review every time.').waitFor();
  await mia.getByRole('button', { name: 'Accept this answer' }).click();
  await mia.getByText('Resolved', { exact: true }).first().waitFor();

  // Search forgives the typo.
  await eventually('the search to find the tracker despite the typo', async () => {
    await mia.goto('/search?q=attendence%20trackr');
    await mia.getByRole('heading', { level: 1 }).waitFor();
    return (await mia.getByRole('link', { name: 'Attendance tracker' }).count()) > 0;
  }, 20_000);
  await mia.locator('.search-hit mark').first().waitFor();
  world.searchPath = '/search?q=attendence%20trackr';
  await mia.getByRole('complementary', { name: 'Narrow the results' }).getByRole('link', { name: /^Resources/ }).click();
  await mia.getByText('1 result', { exact: true }).waitFor();
  await mia.getByRole('link', { name: 'Attendance tracker' }).first().click();
  await mia.getByRole('heading', { level: 1, name: 'Attendance tracker' }).waitFor();

  // Lauren schedules a convening; Mia adds it to her calendar.
  await lauren.goto(`${world.networkPath}/convenings`);
  await lauren.getByLabel('Title', { exact: true }).fill('Spring convening');
  await lauren.getByLabel('Starts').fill('2031-03-04T09:00');
  await lauren.getByLabel('Ends').fill('2031-03-04T15:30');
  await lauren.getByLabel('Place').fill('County office, room 4');
  await lauren.getByRole('button', { name: 'Schedule' }).click();
  await lauren.getByRole('heading', { level: 1, name: 'Spring convening' }).waitFor();
  world.conveningPath = new URL(lauren.url()).pathname;
  await lauren.getByLabel('What needs doing').fill('Share the attendance tracker with every school');
  await lauren.getByLabel('Who').selectOption({ label: 'Mia Rivera' });
  await lauren.getByRole('button', { name: 'Add', exact: true }).click();
  await lauren.getByText('Share the attendance tracker with every school (Mia Rivera)').waitFor();

  await mia.goto(world.conveningPath);
  await mia.getByRole('heading', { level: 1, name: 'Spring convening' }).waitFor();
  const [calendar] = await Promise.all([
    mia.waitForEvent('download'),
    mia.getByRole('link', { name: 'Add to calendar' }).click(),
  ]);
  const ics = await readFile(await calendar.path(), 'utf8');
  if (!ics.includes('BEGIN:VCALENDAR') || !ics.includes('SUMMARY:Spring convening')) throw new Error(`not a calendar: ${ics.slice(0, 200)}`);
  // Mia ticks off her action item.
  await mia.getByLabel(/Share the attendance tracker with every school/).check();
  await eventually('the item to be done for Lauren too', async () => {
    await lauren.reload();
    await lauren.getByRole('heading', { level: 1, name: 'Spring convening' }).waitFor();
    return lauren.getByLabel(/Share the attendance tracker with every school/).isChecked();
  });
  // Lauren edits the place, then cancels; Mia's page shows both without a reload.
  await lauren.getByText('Edit or cancel this convening').click();
  await lauren.getByLabel('Place').fill('County office, room 7');
  await lauren.getByRole('button', { name: 'Save changes' }).click();
  await mia.getByText('Where: County office, room 7').waitFor();
  await lauren.getByRole('button', { name: 'Cancel this convening' }).click();
  await mia.getByText('This convening was cancelled.').waitFor();
  await lauren.getByRole('button', { name: 'Reinstate this convening' }).click();
  await mia.getByText('This convening was cancelled.').waitFor({ state: 'detached' });

  world.memberPath = `/members/${await mia.evaluate(() => JSON.parse(localStorage.getItem('staffroom.session')).member.id)}`;

  assertNoProblems(laurenContext);
  assertNoProblems(miaContext);
  await laurenContext.close();
  await miaContext.close();
}
