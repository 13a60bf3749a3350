/**
 * The dashboard's routing editors in Chromium: two rules and an A/B split made on the edit page are
 * shown as saved after a reload, the "test" preview answers which rule an iPhone or a German speaker
 * meets, a rule URL the API refuses has its error next to that rule's URL, the page is axe-clean with
 * the editors open (light and dark) and does not scroll sideways at 375 px, and the stats page breaks
 * routed visits down by destination and rule.
 *
 * KURZ_SCREENSHOTS=1 also saves a full-page PNG of the edit page's routing editors to docs/screenshots/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { killAll, repoRoot, tempDir, within, type Server } from './process-helpers.js';
import {
  assertNoHorizontalScroll, axeViolations, buildDashboard, launchChromium, newContext, signUp, startBrowserKurz, startTarget, WAIT_MS, type Problems,
} from './browser-helpers.js';

after(killAll);

const TIMEOUT = { timeout: 45_000 };
const SCREENSHOTS = process.env.KURZ_SCREENSHOTS === '1' ? join(repoRoot, 'docs', 'screenshots') : undefined;
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

/** The edit page from its rules to the rules test's answer, as a PNG in docs/screenshots/, when KURZ_SCREENSHOTS=1. */
async function screenshot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  const top = await page.locator('details.field-group').filter({ hasText: 'Routing rules' }).boundingBox();
  const bottom = await page.locator('form.rules-test').boundingBox();
  assert.ok(top && bottom);
  // Bounding boxes are relative to the viewport; a full-page clip to the page.
  const scrollY = await page.evaluate<number>('window.scrollY');
  await page.screenshot({
    path: join(SCREENSHOTS, `${name}.png`), fullPage: true,
    clip: { x: Math.max(0, top.x - 16), y: top.y + scrollY - 16, width: Math.max(top.width, bottom.width) + 32, height: bottom.y + bottom.height - top.y + 32 },
  });
}

/** For Locator.evaluate: whether the element has the focus. */
const isFocused = (el: { ownerDocument: { activeElement: unknown } }) => el === el.ownerDocument.activeElement;

