/**
 * The dashboard's "Shorten several" in a real browser (Debian's Chromium driven by playwright-core):
 * one URL per line, one bulk request, each line's short URL or error next to it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { killAll, repoRoot, startServer, tempDir, within, type Server } from './process-helpers.js';
import { freePort } from '../support/redis.js';
import { WEB_DIST } from '../../src/http/dashboard.js';

after(killAll);

const TIMEOUT = { timeout: 30_000 };
const WAIT_MS = 15_000;

/**
 * Builds the dashboard into web/dist as dashboard.test.ts does: into a folder of its own, then each file
 * moved in with a rename (index.html last), so servers other test files start meanwhile never see it half-built.
 */
async function buildDashboard(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'kurz-web-build-'));
  try {
    const child = spawn(join(repoRoot, 'node_modules', '.bin', 'vite'),
      ['build', '--config', 'web/vite.config.ts', '--logLevel', 'warn', '--outDir', out, '--emptyOutDir'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const code = await within(90_000, new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    }), () => `vite build\n${output}`);
    if (code !== 0) throw new Error(`the web dashboard does not build:\n${output}`);
    const install = (from: string, to: string) => {
      const partial = `${to}.${process.pid}.partial`;
      copyFileSync(from, partial);
      renameSync(partial, to);
    };
    mkdirSync(join(WEB_DIST, 'assets'), { recursive: true });
    for (const name of readdirSync(join(out, 'assets'))) install(join(out, 'assets', name), join(WEB_DIST, 'assets', name));
    install(join(out, 'index.html'), join(WEB_DIST, 'index.html'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe('shortening several URLs in the dashboard', () => {
  let kurz: Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const data = tempDir();

  before(async () => {
    const [, port] = await Promise.all([buildDashboard(), freePort()]);
    base = `http://127.0.0.1:${port}`;
    kurz = await startServer({
      databaseFile: join(data.dir, 'kurz.db'),
      flags: ['--port', String(port)],
      env: { BASE_URL: base, JWT_SECRET: 'dashboard-bulk-e2e-secret-0123456789abcdef', LOG_REQUESTS: '0' },
    });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(WAIT_MS);
    // Uncaught exceptions and Content-Security-Policy refusals (a 401 of the first session check is expected).
    context.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error' && /Refused to|violates the following Content Security Policy directive/.test(message.text())) pageErrors.push(message.text());
    });
    context.on('weberror', (error) => pageErrors.push(String(error.error())));
    page = await context.newPage();
  }, { timeout: 120_000 });

  after(async () => {
    await within(10_000, browser?.close() ?? Promise.resolve(), () => 'closing the browser').catch(() => undefined);
    await kurz?.kill().catch(() => undefined);
    data.remove();
  });

  test('when several lines are shortened at once, then each line shows its short URL or its error, in order', TIMEOUT, async () => {
    await page.goto('/dashboard/signup');
    await page.getByLabel('Email').fill('bulk@example.com');
    await page.getByLabel('Password').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByLabel('Long URL').waitFor();

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
    assert.deepEqual(pageErrors, []);
  });
});
