/**
 * A password-protected link end to end, in a real browser (Debian's Chromium driven by playwright-core,
 * as test/e2e/dashboard.test.ts): protected in the dashboard, opened at its short URL (the form, a
 * wrong password, the right one landing on the target), a reload that goes straight through on the
 * unlock cookie, and the password removed in the dashboard. A small local page is the target.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { killAll, repoRoot, startServer, tempDir, within, type Server } from './process-helpers.js';
import { freePort } from '../support/redis.js';
import { WEB_DIST } from '../../src/http/dashboard.js';

after(killAll);

const TIMEOUT = { timeout: 30_000 };
const WAIT_MS = 15_000;
const EMAIL = 'owner@example.com';
const ACCOUNT_PASSWORD = 'correct horse battery staple';
const LINK_PASSWORD = 'tea at five';

/** Builds the dashboard into web/dist as dashboard.test.ts does: in a folder of its own, then moved in file by file, index.html last. */
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
    if (code !== 0) throw new Error(`the web dashboard does not build (exit code ${code}):\n${output}`);
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

const TARGET_PAGE = '<!doctype html><html><head><meta charset="utf-8"><title>Target</title></head><body><h1>You arrived</h1></body></html>';

/** The link's destination, on another loopback address than Kurz's own host (a link there would be a loop). */
async function startTarget(): Promise<{ server: HttpServer; url: string; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((request, response) => {
    paths.push(request.url ?? '');
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(TARGET_PAGE);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.2', resolve);
  });
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.2:${port}`, paths };
}

/** Console errors saying the Content-Security-Policy blocked something (the form's inline style, or its post). */
const CSP_VIOLATION = /Refused to|violates the following Content Security Policy directive/;

describe('a password-protected link in a browser', () => {
  let kurz: Server;
  let base: string;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const cspViolations: string[] = [];
  const data = tempDir();

  let shortUrl = '';
  let longUrl = '';
  let code = '';

  const newContext = async () => {
    const major = browser.version().split('.')[0];
    // A desktop Chrome's User-Agent: headless Chromium's says HeadlessChrome, which is taken for a bot.
    const ctx = await browser.newContext({
      baseURL: base, viewport: { width: 1280, height: 800 },
      userAgent: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36`,
    });
    ctx.setDefaultTimeout(WAIT_MS);
    ctx.setDefaultNavigationTimeout(WAIT_MS);
    ctx.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error' && CSP_VIOLATION.test(message.text())) cspViolations.push(message.text());
    });
    return ctx;
  };

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
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context = await newContext();
    page = await context.newPage();
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
    await page.goto('/dashboard/signup');
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(ACCOUNT_PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();

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
    assert.deepEqual(cspViolations, [], 'the form\'s style and post were allowed by its CSP');
  });

  test('when the short URL is opened again in that browser, then it goes straight to the target; another browser is asked again', TIMEOUT, async () => {
    assert.ok(shortUrl, 'needs the link made above');
    const response = await page.goto(shortUrl);
    assert.equal(page.url(), longUrl);
    assert.equal(response?.status(), 200);
    await page.getByRole('heading', { name: 'You arrived' }).waitFor();

    const stranger = await newContext();
    try {
      const other = await stranger.newPage();
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

    const stranger = await newContext();
    try {
      const other = await stranger.newPage();
      await other.goto(shortUrl);
      assert.equal(other.url(), longUrl);
    } finally {
      await stranger.close();
    }
    assert.deepEqual(cspViolations, []);
  });
});
