// Two tabs of one browser share one sign-in. The test server's access tokens live 35 s, and
// refresh tokens rotate on every use (a reused one revokes the whole family): the tabs must
// never refresh with the same token. Both keep working through several refreshes, and the
// live connection renews its token and keeps delivering.

import { assertNoProblems, eventually, newContext } from '../harness.mjs';
import { signIn } from './preferences.mjs';

const refreshToken = (page) => page.evaluate(() => JSON.parse(localStorage.getItem('staffroom.session') ?? 'null')?.refresh_token);

export async function tabs(browser, world) {
  const context = await newContext(browser);
  if (process.env.STAFFROOM_DEBUG) context.on('response', (r) => { if (r.status() === 401 || r.url().includes('/auth/')) console.log(Date.now() % 100000, r.status(), r.url()); });
  const one = await context.newPage();
  await signIn(one, world.member);
  const two = await context.newPage();
  await two.goto(world.threadPath);
  await two.getByRole('heading', { level: 1, name: 'Chronic absence in 9th grade' }).waitFor();

  // Both tabs load pages at the same moments until the session has been refreshed three
  // times; each load calls the API, so both race to refresh whenever it is due.
  let last = await refreshToken(one);
  let rotations = 0;
  await eventually('three refreshes shared by both tabs', async () => {
    await Promise.all([one.goto(world.networkPath), two.goto(world.threadPath)]);
    await Promise.all([
      one.getByRole('heading', { level: 1, name: 'Attendance Leads' }).waitFor(),
      two.getByRole('heading', { level: 1, name: 'Chronic absence in 9th grade' }).waitFor(),
    ]);
    const current = await refreshToken(one);
    if (!current) throw new Error('signed out');
    if (current !== last) { rotations += 1; last = current; }
    return rotations >= 3;
  }, 90_000);

  // Still signed in, and the thread in tab two still updates live after the renewals.
  const session = await one.evaluate(() => JSON.parse(localStorage.getItem('staffroom.session')));
  const response = await one.evaluate(async ({ thread, token }) => {
    const reply = await fetch(`/api/v1/threads/${thread}/posts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ body: 'Posted after three refreshes.' }),
    });
    return reply.status;
  }, { thread: world.threadPath.split('/').pop(), token: session.access_token });
  if (response !== 201) throw new Error(`posting failed: ${response}`);
  await two.locator('article.post', { hasText: 'Posted after three refreshes.' }).waitFor();
  assertNoProblems(context);
  await context.close();
}
