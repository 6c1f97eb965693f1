// Writing a reply as people expect to: formatting from the toolbar by keyboard and with
// Ctrl+B, an image pasted into the text (uploaded, then shown in the post to Lauren and, as
// it arrives live, to Mia), and Mia quoting the sentence she selected.

import { assertNoProblems, eventually, screenshot } from '../harness.mjs';
import { laurenAndMia } from './preferences.mjs';

/** Pastes a small PNG drawn in the page into `selector`, as a screenshot tool would. */
async function pasteImage(page, selector) {
  await page.evaluate(async (target) => {
    const canvas = document.createElement('canvas');
    canvas.width = 160;
    canvas.height = 90;
    const g = canvas.getContext('2d');
    g.fillStyle = '#1f6f5c';
    g.fillRect(0, 0, 160, 90);
    g.fillStyle = '#ffffff';
    g.fillRect(20, 20, 60, 40);
    const blob = await new Promise((done) => canvas.toBlob(done, 'image/png'));
    const data = new DataTransfer();
    data.items.add(new File([blob], 'whiteboard.png', { type: 'image/png' }));
    document.querySelector(target).dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, selector);
}

const loaded = (locator) => locator.evaluate((img) => img.complete && img.naturalWidth > 0);

export async function writing(browser, world) {
  const { laurenContext, lauren, miaContext, mia } = await laurenAndMia(browser, world);
  await mia.goto(world.threadPath);
  await lauren.goto(world.threadPath);
  await lauren.getByRole('heading', { level: 2, name: 'Reply' }).waitFor();

  // Ctrl+B makes the selection bold; the toolbar is one tab stop, walked with the arrows.
  const box = lauren.getByLabel('Your reply');
  await box.fill('Attendance');
  await box.press('Control+a');
  await box.press('Control+b');
  const toolbar = box.locator('xpath=ancestor::sr-composer').getByRole('toolbar', { name: 'Formatting' });
  await toolbar.getByRole('button', { name: 'Bold' }).focus();
  for (const name of ['Italic', 'Link', 'Bulleted list']) {
    await lauren.keyboard.press('ArrowRight');
    const focused = await lauren.evaluate(() => document.activeElement?.textContent);
    if (focused !== name) throw new Error(`the arrow key moved to ${focused}, not ${name}`);
  }
  await box.press('End');
  await box.press('Enter');
  await box.pressSequentially('first: call home');
  await toolbar.getByRole('button', { name: 'Bulleted list' }).press('Enter');
  const written = await box.inputValue();
  if (!written.startsWith('**Attendance**') || !written.includes('- first: call home')) throw new Error(`the toolbar wrote ${JSON.stringify(written)}`);

  // A pasted image is uploaded and put where the cursor was.
  await box.press('End');
  await box.press('Enter');
  await pasteImage(lauren, '.view-thread form textarea[name="body"]');
  await eventually('the image in the text', async () => /!\[whiteboard\]\(\/api\/v1\/images\/\d+\)/.test(await box.inputValue()));
  await lauren.getByRole('button', { name: 'Post reply' }).click();
  const posted = lauren.locator('article.post', { hasText: 'first: call home' });
  await posted.locator('strong', { hasText: 'Attendance' }).waitFor();
  const image = posted.locator('img[alt="whiteboard"]');
  await eventually('the image shown to Lauren', () => loaded(image));

  // Mia's page received it live, without a signed address: it loads all the same.
  const hers = mia.locator('article.post', { hasText: 'first: call home' }).locator('img[alt="whiteboard"]');
  await hers.waitFor();
  await eventually('the image shown to Mia', () => loaded(hers));

  // She quotes the sentence she selected.
  const article = mia.locator('article.post', { hasText: 'first: call home' });
  await article.locator('li', { hasText: 'first: call home' }).evaluate((item) => {
    const range = document.createRange();
    range.selectNodeContents(item);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  });
  await article.getByRole('button', { name: 'Quote' }).click();
  const quoted = await mia.getByLabel('Your reply').inputValue();
  if (!quoted.includes('@lauren-thomas wrote:\n> first: call home')) throw new Error(`the quote reads ${JSON.stringify(quoted)}`);
  await mia.getByText(/^Replying to Lauren Thomas/).waitFor();
  await mia.setViewportSize({ width: 375, height: 800 });
  await screenshot(mia, 'composer-375');
  await mia.getByLabel('Your reply').fill('');

  assertNoProblems(laurenContext);
  assertNoProblems(miaContext);
  await laurenContext.close();
  await miaContext.close();
}
