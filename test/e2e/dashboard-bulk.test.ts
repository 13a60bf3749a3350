/**
 * The dashboard's "Shorten several" in a real browser (Debian's Chromium driven by playwright-core):
 * one URL per line, one bulk request, each line's short URL or error next to it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { killAll, startServer, tempDir, within, type Server } from './process-helpers.js';
import { freePort } from '../support/redis.js';
import { buildDashboard, launchChromium, newContext, signUp, type Problems } from './browser-helpers.js';

after(killAll);

const TIMEOUT = { timeout: 30_000 };

describe('shortening several URLs in the dashboard', () => {
  let kurz: Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  /** Uncaught exceptions and Content-Security-Policy refusals (a 401 of the first session check is expected, and not one). */
  let problems: Problems;
  const data = tempDir();

  before(async () => {
    const [, port] = await Promise.all([buildDashboard(), freePort()]);
    base = `http://127.0.0.1:${port}`;
    kurz = await startServer({
      databaseFile: join(data.dir, 'kurz.db'),
      flags: ['--port', String(port)],
      env: { BASE_URL: base, JWT_SECRET: 'dashboard-bulk-e2e-secret-0123456789abcdef', LOG_REQUESTS: '0' },
    });
    browser = await launchChromium();
    ({ page, problems } = await newContext(browser, base, { width: 1280, height: 800 }));
  }, { timeout: 120_000 });

  after(async () => {
    await within(10_000, browser?.close() ?? Promise.resolve(), () => 'closing the browser').catch(() => undefined);
    await kurz?.kill().catch(() => undefined);
    data.remove();
  });

  test('when several lines are shortened at once, then each line shows its short URL or its error, in order', TIMEOUT, async () => {
    await signUp(page, 'bulk@example.com', 'correct horse battery staple');

    await page.getByText('Shorten several').click();
    await page.getByLabel('URLs to shorten, one per line').fill('https://example.com/first\n\nftp://example.com/nope\n  https://example.com/second  \n');
    await page.getByRole('button', { name: 'Shorten 3 URLs' }).click();
    await page.getByRole('heading', { name: '2 of 3 shortened' }).waitFor();

    const items = page.getByTestId('bulk-result');
    assert.equal(await items.count(), 3);
    const first = items.nth(0).getByRole('link');
    const short = await first.innerText();
    assert.match(short, new RegExp(`^${base.replace(/[.]/g, '\\.')}/[0-9A-Za-z]{7}$`));
    assert.equal(await first.getAttribute('href'), short);
    assert.match(await items.nth(0).innerText(), /^https:\/\/example\.com\/first → /);
    assert.match(await items.nth(1).innerText(), /ftp:\/\/example\.com\/nope → url must use http or https/);
    assert.equal(await items.nth(1).getByRole('link').count(), 0);
    assert.match(await items.nth(2).innerText(), /^https:\/\/example\.com\/second → http/);

    // The short URL redirects where its line said.
    const redirect = await fetch(short, { redirect: 'manual' });
    assert.equal(redirect.headers.get('location'), 'https://example.com/first');
    // And the links are the user's, listed on the Links page.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Links' }).click();
    await page.getByText('https://example.com/second').waitFor();
    assert.deepEqual(problems.cspViolations, []);
    assert.deepEqual(problems.pageErrors, []);
  });
});
