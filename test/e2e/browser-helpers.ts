/**
 * What a browser test of the dashboard needs: the web build, a local destination page, a Chromium
 * context that reports CSP violations and page errors, signing up through the page, axe-core's check
 * of a page, the sideways-scroll check and a wait for a condition in the page. Shared by the browser
 * tests (test/e2e/dashboard*.test.ts), so that none of them keeps a copy of its own.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { repoRoot, startServer, within, type Server } from './process-helpers.js';
import { freePort } from '../support/redis.js';
import { WEB_DIST } from '../../src/http/dashboard.js';

/** Every wait for the page: generous, as `npm test` runs two files at once on two cores. */
export const WAIT_MS = 15_000;

/** Runs a command to completion; rejects with its output if it fails or takes longer than `ms`. */
async function run(command: string, args: string[], ms: number): Promise<void> {
  const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exit = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  try {
    const code = await within(ms, exit, () => `${command} ${args.join(' ')}\n${output}`);
    if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit code ${code}):\n${output}`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/**
 * Builds the dashboard, as `npm run build:web` does, into web/dist, which the server serves. Vite
 * writes to a folder of its own first and the files are then moved in one by one (index.html last),
 * each with a rename: every server that other test files start meanwhile reads web/dist on start-up,
 * and Vite's emptyOutDir would leave it without an index.html for a moment.
 */
export async function buildDashboard(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'kurz-web-build-'));
  try {
    await run(join(repoRoot, 'node_modules', '.bin', 'vite'),
      ['build', '--config', 'web/vite.config.ts', '--logLevel', 'warn', '--outDir', out, '--emptyOutDir'], 90_000)
      .catch((err: Error) => {
        throw new Error(`the web dashboard does not build: ${err.message}`);
      });
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

/**
 * Kurz for a browser test, on a free port and its own SQLite file in `dataDir`: destinations on a local
 * server allowed (the targets of startTarget; Kurz's own host stays refused: a loop), clicks written
 * every 100 ms, no request log.
 */
export async function startBrowserKurz(dataDir: string, env: Record<string, string> = {}): Promise<{ kurz: Server; base: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const kurz = await startServer({
    databaseFile: join(dataDir, 'kurz.db'),
    flags: ['--port', String(port)],
    env: { BASE_URL: base, ALLOW_PRIVATE_URLS: 'true', JWT_SECRET: 'browser-e2e-secret-0123456789abcdefghijklmn', LOG_REQUESTS: '0', CLICK_FLUSH_MS: '100', ...env },
  });
  return { kurz, base };
}

const TARGET_PAGE = '<!doctype html><html><head><meta charset="utf-8"><title>Target</title></head><body><h1>You arrived</h1></body></html>';

export async function startTarget(): Promise<{ server: HttpServer; url: string; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((request, response) => {
    paths.push(request.url ?? '');
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(TARGET_PAGE);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Not 127.0.0.1, Kurz's own host (a link there would be a redirect loop at any port): another loopback address.
    server.listen(0, '127.0.0.2', resolve);
  });
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.2:${port}`, paths };
}

/**
 * A desktop Chrome's User-Agent. Headless Chromium says "HeadlessChrome", which isbot takes for a
 * bot, and the stats leave bots out by default: a person's browser is what this test plays.
 */
function desktopUserAgent(browser: Browser): string {
  const major = browser.version().split('.')[0];
  return `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36`;
}

/**
 * A console error saying the Content-Security-Policy blocked something: "Refused to …" in older
 * Chromiums, "… violates the following Content Security Policy directive …" in newer ones (156).
 */
export const CSP_VIOLATION = /Refused to|violates the following Content Security Policy directive/;

/** CSP violations reported on the console, and uncaught exceptions. */
export interface Problems {
  cspViolations: string[];
  pageErrors: string[];
}

/**
 * A browser session at `base`: a desktop User-Agent (unless another is given), WAIT_MS for every wait, the clipboard allowed.
 * Its problems are collected into `problems`, a fresh record unless one is passed (one record for
 * several contexts, as when a second browser opens a link).
 */
export async function newContext(browser: Browser, base: string, viewport: { width: number; height: number },
  problems: Problems = { cspViolations: [], pageErrors: [] }, userAgent = desktopUserAgent(browser)): Promise<{ context: BrowserContext; page: Page; problems: Problems }> {
  const context = await browser.newContext({ baseURL: base, viewport, userAgent });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  context.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error' && CSP_VIOLATION.test(message.text())) problems.cspViolations.push(message.text());
  });
  context.on('weberror', (error) => problems.pageErrors.push(String(error.error())));
  return { context, page: await context.newPage(), problems };
}

/** Debian's Chromium, headless. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

/** Signs up through the dashboard's sign-up page; resolves once the home page (its shorten form) is shown. */
export async function signUp(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/dashboard/signup');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByLabel('Long URL').waitFor();
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }

/**
 * Runs axe-core (WCAG 2 A and AA rules) on the page as it is. Injected through the DevTools protocol
 * rather than a <script>: the dashboard's Content-Security-Policy would rightly refuse an inline one.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(AXE_SOURCE);
  const { passes, violations } = await page.evaluate<{ passes: number; violations: AxeViolation[] }>(`
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((result) => ({
      passes: result.passes.length,
      violations: result.violations.map(({ id, impact, help, nodes }) => ({ id, impact, help, nodes: nodes.map((n) => ({ target: n.target })) })),
    }))
  `);
  // No violation because nothing was checked would pass unnoticed: labels, contrast and names are always checked.
  assert.ok(passes > 5, `axe checked ${passes} rules`);
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** The page scrolls sideways when its content is wider than the viewport. */
export async function assertNoHorizontalScroll(page: Page, width: number, where: string): Promise<void> {
  const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
  assert.ok(scrollWidth <= width, `${where} is ${scrollWidth} px wide at a ${width} px viewport: it scrolls sideways`);
}

/**
 * Waits until `expression` is true in the page, asked through the DevTools protocol as page.evaluate
 * asks. Not page.waitForFunction: that polls inside the page with eval, which the dashboard's
 * Content-Security-Policy refuses, so it failed whenever its first answer was false.
 */
export async function waitUntil(page: Page, expression: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await page.evaluate<boolean>(expression))) {
    assert.ok(Date.now() < deadline, `still false after ${WAIT_MS} ms: ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
