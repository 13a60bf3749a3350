/**
 * The web dashboard end to end, in a real browser (Debian's Chromium driven by playwright-core):
 * the built pages, served by a real `kurz serve` process, clicked through as a user would, from
 * signing up to signing out. A small local page is the short link's destination (no internet here).
 *
 * KURZ_SCREENSHOTS=1 also saves full-page PNGs of the main pages to docs/screenshots/ (1280 px wide).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { killAll, repoRoot, startServer, tempDir, within, type Server } from './process-helpers.js';
import { freePort } from '../support/redis.js';
import { assertNoHorizontalScroll, buildDashboard, CSP_VIOLATION, launchChromium, newContext, startTarget, WAIT_MS, waitUntil, type Problems } from './browser-helpers.js';

after(killAll);

const TIMEOUT = { timeout: 30_000 };
const EMAIL = 'admin@example.com';
const PASSWORD = 'correct horse battery staple';
const SCREENSHOTS = process.env.KURZ_SCREENSHOTS === '1' ? join(repoRoot, 'docs', 'screenshots') : undefined;

// ---------------------------------------------------------------------------------------------
// Helpers of this file

/** A full-page PNG of what the page shows, when KURZ_SCREENSHOTS=1. */
async function screenshot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

const PHONE = { width: 375, height: 800 };

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');


// ---------------------------------------------------------------------------------------------

