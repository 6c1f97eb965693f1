// The browser journeys of the Staffroom web client, as a new user walks them. Started by
// the Rust test `browser::journeys` with the server already running; exits non-zero when a
// journey fails. Screenshots go to $STAFFROOM_ARTIFACTS.

import { launch, photographFailure, BASE_URL } from './harness.mjs';
import { collaborate } from './journeys/collaborate.mjs';
import { keyboardOnly } from './journeys/keyboard.mjs';
import { preferences } from './journeys/preferences.mjs';
import { library } from './journeys/library.mjs';
import { tabs } from './journeys/tabs.mjs';
import { accessibility } from './journeys/accessibility.mjs';
import { initiatives } from './journeys/initiatives.mjs';
import { connections } from './journeys/connections.mjs';
import { homeFeed, whatsNew } from './journeys/whats-new.mjs';
import { gettingStarted } from './journeys/getting-started.mjs';
import { writing } from './journeys/writing.mjs';

if (!BASE_URL) {
  console.error('STAFFROOM_URL is not set: run these through `cargo test` (browser::journeys).');
  process.exit(2);
}

const JOURNEYS = [
  ['sign up, create a network, invite, discuss live, recover a lost connection', collaborate],
  ['keyboard only: sign in, open a thread, reply, catch up with j/k, ? and r', keyboardOnly],
  ['profile, digest and email preferences with a digest preview', preferences],
  ['share and download a file, ask and accept help, search with a typo, add a convening to a calendar', library],
  ['two tabs share one sign-in through several token refreshes', tabs],
  ['an initiative: teams, a check-in that makes a bright spot live, a test of change tried by a peer', initiatives],
  ['connections: an anonymous request hidden, a direct message answered live, a poll with live results, insights', connections],
  ['what is new: first unread, mentions, notifications cleared from another tab', whatsNew],
  ['the home feed: live, to the first unread', homeFeed],
  ['writing: the toolbar by keyboard, a pasted image shown to everyone, quoting a selection', writing],
  ['getting started: the admin checklist, a pasted list of invitations, an invitation link joined from a phone in Central Time', gettingStarted],
  ['no serious accessibility violation on any main page, light and dark; screenshots', accessibility],
];

const only = process.env.STAFFROOM_JOURNEY;
const onlyAny = only?.split('|');
const browser = await launch();
const world = {}; // what earlier journeys made (accounts, network, thread) for later ones
let failed = 0;
for (const [name, journey] of JOURNEYS) {
  if (onlyAny && !onlyAny.some((part) => name.includes(part))) continue;
  const started = Date.now();
  try {
    await journey(browser, world);
    console.log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${name}\n${error.stack ?? error}`);
    await photographFailure(name);
  }
}
await browser.close();
console.log(failed ? `${failed} journey(s) failed` : 'all journeys passed');
process.exit(failed ? 1 : 0);
