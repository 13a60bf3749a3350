/**
 * Custom domains end to end, in a real browser (Debian's Chromium driven by playwright-core, as
 * test/e2e/dashboard.test.ts): an admin registers go.example.test on the Domains page, shortens a URL
 * on it, and the short URL the page shows is on that host and reaches the target when opened.
 * Chromium resolves go.example.test to Kurz's port with --host-resolver-rules, so it sends that name
 * in the Host header as a browser on the real domain would. axe-core checks the new page's accessibility.
 *
 * KURZ_SCREENSHOTS=1 also saves a full-page PNG of the Domains page to docs/screenshots/ (1280 px wide).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { WAIT_MS, axeViolations, buildDashboard, launchChromium, newContext, startTarget, type Problems } from './browser-helpers.js';
import { killAll, repoRoot, startServer, tempDir, within, type Server } from './process-helpers.js';
import { freePort } from '../support/redis.js';

after(killAll);

const TIMEOUT = { timeout: 30_000 };
const EMAIL = 'admin@example.com';
const PASSWORD = 'correct horse battery staple';
/** The custom domain: `.test` is reserved (RFC 2606), so it can never reach a real server. */
const GO = 'go.example.test';
const SCREENSHOTS = process.env.KURZ_SCREENSHOTS === '1' ? join(repoRoot, 'docs', 'screenshots') : undefined;

