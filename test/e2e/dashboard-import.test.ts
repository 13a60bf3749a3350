/**
 * Moving in through the dashboard's Import page, in a real browser (Debian's Chromium driven by
 * playwright-core), with the keyboard alone: a small generic CSV goes up, the page follows the job with
 * a progress bar and then shows its report (counts, and the conflict and the invalid row with their
 * lines); the imported link is then listed with the visits it brought, apart from Kurz's own clicks.
 * axe-core checks each state, in light and dark, and the report does not scroll sideways at 320 px.
 *
 * KURZ_SCREENSHOTS=1 also saves a full-page PNG of the report to docs/screenshots/import.png (1280 px wide).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { killAll, repoRoot, tempDir, within, type Server } from './process-helpers.js';
import {
  assertNoHorizontalScroll, axeViolations, buildDashboard, launchChromium, newContext, signUp, startBrowserKurz, waitUntil, type Problems,
} from './browser-helpers.js';

after(killAll);

const TIMEOUT = { timeout: 60_000 };
const SCREENSHOTS = process.env.KURZ_SCREENSHOTS === '1' ? join(repoRoot, 'docs', 'screenshots') : undefined;

/**
 * Line 2 goes in; line 3 has line 2's code and another URL (the first of a file wins: a conflict);
 * line 5 is not a URL (invalid). The title of line 4 holds a comma, a quote and a newline.
 */
const CSV = [
  'url,code,title,tags,created_at,clicks',
  'https://example.com/moved-in,moved-in,Moved in,news|launch,2020-01-02T03:04:05Z,3400',
  'https://example.com/elsewhere,moved-in,Same code,,,7',
  'https://example.com/quoted,quoted,"A title, with ""quotes""',
  'and a second line",,,0',
  'not a url,broken,,,,',
  '',
].join('\r\n');

