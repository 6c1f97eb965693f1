// Settings: profile and expertise, digest frequency, day and hour (kept after a reload),
// a preview of the next digest, and notification emails.

import { assertNoProblems, emailTo, linkIn, newContext, screenshot } from '../harness.mjs';

export async function preferences(browser, world) {
  const context = await newContext(browser);
  const page = await context.newPage();
  // Signing in by an emailed link this time.
  await page.goto('/sign-in');
  await page.getByRole('heading', { name: 'No password at hand?' }).waitFor();
  const linkForm = page.locator('form', { has: page.getByRole('heading', { name: 'No password at hand?' }) });
  await linkForm.getByLabel('Email').fill(world.member.email);
  await linkForm.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await page.getByText(`If ${world.member.email} has an account, a sign-in link is on its way.`).waitFor();
  const link = linkIn(await emailTo(world.member.email, 'sign-in'), '/sign-in/link?token=');
  await page.goto(link);
  await page.getByRole('heading', { level: 1, name: 'Welcome, Mia Rivera' }).waitFor();
  // A used link does not work twice.
  const again = await newContext(browser);
  const second = await again.newPage();
  await second.goto(link);
  await second.getByRole('heading', { level: 1, name: 'This sign-in link no longer works' }).waitFor();
  await again.close();

  await page.getByRole('link', { name: 'Mia Rivera' }).click();
  await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();

  await page.getByLabel('Title', { exact: true }).fill('Attendance lead');
  await page.getByLabel('Expertise', { exact: true }).fill('Chronic Absence, mentoring');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await page.getByText('Profile saved.').waitFor();
  if ((await page.getByLabel('Expertise', { exact: true }).inputValue()) !== 'chronic-absence, mentoring') {
    throw new Error('expertise was not shown as the server normalized it');
  }

  // An invalid timezone is refused next to its field (the API names it).
  await page.getByLabel('How often').selectOption('daily');
  await page.getByLabel('Hour').selectOption('7');
  await page.getByRole('button', { name: 'Save digest settings' }).click();
  await page.getByText('Digest saved: daily.').waitFor();
  await newsFromLauren(browser, world);
  const previewed = page.waitForResponse((r) => r.url().includes('/me/digest/preview') && r.ok());
  await page.getByRole('button', { name: 'Preview my next digest' }).click();
  await page.locator('.digest-preview h3').waitFor();
  await photographDigest(browser, (await (await previewed).json()).html);

  await page.getByLabel('Someone mentions me or replies to me').uncheck();
  await page.getByRole('button', { name: 'Save email settings' }).click();
  await page.getByText('Email settings saved.').waitFor();

  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
  const kept = {
    frequency: await page.getByLabel('How often').inputValue(),
    hour: await page.getByLabel('Hour').inputValue(),
    mentioned: await page.getByLabel('Someone mentions me or replies to me').isChecked(),
    title: await page.getByLabel('Title', { exact: true }).inputValue(),
  };
  if (kept.frequency !== 'daily' || kept.hour !== '7' || kept.mentioned || kept.title !== 'Attendance lead') {
    throw new Error(`settings were not kept: ${JSON.stringify(kept)}`);
  }
  await screenshot(page, 'journey-settings');
  assertNoProblems(context);
  await context.close();
}

/**
 * The digest email as a mail app shows it, at a phone's width and a desktop reading pane's
 * (saved to look at): it must fit both without scrolling sideways.
 */
async function photographDigest(browser, html) {
  for (const line of ['Mentoring for chronically absent 9th graders?', 'Morning greeters at the main doors', 'Attendance letter templates']) {
    if (!html.includes(line)) throw new Error(`the digest lacks "${line}":\n${html}`);
  }
  for (const width of [375, 700]) {
    const context = await browser.newContext({ viewport: { width, height: 900 }, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.setContent(html);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    if (wide > width) throw new Error(`the digest is ${wide} px wide at ${width} px`);
    await screenshot(page, `digest-${width}`);
    await context.close();
  }
}

/** Lauren writes what makes a digest worth photographing: a discussion with a reply, a
 * request matching Mia's expertise, a resource. */
async function newsFromLauren(browser, world) {
  const context = await newContext(browser);
  const page = await context.newPage();
  await signIn(page, world.admin);
  const networkId = world.networkPath.split('/')[2];
  await page.evaluate(async (networkId) => {
    const token = JSON.parse(localStorage.getItem('staffroom.session')).access_token;
    const call = async (path, body) => {
      const response = await fetch(`/api/v1${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
      return response.json();
    };
    const thread = await call(`/networks/${networkId}/threads`, { title: 'Morning greeters at the main doors', body: 'We tried greeters for two weeks and tardies fell by a third.', tags: [] });
    await call(`/threads/${thread.id}/posts`, { body: 'Which staff did you use? Our counselors are stretched thin already, and the front office too.' });
    await call(`/networks/${networkId}/help-requests`, { title: 'Mentoring for chronically absent 9th graders?', body: 'Looking for a mentoring model that worked.', tags: ['chronic-absence'] });
    await call(`/networks/${networkId}/resources`, { kind: 'link', title: 'Attendance letter templates (English and Spanish)', url: 'https://example.org/letters' });
  }, networkId);
  await context.close();
}

export async function signIn(page, { email, password }) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').first().fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: /^Welcome/ }).waitFor();
}

/** Lauren and Mia, each signed in in a browser profile of their own. */
export async function laurenAndMia(browser, world) {
  const laurenContext = await newContext(browser);
  const lauren = await laurenContext.newPage();
  await signIn(lauren, world.admin);
  const miaContext = await newContext(browser);
  const mia = await miaContext.newPage();
  await signIn(mia, world.member);
  return { laurenContext, lauren, miaContext, mia };
}

