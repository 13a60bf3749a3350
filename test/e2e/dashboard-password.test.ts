/**
 * A password-protected link end to end, in a real browser (Debian's Chromium driven by playwright-core,
 * as test/e2e/dashboard.test.ts): protected in the dashboard, opened at its short URL (the form, a
 * wrong password, the right one landing on the target), a reload that goes straight through on the
 * unlock cookie, and the password removed in the dashboard. A small local page is the target.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { killAll, startServer, tempDir, within, type Server } from './process-helpers.js';
import { freePort } from '../support/redis.js';
import { buildDashboard, launchChromium, newContext, signUp, startTarget, type Problems } from './browser-helpers.js';

after(killAll);

const TIMEOUT = { timeout: 30_000 };
const EMAIL = 'owner@example.com';
const ACCOUNT_PASSWORD = 'correct horse battery staple';
const LINK_PASSWORD = 'tea at five';

describe('a password-protected link in a browser', () => {
  let kurz: Server;
  let base: string;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let browser: Browser;
  let page: Page;
  /** The problems of every browser session of this file, the second browsers' too. */
  const problems: Problems = { cspViolations: [], pageErrors: [] };
  const data = tempDir();

  let shortUrl = '';
  let longUrl = '';
  let code = '';

  /** A browser session of its own, at a desktop's width; what goes wrong in it goes into `problems`. */
  const openContext = () => newContext(browser, base, { width: 1280, height: 800 }, problems);

  before(async () => {
    const [, port] = await Promise.all([buildDashboard(), freePort()]);
    base = `http://127.0.0.1:${port}`;
    target = await startTarget();
    kurz = await startServer({
      databaseFile: join(data.dir, 'kurz.db'),
      flags: ['--port', String(port)],
      env: {
        BASE_URL: base,
        ALLOW_PRIVATE_URLS: 'true', // the target is a local server
        JWT_SECRET: 'password-e2e-secret-0123456789abcdefghij',
        LOG_REQUESTS: '0',
        CLICK_FLUSH_MS: '100',
      },
    });
    browser = await launchChromium();
    ({ page } = await openContext());
  }, { timeout: 120_000 });

  after(async () => {
    await within(10_000, browser?.close() ?? Promise.resolve(), () => 'closing the browser').catch(() => undefined);
    await kurz?.kill().catch(() => undefined);
    if (target) {
      target.server.closeAllConnections();
      await new Promise((resolve) => target.server.close(resolve));
    }
    data.remove();
  });

  test('when a URL is shortened with a password in the dashboard, then the link is marked protected', TIMEOUT, async () => {
    await signUp(page, EMAIL, ACCOUNT_PASSWORD);

    longUrl = `${target.url}/members/only?id=7`;
    await page.getByLabel('Long URL').fill(longUrl);
    await page.getByLabel('Password (optional)').fill(LINK_PASSWORD);
    await page.getByRole('button', { name: 'Shorten' }).click();
    const short = page.getByTestId('short-url');
    await short.waitFor();
    shortUrl = await short.innerText();
    code = shortUrl.slice(base.length + 1);
    await page.getByText('Protected by a password').waitFor();
    assert.equal(await page.getByLabel('Password (optional)').inputValue(), '', 'the field is emptied: the password is write-only');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Links' }).click();
    const item = page.locator('.link-item').filter({ hasText: code });
    await item.getByText('(protected by a password)').waitFor({ state: 'attached' });
  });

  test('when the short URL is opened, then the form asks the password; a wrong one is said to be wrong, the right one lands on the target', TIMEOUT, async () => {
    assert.ok(shortUrl, 'needs the link made above');
    const asked = target.paths.length;
    const response = await page.goto(shortUrl);
    assert.equal(response?.status(), 200);
    assert.equal(page.url(), shortUrl, 'the form is at the short URL itself');
    await page.getByRole('heading', { level: 1, name: 'This link is protected by a password' }).waitFor();
    assert.equal(await page.locator('script').count(), 0);

    const input = page.getByLabel('Password');
    await input.fill('not the password');
    await page.getByRole('button', { name: 'Continue' }).click();
    const error = page.getByRole('alert');
    await error.waitFor();
    assert.match(await error.innerText(), /Wrong password/);
    assert.equal(await page.getByLabel('Password').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Password').getAttribute('aria-describedby'), await error.getAttribute('id'));
    assert.equal(target.paths.length, asked, 'the target was never reached');

    await page.getByLabel('Password').fill(LINK_PASSWORD);
    await Promise.all([page.waitForURL(longUrl), page.getByRole('button', { name: 'Continue' }).click()]);
    await page.getByRole('heading', { name: 'You arrived' }).waitFor();
    assert.deepEqual(problems.cspViolations, [], 'the form\'s style and post were allowed by its CSP');
  });

  test('when the short URL is opened again in that browser, then it goes straight to the target; another browser is asked again', TIMEOUT, async () => {
    assert.ok(shortUrl, 'needs the link made above');
    const response = await page.goto(shortUrl);
    assert.equal(page.url(), longUrl);
    assert.equal(response?.status(), 200);
    await page.getByRole('heading', { name: 'You arrived' }).waitFor();

    const { context: stranger, page: other } = await openContext();
    try {
      await other.goto(shortUrl);
      assert.equal(other.url(), shortUrl);
      await other.getByLabel('Password').waitFor();
    } finally {
      await stranger.close();
    }
  });

  test('when the password is removed on the edit page, then the link opens for everyone', TIMEOUT, async () => {
    await page.goto('/dashboard/links');
    await page.getByRole('link', { name: `Edit ${code}` }).click();
    await page.getByText('Protected by a password').waitFor();
    await page.getByRole('button', { name: 'Change password' }).waitFor();
    await page.getByRole('button', { name: 'Remove password' }).click();
    await page.getByRole('status').filter({ hasText: 'Password removed' }).waitFor();
    await page.getByLabel('Password', { exact: true }).waitFor();

    const { context: stranger, page: other } = await openContext();
    try {
      await other.goto(shortUrl);
      assert.equal(other.url(), longUrl);
    } finally {
      await stranger.close();
    }
    assert.deepEqual(problems.cspViolations, []);
  });
});
