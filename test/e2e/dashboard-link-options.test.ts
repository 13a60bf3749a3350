/**
 * The dashboard's link options in Chromium: a click-limited link with a fallback (the second visit lands
 * on the fallback), the 410 page of one without (a page for people, under its strict CSP), UTM fields
 * merged into the destination and shown apart from it, and archiving a link out of the list.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { killAll, startServer, tempDir, within, type Server } from './process-helpers.js';
import { freePort } from '../support/redis.js';
import { buildDashboard, launchChromium, newContext, signUp, startTarget, type Problems } from './browser-helpers.js';

after(killAll);

const TIMEOUT = { timeout: 30_000 };

describe('link options in the dashboard', () => {
  let kurz: Server;
  let base: string;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: Problems;
  const data = tempDir();
  /** The limited link with a fallback, made through the shorten form. */
  let shortUrl = '';

  before(async () => {
    const [, port] = await Promise.all([buildDashboard(), freePort()]);
    base = `http://127.0.0.1:${port}`;
    target = await startTarget();
    kurz = await startServer({
      databaseFile: join(data.dir, 'kurz.db'),
      flags: ['--port', String(port)],
      env: {
        BASE_URL: base,
        ALLOW_PRIVATE_URLS: 'true', // the destination is a local server
        JWT_SECRET: 'link-options-e2e-secret-0123456789abcdefghij',
        LOG_REQUESTS: '0',
        CLICK_FLUSH_MS: '100',
      },
    });
    browser = await launchChromium();
    ({ context, page, problems } = await newContext(browser, base, { width: 1280, height: 800 }));
    await signUp(page, 'owner@example.com', 'correct horse battery staple');
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

  /** Shortens `url` on the home page with the options `fill` sets; the short URL. */
  const shorten = async (url: string, fill: () => Promise<void>) => {
    await page.goto('/');
    await page.getByLabel('Long URL').fill(url);
    await page.getByText('More options: expiry, click limit, fallback, UTM').click();
    await fill();
    await page.getByRole('button', { name: 'Shorten' }).click();
    const short = page.getByTestId('short-url');
    await short.waitFor();
    return short.innerText();
  };

  test('when a link with max clicks 1 and a fallback is opened twice, then the second visit lands on the fallback; UTM fields are merged into the destination', TIMEOUT, async () => {
    shortUrl = await shorten(`${target.url}/landing?id=7`, async () => {
      await page.getByLabel('Max clicks').fill('1');
      await page.getByLabel('After it expires, send visitors to').fill(`${target.url}/offer-over`);
      await page.getByText('UTM parameters (campaign tracking)').click();
      await page.getByLabel('Source', { exact: true }).fill('newsletter');
      await page.getByLabel('Campaign', { exact: true }).fill('spring sale');
    });
    const merged = `${target.url}/landing?id=7&utm_source=newsletter&utm_campaign=spring%20sale`;
    await page.getByText(merged).waitFor(); // the result shows the destination as stored

    const first = await page.goto(shortUrl);
    assert.equal(first?.status(), 200);
    assert.equal(page.url(), merged, 'the first visit lands on the destination, UTM parameters and all');
    await page.goto(shortUrl);
    assert.equal(page.url(), `${target.url}/offer-over`, 'the second visit lands on the fallback');
    await page.getByRole('heading', { name: 'You arrived' }).waitFor();
  });

  test('when a used-up link has no fallback, then the browser shows the 410 page, under its CSP', TIMEOUT, async () => {
    const short = await shorten(`${target.url}/once`, () => page.getByLabel('Max clicks').fill('1'));
    await page.goto(short);
    const gone = await page.goto(short);
    assert.equal(gone?.status(), 410);
    await page.getByRole('heading', { name: 'This link has reached its click limit' }).waitFor();
    await page.getByRole('main', { name: 'This link has reached its click limit' }).waitFor();
    assert.deepEqual(problems.cspViolations, [], 'the page\'s style is allowed by its hash');
  });

  test('when editing, then the URL is shown without its UTM parameters, and changed UTM fields are merged into it', TIMEOUT, async () => {
    await page.goto('/dashboard/links');
    await page.getByRole('heading', { name: 'Your links' }).waitFor();
    const code = shortUrl.slice(base.length + 1);
    await page.getByRole('link', { name: `Edit ${code}` }).click();
    await page.getByLabel('Destination URL').waitFor();
    assert.equal(await page.getByLabel('Destination URL').inputValue(), `${target.url}/landing?id=7`);
    // Set UTM values open their group from the start.
    assert.equal(await page.getByLabel('Source', { exact: true }).inputValue(), 'newsletter');
    assert.equal(await page.getByLabel('After it expires, send visitors to').inputValue(), `${target.url}/offer-over`);

    await page.getByLabel('Medium', { exact: true }).fill('email');
    await page.getByLabel('Campaign', { exact: true }).fill('');
    await page.getByLabel('Max clicks').fill(''); // no limit: the link redirects again
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.equal(await page.getByLabel('Destination URL').inputValue(), `${target.url}/landing?id=7`, 'still shown once');

    await page.goto(shortUrl);
    assert.equal(page.url(), `${target.url}/landing?id=7&utm_source=newsletter&utm_medium=email`);
  });

  test('when a link is archived, then it leaves the list, and "show archived" lists it', TIMEOUT, async () => {
    const code = shortUrl.slice(base.length + 1);
    await page.goto('/dashboard/links');
    await page.getByRole('link', { name: `Edit ${code}` }).click();
    await page.getByRole('button', { name: 'Archive link' }).click();
    await page.getByRole('status').filter({ hasText: 'Archived.' }).waitFor();
    await page.getByRole('button', { name: 'Unarchive link' }).waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Links' }).click();
    await page.getByRole('heading', { name: 'Your links' }).waitFor();
    await page.locator('.link-item').first().waitFor();
    assert.equal(await page.getByRole('link', { name: `Edit ${code}` }).count(), 0, 'the archived link left the list');
    assert.equal(await page.locator('.link-item').count(), 1, 'the other link stays');

    await page.getByLabel('Show archived links instead').check();
    await page.getByRole('heading', { name: 'Your archived links' }).waitFor();
    await page.getByRole('link', { name: `Edit ${code}` }).waitFor();
    assert.equal(await page.locator('.link-item').count(), 1);

    const res = await page.goto(shortUrl);
    assert.equal(res?.status(), 200, 'an archived link still redirects');
    assert.deepEqual(problems.pageErrors, []);
  });
});