describe('routing rules, A/B split and previews in the dashboard', () => {
  let kurz: Server;
  let base: string;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: Problems;
  const data = tempDir();
  /** The link the tests route, made through the shorten form. */
  let shortUrl = '';
  let editPath = '';

  before(async () => {
    target = await startTarget();
    [, { kurz, base }] = await Promise.all([buildDashboard(), startBrowserKurz(data.dir)]);
    browser = await launchChromium();
    ({ context, page, problems } = await newContext(browser, base, { width: 1280, height: 900 }));
    await page.emulateMedia({ colorScheme: 'light' });
    await signUp(page, 'owner@example.com', 'correct horse battery staple');
    await page.getByLabel('Long URL').fill(`${target.url}/main`);
    await page.getByRole('button', { name: 'Shorten' }).click();
    const short = page.getByTestId('short-url');
    await short.waitFor();
    shortUrl = await short.innerText();
    const code = shortUrl.slice(base.length + 1);
    await page.goto('/dashboard/links');
    await page.getByRole('link', { name: `Edit ${code}` }).click();
    await page.getByLabel('Destination URL').waitFor();
    editPath = new URL(page.url()).pathname;
  }, { timeout: 120_000 });

  after(async () => {
    await context?.close().catch(() => undefined);
    await within(10_000, browser?.close() ?? Promise.resolve(), () => 'closing the browser').catch(() => undefined);
    await kurz?.kill().catch(() => undefined);
    if (target) {
      target.server.closeAllConnections();
      await new Promise((resolve) => target.server.close(resolve));
    }
    data.remove();
  });

  const rule = (n: number): Locator => page.getByRole('group', { name: `Rule ${n}`, exact: true });
  const variant = (n: number): Locator => page.getByRole('group', { name: `Variant ${n}`, exact: true });
  const condition = (r: Locator, n: number): Locator => r.getByRole('group', { name: `Condition ${n}`, exact: true });
  /** Opens a group of the edit form by its summary, unless it is open already. */
  const open = async (summary: string) => {
    const details = page.locator('details.field-group').filter({ has: page.getByText(summary, { exact: true }) });
    if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
  };
  const answer = (): Locator => page.locator('.rules-test [role="status"]');
  /**
   * Runs the rules test and waits for its answer to read `expected` (each call of a test expects
   * another answer than the one before, so the old one is never taken for it).
   */
  const expectTest = async (expected: string) => {
    await page.getByRole('button', { name: 'Test the rules' }).click();
    const exact = new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    await answer().filter({ hasText: exact }).waitFor().catch(async () => assert.equal((await answer().innerText()).trim(), expected));
  };

  test('when a user adds two rules and a split, saves and reloads, then they are shown as saved, and the test preview answers rule 1 for an iPhone and rule 2 for German', TIMEOUT, async () => {
    await open('Routing rules (device, language, country …)');
    await page.getByRole('button', { name: 'Add rule' }).click();
    // The new rule's first input has the focus, for keyboard users.
    assert.equal(await condition(rule(1), 1).getByLabel('Type').evaluate(isFocused), true);
    await condition(rule(1), 1).getByLabel('Device').selectOption('ios');
    await rule(1).getByLabel('Then send visitors to').fill(`${target.url}/ios`);

    await page.getByRole('button', { name: 'Add rule' }).click();
    await condition(rule(2), 1).getByLabel('Type').selectOption('language');
    await condition(rule(2), 1).getByLabel('Language').fill('de');
    await rule(2).getByLabel('Then send visitors to').fill(`${target.url}/de`);

    await open('A/B split');
    await page.getByRole('button', { name: 'Start an A/B split' }).click();
    assert.equal(await variant(1).getByLabel('URL').evaluate(isFocused), true, 'the first variant\'s URL has the focus');
    await variant(1).getByLabel('URL').fill(`${target.url}/a`);
    await variant(1).getByLabel('Weight').fill('3');
    await variant(2).getByLabel('URL').fill(`${target.url}/b`);
    await variant(2).getByLabel('Weight').fill('1');
    assert.equal(await variant(1).getByTestId('share').innerText(), '75 %');
    assert.equal(await variant(2).getByTestId('share').innerText(), '25 %');

    await open('Link preview (Open Graph)');
    await page.getByLabel('Preview title').fill('Spring sale');

    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();

    await page.reload();
    await page.getByLabel('Destination URL').waitFor();
    // Set groups are open from the start: nothing saved is hidden.
    assert.equal(await condition(rule(1), 1).getByLabel('Type').inputValue(), 'device');
    assert.equal(await condition(rule(1), 1).getByLabel('Device').inputValue(), 'ios');
    assert.equal(await rule(1).getByLabel('Then send visitors to').inputValue(), `${target.url}/ios`);
    assert.equal(await condition(rule(2), 1).getByLabel('Type').inputValue(), 'language');
    assert.equal(await condition(rule(2), 1).getByLabel('Language').inputValue(), 'de');
    assert.equal(await rule(2).getByLabel('Then send visitors to').inputValue(), `${target.url}/de`);
    assert.equal(await variant(1).getByLabel('URL').inputValue(), `${target.url}/a`);
    assert.equal(await variant(1).getByLabel('Weight').inputValue(), '3');
    assert.equal(await variant(2).getByLabel('URL').inputValue(), `${target.url}/b`);
    assert.equal(await page.getByLabel('Preview title').inputValue(), 'Spring sale');

    await page.getByRole('button', { name: 'iPhone' }).click();
    assert.equal(await page.getByLabel('User agent').inputValue(), IPHONE);
    await expectTest(`Rule 1 → ${target.url}/ios`);

    await page.getByRole('button', { name: 'Desktop Chrome' }).click();
    await page.getByLabel('Accept-Language').fill('de-DE,de;q=0.9,en;q=0.5');
    await expectTest(`Rule 2 → ${target.url}/de`);

    await page.getByLabel('Accept-Language').fill('fr');
    await expectTest(`No rule: the A/B split draws one of ${target.url}/a (75 %), ${target.url}/b (25 %)`);
    assert.deepEqual(problems.pageErrors, []);
    await screenshot(page, 'link-routing');
  });

  test('when rule 2 moves up and is saved, then a German speaker\'s iPhone meets it first; a bad IP address is said under its input', TIMEOUT, async () => {
    await rule(2).getByRole('button', { name: 'Move up rule 2' }).click();
    assert.equal(await condition(rule(1), 1).getByLabel('Type').inputValue(), 'language');
    // The focus follows the rule: on its "Move up" button, now disabled at the top, so on "Move down".
    assert.equal(await rule(1).getByRole('button', { name: 'Move down rule 1' }).evaluate(isFocused), true);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await page.getByRole('button', { name: 'iPhone' }).click();
    await page.getByLabel('Accept-Language').fill('de');
    await expectTest(`Rule 1 → ${target.url}/de`);
    await page.getByLabel('Accept-Language').fill('');
    await expectTest(`Rule 2 → ${target.url}/ios`);

    // A value the API refuses is said under its input, which gets the focus.
    const ip = page.getByLabel('Visitor\'s IP address');
    await ip.fill('10.0.0.256');
    await page.getByRole('button', { name: 'Test the rules' }).click();
    await page.locator('.rules-test .field-error').filter({ hasText: 'must be an IPv4 or IPv6 address' }).waitFor();
    assert.equal(await ip.evaluate(isFocused), true);
    await ip.fill('');
  });

  test('when the API refuses a rule URL, then its error is shown next to that rule\'s URL, which gets the focus', TIMEOUT, async () => {
    const url = rule(2).getByLabel('Then send visitors to');
    await url.fill(`${base.replace(/:\d+$/, '')}/`); // Kurz's own host: a redirect loop
    await page.getByRole('button', { name: 'Save' }).click();
    await rule(2).locator('.field-error').waitFor();
    assert.match(await rule(2).locator('.field-error').innerText(), /must not point at this shortener/);
    assert.equal(await url.getAttribute('aria-invalid'), 'true');
    assert.equal(await url.evaluate(isFocused), true);
    assert.equal(await rule(1).locator('.field-error').count(), 0, 'rule 1 is not blamed');
    assert.equal(await page.getByRole('alert').count(), 0, 'the one error has its place: no alert besides');
    await page.reload();
    await page.getByLabel('Destination URL').waitFor();
    assert.equal(await rule(2).getByLabel('Then send visitors to').inputValue(), `${target.url}/ios`, 'nothing was changed');
  });

  test('when the editors are open with a rule of 8 conditions (the most), then "add" is disabled, axe finds no violation in light or dark mode, and at 375 px nothing scrolls sideways', TIMEOUT, async () => {
    await page.goto(editPath);
    await open('Routing rules (device, language, country …)');
    await condition(rule(1), 1).waitFor();
    const addCondition = rule(1).getByRole('button', { name: 'Add condition to rule 1' });
    await addCondition.click();
    await condition(rule(1), 2).getByLabel('Type').selectOption('time');
    // 8 conditions at most: "add" is disabled there, and says why.
    for (let n = 3; n <= 8; n++) await addCondition.click();
    assert.equal(await condition(rule(1), 8).count(), 1);
    assert.equal(await addCondition.isDisabled(), true);
    await rule(1).getByText('8 conditions at most.').waitFor();
    await open('Link preview (Open Graph)');
    await page.getByRole('button', { name: 'Bot' }).click();
    await expectTest(`No rule: the A/B split draws one of ${target.url}/a (75 %), ${target.url}/b (25 %)`);

    assert.deepEqual(await axeViolations(page), []);
    await page.emulateMedia({ colorScheme: 'dark' });
    try {
      assert.deepEqual(await axeViolations(page), [], 'in dark mode too (contrast)');
    } finally {
      await page.emulateMedia({ colorScheme: 'light' });
    }
    await page.setViewportSize({ width: 375, height: 800 });
    await assertNoHorizontalScroll(page, 375, 'the edit page with its routing editors open');
    await page.setViewportSize({ width: 320, height: 800 });
    await assertNoHorizontalScroll(page, 320, 'the edit page with its routing editors open');
    await page.setViewportSize({ width: 1280, height: 900 });
    assert.deepEqual(problems.cspViolations, []);
  });

  test('when an iPhone opens the link, then it lands on rule 2\'s URL, and the stats page, without routing tables before, counts it under Destinations and Rules', TIMEOUT, async () => {
    const destinations = page.getByRole('table', { name: 'Destinations' });
    const rules = page.getByRole('table', { name: 'Rules' });
    const total = page.getByTestId('total-clicks');
    await page.goto(`${editPath}/stats`);
    await total.waitFor();
    assert.equal(await total.innerText(), '0');
    assert.equal(await destinations.count() + await rules.count(), 0, 'no routing tables for a link never routed');

    const iphone = await browser.newContext({ userAgent: IPHONE });
    try {
      const visitor = await iphone.newPage();
      await visitor.goto(shortUrl, { timeout: WAIT_MS });
      assert.equal(visitor.url(), `${target.url}/ios`);
    } finally {
      await iphone.close();
    }

    // The click reaches the stats within CLICK_FLUSH_MS or so: ask again (as "Show" does) until it has.
    const show = page.getByRole('button', { name: 'Show', exact: true }); // "Loading…" while it loads
    const deadline = Date.now() + WAIT_MS;
    while ((await total.innerText()) !== '1') {
      assert.ok(Date.now() < deadline, `total clicks still ${await total.innerText()} after ${WAIT_MS} ms`);
      await page.waitForTimeout(100); // a paced poll: the click is counted on the server's flush timer
      await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname.endsWith('/stats')), show.click()]);
      await show.waitFor(); // loaded: the new counts are on the page
    }
    assert.deepEqual(await destinations.locator('tbody tr').allInnerTexts(), [`${target.url}/ios\t1`]);
    assert.deepEqual(await rules.locator('tbody tr').allInnerTexts(), ['Rule 2\t1']);
    assert.deepEqual(await axeViolations(page), [], 'the stats page with its routing tables');
    assert.deepEqual(problems.pageErrors, []);
  });
});