describe('the web dashboard in a browser', () => {
  let kurz: Server;
  let base: string;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: Problems;
  /** The phone-wide browser session of the last tests. */
  let phone: Awaited<ReturnType<typeof newContext>> | undefined;
  const data = tempDir();

  /** What the scenario learns as it goes: the link it made. */
  let shortUrl = '';
  let longUrl = '';
  let linkId = '';
  let code = '';

  before(async () => {
    const [, port] = await Promise.all([buildDashboard(), freePort()]);
    base = `http://127.0.0.1:${port}`;
    target = await startTarget();
    kurz = await startServer({
      databaseFile: join(data.dir, 'kurz.db'),
      flags: ['--port', String(port)],
      env: {
        // The session routes accept only Kurz's own Origin; and short URLs are made from BASE_URL.
        BASE_URL: base,
        // The target page is a local server: a private address, refused by default.
        ALLOW_PRIVATE_URLS: 'true',
        JWT_SECRET: 'dashboard-e2e-secret-0123456789abcdefghij',
        LOG_REQUESTS: '0',
        CLICK_FLUSH_MS: '100',
      },
    });
    assert.equal(kurz.url, base, 'the server listens where the browser goes');
    browser = await launchChromium();
    ({ context, page, problems } = await newContext(browser, base, { width: 1280, height: 800 }));
  }, { timeout: 120_000 });

  after(async () => {
    // Each step on its own: one failing (or never started) must not keep the others from running.
    await phone?.context.close().catch(() => undefined);
    await within(10_000, browser?.close() ?? Promise.resolve(), () => 'closing the browser').catch(() => undefined);
    await kurz?.kill().catch(() => undefined);
    if (target) {
      target.server.closeAllConnections();
      await new Promise((resolve) => target.server.close(resolve));
    }
    data.remove();
  });

  test('signing up the first account signs you in, as an admin', TIMEOUT, async () => {
    await page.goto('/dashboard/signup');
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Name (optional)').fill('Ada');
    await page.getByRole('button', { name: 'Create account' }).click();

    await page.getByLabel('Long URL').waitFor();
    assert.equal(page.url(), `${base}/`, 'after signing up, the home page');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    // The Users page is an admin's only: the first account is one.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).waitFor();
  });

  test('shortening a URL shows its short URL, and Copy copies it', TIMEOUT, async () => {
    longUrl = `${target.url}/articles/2024/a-rather-long-path/that-deserves-shortening?utm_source=dashboard-e2e&id=42`;
    await page.getByLabel('Long URL').fill(longUrl);
    await page.getByRole('button', { name: 'Shorten' }).click();

    const short = page.getByTestId('short-url');
    await short.waitFor();
    shortUrl = await short.innerText();
    assert.match(shortUrl, new RegExp(`^${escapeRegExp(base)}/[A-Za-z0-9_-]+$`));
    code = shortUrl.slice(base.length + 1);
    assert.equal(await short.getAttribute('href'), shortUrl);
    await page.getByText(longUrl).waitFor();
    const edit = await page.getByRole('link', { name: 'Edit', exact: true }).getAttribute('href');
    linkId = decodeURIComponent(/^\/dashboard\/links\/([^/]+)$/.exec(edit ?? '')?.[1] ?? '');
    assert.ok(linkId, `the result links to the link's edit page, got ${edit}`);

    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), shortUrl);
    await screenshot(page, 'home');
  });

  test('following the short link lands on the long URL', TIMEOUT, async () => {
    assert.ok(shortUrl, 'needs the short URL made above');
    const response = await page.goto(shortUrl);
    assert.equal(response?.status(), 200);
    assert.equal(page.url(), longUrl);
    assert.equal(await page.title(), 'Target');
    await page.getByRole('heading', { name: 'You arrived' }).waitFor();
    assert.ok(target.paths.includes(longUrl.slice(target.url.length)), `the target page was asked for ${JSON.stringify(target.paths)}`);
  });

  test('editing a link saves its title and tags; a bad code is explained next to the Code field', TIMEOUT, async () => {
    assert.ok(linkId, 'needs the link made above');
    // A full page load: the session comes back from its cookie.
    await page.goto('/dashboard/links');
    await page.getByRole('heading', { name: 'Your links' }).waitFor();
    await page.getByRole('link', { name: `Edit ${code}` }).click();
    await page.waitForURL(`${base}/dashboard/links/${encodeURIComponent(linkId)}`);

    await page.getByLabel('Destination URL').waitFor();
    // The UTM parameters have fields of their own: the URL is shown without them.
    assert.equal(await page.getByLabel('Destination URL').inputValue(), longUrl.replace('utm_source=dashboard-e2e&', ''));
    await page.getByLabel('Title', { exact: true }).fill('Launch announcement');
    await page.getByLabel('Tags').fill('news, launch');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await screenshot(page, 'link-edit');

    // "x" is too short for a code: the server says why, and the form puts it under the field.
    const codeInput = page.getByLabel('Code', { exact: true });
    await codeInput.fill('x');
    await page.getByRole('button', { name: 'Save' }).click();
    const error = page.locator('.field-error');
    await error.waitFor();
    const message = (await error.innerText()).trim();
    assert.ok(message.length > 0, 'the error says something');
    assert.match(message, /\b3\b.*\b64\b/, `the error says what a code must be: ${message}`);
    assert.doesNotMatch(message, /[{}]|\/body\/|pattern|\^\[/, `the error is in words, not JSON or a regular expression: ${message}`);
    assert.equal(await codeInput.getAttribute('aria-invalid'), 'true');
    const errorId = await error.getAttribute('id');
    assert.ok(errorId && (await codeInput.getAttribute('aria-describedby'))?.split(' ').includes(errorId),
      'the error is tied to the Code field (aria-describedby)');
    assert.equal(await page.getByRole('alert').count(), 0, 'no second, general error beside the field\'s');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Links' }).click();
    const item = page.locator('.link-item').filter({ hasText: shortUrl.replace(/^https?:\/\//, '') });
    await item.getByText('Launch announcement').waitFor();
    assert.deepEqual((await item.locator('.tag').allInnerTexts()).sort(), ['launch', 'news']);
    assert.equal(await page.locator('.link-item').count(), 1, 'the failed save made no second link');
    await screenshot(page, 'links');
  });

  test('the stats page counts the click, draws the chart and shows the QR code', TIMEOUT, async () => {
    assert.ok(linkId, 'needs the link made above');
    await page.getByRole('link', { name: `Stats for ${code}` }).click();
    await page.waitForURL(`${base}/dashboard/links/${encodeURIComponent(linkId)}/stats`);

    // The click reaches the stats within CLICK_FLUSH_MS or so: ask again (as "Show" does) until it has.
    const total = page.getByTestId('total-clicks');
    const show = page.getByRole('button', { name: 'Show', exact: true }); // "Loading…" while it loads
    const deadline = Date.now() + WAIT_MS;
    await total.waitFor();
    while ((await total.innerText()) !== '1') {
      assert.ok(Date.now() < deadline, `total clicks still ${await total.innerText()} after ${WAIT_MS} ms`);
      await page.waitForTimeout(100); // a paced poll: the click is counted on the server's flush timer
      await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname.endsWith('/stats')), show.click()]);
      await show.waitFor(); // loaded: the new total is on the page
    }

    await page.locator('.chart canvas').first().waitFor();
    const qr = page.getByRole('img', { name: `QR code for ${shortUrl}` });
    await qr.waitFor();
    assert.match(await qr.getAttribute('src') ?? '', /^data:image\/svg\+xml/);
    await waitUntil(page, "(() => { const img = document.querySelector('.qr img'); return img && img.complete && img.naturalWidth > 0; })()");
    await screenshot(page, 'stats');
  });

  test('an API key is shown once, works, and stops working once revoked', TIMEOUT, async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    await page.getByText('No API keys yet.').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('deploy script');
    await page.getByRole('button', { name: 'Create key' }).click();

    const secret = (await page.getByTestId('new-api-key').innerText()).trim();
    assert.ok(secret.length >= 20, `a key, got ${JSON.stringify(secret)}`);
    // A key works on links (it never manages the account: /users/me is a 403 for it).
    const me = () => fetch(`${base}/api/v1/links`, { headers: { authorization: `Bearer ${secret}` }, signal: AbortSignal.timeout(10_000) });
    assert.equal((await me()).status, 200, 'the new key signs API calls in');

    await page.getByRole('button', { name: 'Done' }).click();
    const row = page.getByRole('row').filter({ hasText: 'deploy script' });
    await row.waitFor();
    assert.equal(await page.getByTestId('new-api-key').count(), 0);
    assert.ok(!(await page.content()).includes(secret), 'the secret is not on the page any more');
    await screenshot(page, 'api-keys');

    await page.getByRole('button', { name: 'Revoke deploy script' }).click();
    await page.getByRole('button', { name: 'Yes, revoke deploy script' }).click();
    await page.getByText('No API keys yet.').waitFor();
    assert.equal(await row.count(), 0);
    assert.equal((await me()).status, 401, 'a revoked key is refused');
  });

  test('the session is an HttpOnly cookie only, and the CSP lets only the dashboard\'s own scripts run', TIMEOUT, async () => {
    const response = await page.goto('/');
    await page.getByLabel('Long URL').waitFor(); // signed in again from the cookie
    const csp = response?.headers()['content-security-policy'] ?? '';
    const scriptSrc = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src '));
    assert.equal(scriptSrc, "script-src 'self'", `content-security-policy: ${csp}`);

    assert.equal(await page.evaluate<number>('localStorage.length'), 0, 'nothing in localStorage');
    assert.equal(await page.evaluate<number>('sessionStorage.length'), 0, 'nothing in sessionStorage');
    assert.equal(await page.evaluate<string>('document.cookie'), '', 'no cookie a script can read');
    const cookies = await context.cookies();
    assert.deepEqual(cookies.map((c) => c.name), ['kurz_refresh']);
    assert.equal(cookies[0]!.httpOnly, true);
    assert.equal(cookies[0]!.sameSite, 'Strict');
    assert.equal(cookies[0]!.path, '/api/v1/auth/session');

    assert.deepEqual(problems.cspViolations, [], 'no page so far did anything the CSP refused');
    assert.deepEqual(problems.pageErrors, [], 'no uncaught exception on any page so far');

    // And the policy is enforced, not only sent: an injected inline script does not run.
    const refused = page.waitForEvent('console', (m) => m.type() === 'error' && CSP_VIOLATION.test(m.text()));
    await page.evaluate(`(() => {
      const script = document.createElement('script');
      script.textContent = 'window.injected = true';
      document.body.append(script);
    })()`);
    assert.match((await refused).text(), /inline script.*script-src 'self'/i);
    assert.equal(await page.evaluate<unknown>('window.injected'), undefined, 'the inline script did not run');
    problems.cspViolations.length = 0; // that one was this test's own
  });

  test('signing out ends the session: protected pages ask you to sign in, and the cookie is gone', TIMEOUT, async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' }).waitFor();
    assert.deepEqual((await context.cookies()).map((c) => c.name), [], 'the refresh cookie is deleted');

    await page.goto('/dashboard/links');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(page.url(), `${base}/dashboard/signin?next=${encodeURIComponent('/dashboard/links')}`);
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
    assert.deepEqual(problems.cspViolations, []);
    assert.deepEqual(problems.pageErrors, []);
  });

  test('on a phone-wide screen the home page does not scroll sideways', TIMEOUT, async () => {
    // A context of its own: a fresh browser session, signed in through the sign-in page.
    phone = await newContext(browser, base, PHONE);
    const { page } = phone;
    await page.goto('/dashboard/signin');
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Long URL').waitFor();
    await assertNoHorizontalScroll(page, PHONE.width, 'the home page');

    // With a result, whose long URL is one unbroken word.
    await page.getByLabel('Long URL').fill(`${target.url}/${'a-very-long-unbroken-path-segment'.repeat(6)}?q=${'x'.repeat(80)}`);
    await page.getByRole('button', { name: 'Shorten' }).click();
    await page.getByTestId('short-url').waitFor();
    await assertNoHorizontalScroll(page, PHONE.width, 'the home page with a short URL');
    assert.deepEqual(phone.problems.cspViolations, []);
    assert.deepEqual(phone.problems.pageErrors, []);
  });

  test('on a phone-wide screen the API keys page does not scroll sideways', {
    ...TIMEOUT,
  }, async () => {
    assert.ok(phone, 'needs the phone-wide session above');
    const { page } = phone;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name', { exact: true }).fill('phone');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Revoke phone' }).waitFor();
    await assertNoHorizontalScroll(page, PHONE.width, 'the API keys page with a key');
  });
});
