// An improvement initiative in the browser: a facilitator starts one and forms teams; a
// team member checks in through the form, which makes the team a bright spot that the
// facilitator's open page shows live with its chart; the member plans a test of change and
// the facilitator's team takes it up with "Try this"; the member moves it to "doing".

import { assertNoProblems, eventually, BASE_URL } from '../harness.mjs';
import { laurenAndMia } from './preferences.mjs';

/** The page's access token, for setting up history through the API. */
async function tokenOf(page) {
  return page.evaluate(() => JSON.parse(localStorage.getItem('staffroom.session')).access_token);
}

async function apiCall(page, method, path, body) {
  const response = await fetch(`${BASE_URL}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${await tokenOf(page)}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** `YYYY-MM-DD` of the Monday `weeks` weeks before the last week that has ended. */
function mondayBefore(weeks) {
  const today = new Date();
  const monday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - ((today.getDay() + 6) % 7) - 7 * (weeks + 1));
  const pad = (n) => String(n).padStart(2, '0');
  return `${monday.getFullYear()}-${pad(monday.getMonth() + 1)}-${pad(monday.getDate())}`;
}

export async function initiatives(browser, world) {
  const { laurenContext, lauren, miaContext, mia } = await laurenAndMia(browser, world);

  // Lauren starts the initiative; a bad target is named next to its field first.
  await lauren.goto(`${world.networkPath}/initiatives`);
  await lauren.getByRole('heading', { name: 'Start an initiative' }).waitFor();
  await lauren.getByLabel('Title', { exact: true }).fill('Chronic absence, 9th grade');
  await lauren.getByLabel('Aim', { exact: true }).fill('Reduce chronic absence among 9th graders from 18% to 12% by May');
  await lauren.getByLabel('Name', { exact: true }).fill('Chronic absence');
  await lauren.getByLabel('Unit', { exact: true }).fill('%');
  await lauren.getByLabel('Target', { exact: true }).fill('150');
  await lauren.getByRole('button', { name: 'Start initiative' }).click();
  await lauren.getByText('is a percentage: it must be between 0 and 100').waitFor();
  await lauren.getByLabel('Target', { exact: true }).fill('12');
  await lauren.getByRole('button', { name: 'Start initiative' }).click();
  await lauren.getByRole('heading', { level: 1, name: 'Chronic absence, 9th grade' }).waitFor();
  world.initiativePath = new URL(lauren.url()).pathname;
  const initiativeId = world.initiativePath.split('/').pop();

  // Two teams: Mia's school and Lauren's.
  await lauren.getByText('Manage this initiative').click();
  for (const [name, member] of [['Lehman HS', 'Mia Rivera'], ['Kennedy MS', 'Lauren Thomas']]) {
    await lauren.getByLabel('Team name').fill(name);
    await lauren.getByLabel('Members', { exact: true }).selectOption({ label: member });
    await lauren.getByRole('button', { name: 'Add team' }).click();
    await lauren.getByRole('heading', { level: 3, name }).waitFor();
  }

  // Lehman's history so far (ten weeks around 18%, then five lower but not steadily
  // falling, so no trend), through the API.
  const teams = await apiCall(mia, 'GET', `/initiatives/${initiativeId}/teams`);
  const lehman = teams.find((t) => t.name === 'Lehman HS');
  const history = [18.4, 17.6, 19.1, 18.0, 17.3, 18.8, 17.7, 17.9, 18.6, 18.2, 15.8, 16.2, 15.1, 15.6, 14.9];
  for (const [index, value] of history.entries()) {
    await apiCall(mia, 'POST', `/teams/${lehman.id}/check-ins`, { period: mondayBefore(history.length - index), value });
  }

  // Mia checks in last week through the form: the sixth week below baseline.
  await mia.goto(world.initiativePath);
  await mia.getByRole('heading', { level: 1, name: 'Chronic absence, 9th grade' }).waitFor();
  await mia.getByText(/Lehman HS: the week of .* is due/).waitFor();
  if (await lauren.locator('#bright-spots .badge').count()) throw new Error('a bright spot before the sixth week');
  await mia.getByLabel('Chronic absence (%)').fill('15.2');
  await mia.getByRole('button', { name: 'Check in' }).click();
  await mia.getByText(/Lehman HS: checked in for the week of/).waitFor();

  // Lauren's open page shows the bright spot live, and the chart says it in words.
  await eventually('the bright spot on the facilitator’s page', () =>
    lauren.locator('#bright-spots').getByText('Chronic absence below its baseline six weeks running').isVisible());
  const caption = await lauren.locator('#network-chart-words').innerText();
  if (!caption.includes('Baseline median')) throw new Error(`the chart's words: ${caption}`);
  const drawn = await lauren.locator('.run-chart img').first().evaluate((img) => img.complete && img.naturalWidth > 0);
  if (!drawn) throw new Error('the run chart image did not load');

  // Mia plans a test; Lauren's team tries it from the board.
  await mia.getByLabel('Change idea').fill('Mentors call home after the second absence');
  await mia.getByLabel('What do you predict will happen?').fill('Absence falls two points');
  await mia.getByRole('button', { name: 'Plan test' }).click();
  const board = lauren.locator('.board');
  await board.getByRole('link', { name: 'Mentors call home after the second absence' }).waitFor();
  await board.getByRole('button', { name: 'Try this with Kennedy MS' }).click();
  await eventually('the copy in Kennedy’s plans', () =>
    board.getByText('Kennedy MS · tried from Lehman HS').isVisible());
  await eventually('the count on the original', () => board.getByText('Tried by 1 team, adopted by 0').isVisible());
  await eventually('no second "try this" for the same team', async () =>
    (await board.getByRole('button', { name: 'Try this with Kennedy MS' }).count()) === 0);

  // Mia moves her test to "doing" on its page, where the try shows.
  await mia.locator('.board .test-card').filter({ hasNotText: 'tried from' })
    .getByRole('link', { name: 'Mentors call home after the second absence' }).click();
  await mia.getByRole('heading', { level: 1, name: 'Mentors call home after the second absence' }).waitFor();
  world.testPath = new URL(mia.url()).pathname;
  await mia.getByText('Tried by 1 other team; adopted by 0.').waitFor();
  await mia.getByLabel('What is happening so far').fill('Six mentors called eleven families');
  await mia.getByRole('button', { name: 'Start doing it' }).click();
  await mia.getByRole('heading', { name: 'Study what happened' }).waitFor();
  await mia.getByText('Six mentors called eleven families').waitFor();

  assertNoProblems(laurenContext);
  assertNoProblems(miaContext);
  await laurenContext.close();
  await miaContext.close();
}