/** One GET to Kurz with the given Host, not followed: its status and Location. */
function visit(port: number, host: string, path: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('custom domains in the dashboard', () => {
  let kurz: Server;
  let port: number;
  let base: string;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let browser: Browser;
  let page: Page;
  let problems: Problems;
  const data = tempDir();

  let shortUrl = '';
  let code = '';

  before(async () => {
    [, port] = await Promise.all([buildDashboard(), freePort()]);
    base = `http://127.0.0.1:${port}`;
    target = await startTarget();
    kurz = await startServer({
      databaseFile: join(data.dir, 'kurz.db'),
      flags: ['--port', String(port)],
      env: {
        BASE_URL: base,
        ALLOW_PRIVATE_URLS: 'true', // the target is a local server
        JWT_SECRET: 'domains-e2e-secret-0123456789abcdefghijkl',
        LOG_REQUESTS: '0',
        CLICK_FLUSH_MS: '100',
      },
    });
    browser = await launchChromium([
      // The custom domain is Kurz, at Kurz's port: the URL keeps its name (and so the Host header), only the socket changes.
      `--host-resolver-rules=MAP ${GO} 127.0.0.1:${port}`,
      // No https:// attempt first for the plain http short URL.
      '--disable-features=HttpsUpgrades',
    ]);
    ({ page, problems } = await newContext(browser, base, { width: 1280, height: 800 }));
    await page.emulateMedia({ colorScheme: 'light' });
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

  test('when the admin opens Domains, then the default domain is listed as BASE_URL\'s, with nothing to edit or delete, and axe finds no violation', TIMEOUT, async () => {
    await page.goto('/dashboard/signup');
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { level: 1, name: 'Shorten a URL' }).waitFor();
    assert.equal(await page.getByLabel('Domain').count(), 0, 'with BASE_URL\'s host alone there is nothing to choose');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Domains' }).click();
    await page.getByRole('heading', { level: 1, name: 'Domains' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'default (BASE_URL)' });
    await row.waitFor();
    assert.match(await row.innerText(), /127\.0\.0\.1/);
    assert.match(await row.innerText(), /Set by BASE_URL/);
    assert.equal(await row.getByRole('button').count(), 0, 'the default domain has no Edit or Delete');
    assert.match(await page.locator('main').innerText(), /Host/, 'the page says the proxy must pass the Host header');
    assert.deepEqual(await axeViolations(page), []);
    await page.emulateMedia({ colorScheme: 'dark' });
    try {
      assert.deepEqual(await axeViolations(page), [], 'in dark mode too (contrast)');
    } finally {
      await page.emulateMedia({ colorScheme: 'light' });
    }
  });

  test('when a bad host name is added, then the API\'s message sits under the Host name field, which takes focus', TIMEOUT, async () => {
    await page.getByLabel('Host name').fill('https://go.example.test/path');
    await page.getByRole('button', { name: 'Add domain' }).click();
    const field = page.getByLabel('Host name');
    await page.waitForFunction('document.activeElement?.getAttribute("aria-invalid") === "true"');
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    const errorId = (await field.getAttribute('aria-describedby'))!.split(' ').find((id) => id.endsWith('-error'))!;
    assert.ok(errorId, 'the error is tied to the field');
    assert.match(await page.locator(`[id="${errorId}"]`).innerText(), /\S/);
    assert.equal(await page.getByRole('row').filter({ hasText: 'go.example.test' }).count(), 0);
  });

  test('when a domain is added and its root redirect edited, then the list shows it shared, with its redirects, and focus returns to its Edit button', TIMEOUT, async () => {
    await page.getByLabel('Host name').fill(GO);
    await page.getByLabel('Not-found redirect (optional)').fill(`${target.url}/missing`);
    await page.getByRole('button', { name: 'Add domain' }).click();
    await page.getByRole('status').filter({ hasText: `Added ${GO}.` }).waitFor();
    assert.equal(await page.getByLabel('Host name').inputValue(), '', 'the form is ready for the next one');
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: GO, exact: true }) });
    assert.match(await row.innerText(), /Every user/);
    assert.match(await row.innerText(), new RegExp(`${target.url.replace(/\./g, '\\.')}/missing`));

    await row.getByRole('button', { name: `Edit ${GO}` }).click();
    const root = page.getByLabel(`Root redirect of ${GO}`);
    await page.waitForFunction('document.activeElement?.getAttribute("name") === "root_redirect"');
    assert.deepEqual(await axeViolations(page), [], 'with the edit form open too');
    await root.fill(`${target.url}/home`);
    await page.getByRole('form', { name: `Edit ${GO}` }).getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: `Saved ${GO}.` }).waitFor();
    assert.match(await row.innerText(), /\/home/);
    await page.waitForFunction(`document.activeElement?.textContent === 'Edit ${GO}'`);
    if (SCREENSHOTS) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, 'domains.png'), fullPage: true });
    }

    assert.deepEqual(await visit(port, GO, '/'), { status: 302, location: `${target.url}/home` }, 'the root redirect is in force');
  });

  test('when a URL is shortened on the domain, then the short URL shown is on its host and, opened with that host, reaches the target', TIMEOUT, async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
    const select = page.getByLabel('Domain');
    await select.waitFor();
    assert.equal(await select.inputValue(), '127.0.0.1', 'the default domain is preselected');
    await select.selectOption(GO);
    await page.getByLabel('Long URL').fill(`${target.url}/landing?from=go`);
    await page.getByRole('button', { name: 'Shorten' }).click();
    const short = page.getByTestId('short-url');
    await short.waitFor();
    shortUrl = await short.innerText();
    assert.match(shortUrl, new RegExp(`^http://${GO.replace(/\./g, '\\.')}/[A-Za-z0-9_-]+$`));
    code = new URL(shortUrl).pathname.slice(1);
    assert.equal(await select.inputValue(), GO, 'the domain stays chosen for the next URL');

    // Without following: Kurz answers the code on this host only.
    assert.deepEqual(await visit(port, GO, `/${code}`), { status: 302, location: `${target.url}/landing?from=go` });
    assert.equal((await visit(port, '127.0.0.1', `/${code}`)).status, 404, 'the code lives on its domain, not on BASE_URL\'s');

    const asked = target.paths.length;
    const response = await page.goto(shortUrl);
    assert.equal(response?.status(), 200);
    await page.getByRole('heading', { name: 'You arrived' }).waitFor();
    assert.equal(page.url(), `${target.url}/landing?from=go`);
    assert.equal(target.paths.slice(asked).find((path) => path.startsWith('/landing')), '/landing?from=go');

    await page.goto('/dashboard/links');
    await page.getByRole('link', { name: `${GO}/${code}` }).waitFor();
  });

  test('when the domain still has a link, then Delete says so and keeps it; once the link moves to the default domain, it is deleted', TIMEOUT, async () => {
    await page.goto('/dashboard/domains');
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: GO, exact: true }) });
    await row.getByRole('button', { name: `Delete ${GO}` }).click();
    await row.getByRole('button', { name: `Yes, delete ${GO}` }).click();
    const alert = row.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /still has links/);
    assert.equal((await visit(port, GO, '/')).status, 302, 'the domain is still there');

    await page.goto('/dashboard/links');
    await page.getByRole('link', { name: `Edit ${code}` }).click();
    const select = page.getByLabel('Domain');
    assert.equal(await select.inputValue(), GO);
    await select.selectOption('127.0.0.1');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await page.locator('main .short-url').filter({ hasText: `${base}/${code}` }).waitFor();

    await page.goto('/dashboard/domains');
    await row.getByRole('button', { name: `Delete ${GO}` }).click();
    await row.getByRole('button', { name: `Yes, delete ${GO}` }).click();
    await page.getByRole('status').filter({ hasText: `Deleted ${GO}.` }).waitFor();
    assert.equal(await page.getByRole('rowheader', { name: GO, exact: true }).count(), 0);
    await page.waitForFunction('document.activeElement?.textContent === "Registered domains"');
    assert.equal((await visit(port, GO, `/${code}`)).status, 404, 'its host is unknown now');
    assert.deepEqual(problems.cspViolations, []);
    assert.deepEqual(problems.pageErrors, []);
  });

  test('when a user who is not an admin signs in, then the header has no Domains link and the page says why', TIMEOUT, async () => {
    const other = await browser.newContext({ baseURL: base, colorScheme: 'light' });
    other.setDefaultTimeout(WAIT_MS);
    try {
      const them = await other.newPage();
      await them.goto('/dashboard/signup');
      await them.getByLabel('Email').fill('user@example.com');
      await them.getByLabel('Password').fill(PASSWORD);
      await them.getByRole('button', { name: 'Create account' }).click();
      await them.getByRole('heading', { level: 1, name: 'Shorten a URL' }).waitFor();
      const nav = them.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Links' }).waitFor();
      assert.equal(await nav.getByRole('link', { name: 'Domains' }).count(), 0);
      await them.goto('/dashboard/domains');
      await them.getByRole('alert').filter({ hasText: 'Only administrators can manage domains.' }).waitFor();
    } finally {
      await other.close();
    }
  });
});
