// axe-core on every main page, light and dark, at desktop and phone width: no serious or
// critical violation. Each page is also saved as a screenshot to look at.

import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { newContext, screenshot } from '../harness.mjs';
import { signIn } from './preferences.mjs';

const require = createRequire(import.meta.url);
const AXE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

const VIEWPORTS = { desktop: { width: 1280, height: 860 }, phone: { width: 390, height: 844 } };

export async function accessibility(browser, world) {
  const pages = [
    ['home', '/', /^Welcome/],
    ['network', world.networkPath, 'Attendance Leads'],
    ['members', `${world.networkPath}/members`, 'Attendance Leads'],
    ['thread', world.threadPath, 'Chronic absence in 9th grade'],
    ['resources', `${world.networkPath}/resources`, 'Attendance Leads'],
    ['help', `${world.networkPath}/help`, 'Attendance Leads'],
    ['convenings', `${world.networkPath}/convenings`, 'Attendance Leads'],
    ['resource', world.resourcePath, 'Attendance tracker'],
    ['help-request', world.helpPath, 'How do you run attendance teams?'],
    ['convening', world.conveningPath, 'Spring convening'],
    ['initiatives', `${world.networkPath}/initiatives`, 'Attendance Leads'],
    ['initiative', world.initiativePath, 'Chronic absence, 9th grade'],
    ['test-of-change', world.testPath, 'Mentors call home after the second absence'],
    ['search', world.searchPath, /^Search/],
    ['member', world.memberPath, 'Mia Rivera'],
    ['polls', `${world.networkPath}/polls`, 'Attendance Leads'],
    ['poll', world.pollPath, 'Which day suits the family forum?'],
    ['insights', `${world.networkPath}/insights`, 'Attendance Leads'],
    ['conversations', '/conversations', 'Messages'],
    ['conversation', world.conversationPath, 'Mia Rivera'],
    ['notifications', '/notifications', 'Notifications'],
    ['settings', '/settings', 'Settings'],
    ['not-found', '/no/such/page', 'Not found'],
  ];
  const signedOut = [
    ['sign-in', '/sign-in', 'Sign in to Staffroom'],
    ['sign-up', '/sign-up', 'Create your Staffroom account'],
  ];
  const failures = [];
  for (const scheme of ['light', 'dark']) {
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      // axe is injected as a script, which the client's CSP rightly refuses: only here is
      // the CSP bypassed, and only to run the checker.
      const context = await newContext(browser, { viewport, colorScheme: scheme, bypassCSP: true, reducedMotion: 'reduce' });
      const page = await context.newPage();
      for (const [name, path, heading] of signedOut) await check(page, name, path, heading, scheme, size, failures);
      await signIn(page, world.admin);
      for (const [name, path, heading] of pages) await check(page, name, path, heading, scheme, size, failures);
      await context.close();
    }
  }
  if (failures.length) throw new Error(`accessibility violations:\n${failures.join('\n')}`);
}

async function check(page, name, path, heading, scheme, size, failures) {
  await page.goto(path);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.evaluate(AXE);
  const { violations, checked } = await page.evaluate(async () => {
    const result = await window.axe.run(document);
    return {
      checked: result.passes.length,
      violations: result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`),
    };
  });
  // A checker that checked nothing would pass anything.
  if (checked < 10) failures.push(`${name} [${scheme}, ${size}]: axe passed only ${checked} rules`);
  for (const violation of violations) failures.push(`${name} [${scheme}, ${size}]: ${violation}`);
  // Values that never made it into words.
  const stray = await page.evaluate(() => document.querySelector('main').innerText.match(/\b(null|undefined|NaN)\b|\[object Object\]/)?.[0]);
  if (stray) failures.push(`${name} [${scheme}, ${size}]: the page shows “${stray}”`);
  await screenshot(page, `${name}-${size}-${scheme}`);
}