/** Presses Tab until `expression` holds for the focused element: proof that the keyboard reaches it. */
async function tabTo(page: Page, expression: string, what: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    if (await page.evaluate<boolean>(`(() => { const el = document.activeElement; return Boolean(el) && (${expression}); })()`)) return;
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab never reached ${what}`);
}

/** The count the report's table gives in the row named `name`. */
async function reportCount(page: Page, name: string): Promise<string> {
  return (await page.locator('.import-report').getByRole('row', { name: new RegExp(`^${name}`) }).getByRole('cell').innerText()).trim();
}

const focusedIs = (name: string) => `el.labels?.[0]?.textContent === ${JSON.stringify(name)} || el.textContent === ${JSON.stringify(name)}`;

async function assertAccessible(page: Page, where: string): Promise<void> {
  assert.deepEqual(await axeViolations(page), [], where);
  await page.emulateMedia({ colorScheme: 'dark' });
  try {
    assert.deepEqual(await axeViolations(page), [], `${where}, in dark mode (contrast)`);
  } finally {
    await page.emulateMedia({ colorScheme: 'light' });
  }
}

describe('importing links in the dashboard', () => {
  let kurz: Server;
  let browser: Browser;
  let page: Page;
  let problems: Problems;
  const data = tempDir();
  const file = join(data.dir, 'links.csv');

  before(async () => {
    writeFileSync(file, CSV);
    await buildDashboard();
    let base: string;
    ({ kurz, base } = await startBrowserKurz(data.dir));
    browser = await launchChromium();
    ({ page, problems } = await newContext(browser, base, { width: 1280, height: 800 }));
    await page.emulateMedia({ colorScheme: 'light' });
    await signUp(page, 'mover@example.com', 'correct horse battery staple');
  }, { timeout: 120_000 });

  after(async () => {
    await within(10_000, browser?.close() ?? Promise.resolve(), () => 'closing the browser').catch(() => undefined);
    await kurz?.kill().catch(() => undefined);
    data.remove();
  });

  test('when a CSV is imported with the keyboard alone, then a named progress bar and then the report show, with its counts and the conflict\'s line', TIMEOUT, async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Import' }).click();
    await page.getByRole('heading', { level: 1, name: 'Import links' }).waitFor();
    await page.getByText('No imports yet.').waitFor();
    await assertAccessible(page, 'the empty Import page');

    // Bitly is chosen first; from it, the arrow keys move through the radio group (Up wraps to the last, CSV).
    await tabTo(page, focusedIs('Bitly'), 'the format choice');
    await page.keyboard.press('ArrowUp');
    assert.equal(await page.getByRole('radio', { name: 'CSV' }).isChecked(), true);
    await tabTo(page, focusedIs('Export file'), 'the file input');
    const chooser = page.waitForEvent('filechooser');
    await page.keyboard.press('Space');
    await (await chooser).setFiles(file);
    await tabTo(page, focusedIs('Import'), 'the Import button');

    // The first progress poll waits until the bar has been seen: a small file would otherwise be done before.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/v1/imports/*', async (route) => {
      await held;
      await route.continue();
    }, { times: 1 });
    try {
      await page.keyboard.press('Enter');
      const bar = page.getByRole('progressbar', { name: 'Importing the CSV export' });
      await bar.waitFor();
      assert.match(await page.locator('main').innerText(), /rows? read/);
      assert.match(await page.getByRole('status').filter({ hasText: 'Importing' }).innerText(), /^Importing(: \d+ % read\.|…)$/);
      assert.equal(await page.getByRole('button', { name: 'Import' }).isDisabled(), true, 'one import at a time');
      await assertAccessible(page, 'the progress bar');
    } finally {
      release();
    }

    const heading = page.getByRole('heading', { level: 2, name: 'Import done' });
    await heading.waitFor();
    await waitUntil(page, 'document.activeElement?.id === "import-report-heading"');
    const report = page.locator('.import-report');
    assert.match(await report.getByRole('table').first().innerText(), /4 rows read/);
    assert.equal(await reportCount(page, 'Imported'), '2');
    assert.equal(await reportCount(page, 'Conflicts'), '1');
    assert.equal(await reportCount(page, 'Invalid'), '1');
    assert.equal(await reportCount(page, 'Duplicates'), '0');

    const conflicts = report.getByRole('table', { name: 'Conflicts: 1' });
    const conflict = conflicts.getByRole('row').nth(1);
    assert.equal(await conflict.getByRole('cell').nth(0).innerText(), '3');
    assert.equal(await conflict.getByRole('cell').nth(1).innerText(), 'moved-in');
    assert.match(await conflict.getByRole('cell').nth(2).innerText(), /taken/);
    const invalid = report.getByRole('table', { name: 'Invalid rows: 1' }).getByRole('row').nth(1);
    assert.equal(await invalid.getByRole('cell').nth(0).innerText(), '6');
    assert.match(await invalid.getByRole('cell').nth(2).innerText(), /url/);

    const past = page.getByRole('table', { name: 'Past imports, newest first' }).getByRole('row');
    assert.equal(await past.count(), 2, 'a header and this import');
    assert.match(await past.nth(1).innerText(), /CSV\s+Done\s+4\s+2/);
    await assertAccessible(page, 'the report');
    if (SCREENSHOTS) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, 'import.png'), fullPage: true });
    }
    await page.setViewportSize({ width: 320, height: 800 });
    try {
      await assertNoHorizontalScroll(page, 320, 'the report');
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  test('when the same file is checked again, then nothing changes and its rows are duplicates; the past imports list both', TIMEOUT, async () => {
    await tabTo(page, focusedIs('Check only'), 'the Check only box');
    await page.keyboard.press('Space');
    await tabTo(page, focusedIs('Check the file'), 'the Check button');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 2, name: 'Check done: nothing was changed' }).waitFor();
    await waitUntil(page, 'document.activeElement?.id === "import-report-heading"');
    assert.equal(await reportCount(page, 'Would be imported'), '0');
    assert.equal(await reportCount(page, 'Duplicates'), '2', 'what went in is recognised');
    assert.equal(await reportCount(page, 'Conflicts'), '1');

    const past = page.getByRole('table', { name: 'Past imports, newest first' }).getByRole('row');
    assert.equal(await past.count(), 3);
    assert.match(await past.nth(1).innerText(), /Done \(check only\)/);
    // The first import's report again, from the list; its heading takes focus as the button goes.
    await past.nth(2).getByRole('button', { name: /^Show report/ }).click();
    await page.getByRole('heading', { level: 2, name: 'Import done' }).waitFor();
    await waitUntil(page, 'document.activeElement?.id === "import-report-heading"');
  });

  test('when the imported link is listed, edited and its stats opened, then its visits before import show apart from Kurz\'s clicks', TIMEOUT, async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Links' }).click();
    const item = page.locator('.link-item').filter({ hasText: 'https://example.com/moved-in' });
    await item.waitFor();
    assert.match(await item.innerText(), /Moved in/);
    assert.match(await item.innerText(), /0 clicks · 3,400 before import · created Jan 2, 2020/);
    assert.equal(await page.locator('.link-item').filter({ hasText: 'https://example.com/elsewhere' }).count(), 0, 'the conflict went nowhere');
    assert.match(await page.locator('.link-item').filter({ hasText: 'https://example.com/quoted' }).innerText(), /A title, with "quotes"\s+and a second line/);

    await item.getByRole('link', { name: 'Edit moved-in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Edit link' }).waitFor();
    await page.getByText('0 clicks · 3,400 before import').waitFor();
    await page.getByRole('link', { name: 'Stats' }).click();
    await page.getByTestId('imported-clicks').waitFor();
    assert.match(await page.getByTestId('imported-clicks').innerText(), /^Before import: 3,400 clicks/);
    await page.getByTestId('total-clicks').waitFor();
    assert.equal(await page.getByTestId('total-clicks').innerText(), '0', 'the charts count Kurz\'s own clicks only');
    await assertAccessible(page, 'the stats of an imported link');
    assert.deepEqual(problems.cspViolations, []);
    assert.deepEqual(problems.pageErrors, []);
  });
});
