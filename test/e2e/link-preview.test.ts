/**
 * The link preview (GET /{code}+) in a real browser (Debian's Chromium driven by playwright-core): the
 * page renders under its CSP with nothing blocked, axe-core finds no violation (light and dark), a long
 * URL wraps on a 320 px phone instead of scrolling sideways, and Continue leads on to the short URL,
 * which redirects to a small local page (and counts that visit, the preview none). And the card a
 * chat's preview bot gets at the short URL of a link with Open Graph fields, where a person is redirected.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, launchChromium, newContext, startBrowserKurz, startTarget, type Problems } from './browser-helpers.js';
import { call, killAll, tempDir, within, type Server } from './process-helpers.js';

after(killAll);

const TIMEOUT = { timeout: 30_000 };
const PASSWORD = 'correct horse battery staple';
/** Slack's unfurler, as isbot knows it. */
const SLACKBOT = 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)';

describe('the link preview in a browser', () => {
  let kurz: Server;
  let base: string;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let browser: Browser;
  let page: Page;
  let problems: Problems;
  let token = '';
  const data = tempDir();

  const create = async (body: Record<string, unknown>) => {
    const res = await call(base, 'POST', '/api/v1/links', { token, body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { id: string; code: string; short_url: string };
  };
  const change = async (id: string, body: Record<string, unknown>) => {
    const res = await call(base, 'PATCH', `/api/v1/links/${id}`, { token, body });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  const clicksOf = async (id: string) => (await call(base, 'GET', `/api/v1/links/${id}`, { token })).body.clicks as number;

  before(async () => {
    target = await startTarget();
    ({ kurz, base } = await startBrowserKurz(data.dir));
    assert.equal((await call(base, 'POST', '/api/v1/users', { body: { email: 'owner@example.com', password: PASSWORD } })).status, 201);
    token = (await call(base, 'POST', '/api/v1/auth/token', { body: { email: 'owner@example.com', password: PASSWORD } })).body.access_token;
    browser = await launchChromium();
    ({ page, problems } = await newContext(browser, base, { width: 1280, height: 800 }));
    await page.emulateMedia({ colorScheme: 'light' });
  }, { timeout: 60_000 });

  after(async () => {
    await within(10_000, browser?.close() ?? Promise.resolve(), () => 'closing the browser').catch(() => undefined);
    await kurz?.kill().catch(() => undefined);
    if (target) {
      target.server.closeAllConnections();
      await new Promise((resolve) => target.server.close(resolve));
    }
    data.remove();
  });

  test('when a preview is opened, then it shows the title and destination, axe finds no violation, and Continue lands on the target through the short URL', TIMEOUT, async () => {
    const longUrl = `${target.url}/spring/sale?utm_source=mail`;
    const link = await create({ url: longUrl, title: 'Spring <sale> & "more"' });
    const response = await page.goto(`/${link.code}+`);
    assert.equal(response?.status(), 200);
    await page.getByRole('heading', { level: 1, name: 'Where this short link goes' }).waitFor();
    assert.equal(await page.getByRole('main').count(), 1);
    assert.equal(await page.locator('script').count(), 0);
    assert.equal(await page.getByText('Spring <sale> & "more"', { exact: true }).count(), 1, 'the title, as text');
    const host = new URL(target.url).host;
    assert.equal(await page.locator('strong').first().innerText(), host, 'the host is set apart');
    assert.deepEqual(await axeViolations(page), []);
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.deepEqual(await axeViolations(page), [], 'in dark mode too (contrast)');
    await page.emulateMedia({ colorScheme: 'light' });

    const asked = target.paths.length;
    const shortUrlVisit = page.waitForRequest((request) => request.url() === `${base}/${link.code}`);
    await Promise.all([page.waitForURL(longUrl), page.getByRole('link', { name: `Continue to ${host}` }).click()]);
    await shortUrlVisit;
    await page.getByRole('heading', { name: 'You arrived' }).waitFor();
    assert.deepEqual(target.paths.slice(asked).filter((path) => path !== '/favicon.ico'), ['/spring/sale?utm_source=mail']);
    assert.deepEqual(problems.cspViolations, [], 'the page\'s style was allowed by its CSP, and nothing else was needed');
    assert.deepEqual(problems.pageErrors, []);
    // The visit through Continue counts once; the preview itself counted nothing.
    const deadline = Date.now() + 10_000;
    while ((await clicksOf(link.id)) < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await clicksOf(link.id), 1);
  });

  test('when a routed link is previewed on a 320 px phone, then every destination is listed and a long URL wraps instead of scrolling sideways', TIMEOUT, async () => {
    const long = `${target.url}/${'a-very-long-path-segment-'.repeat(8)}?${'utm_campaign=spring&'.repeat(6)}x=1`;
    const link = await create({ url: long });
    await change(link.id, {
      rules: [{ conditions: [{ type: 'device', value: 'ios' }, { type: 'language', value: 'de' }], url: `${target.url}/ios` }],
      destinations: [{ url: `${target.url}/a`, weight: 1 }, { url: `${target.url}/b`, weight: 1 }],
    });
    const { context, page: phone, problems: phoneProblems } = await newContext(browser, base, { width: 320, height: 640 });
    try {
      assert.equal((await phone.goto(`/${link.code}+`))?.status(), 200);
      await phone.getByText('This link sends visitors to different places', { exact: false }).waitFor();
      assert.equal(await phone.getByRole('listitem').count(), 4, 'the rule, the two arms and the link\'s own URL');
      assert.equal(await phone.getByText('50% of the other visitors', { exact: false }).count(), 2);
      const widths = await phone.evaluate('[document.documentElement.scrollWidth, document.documentElement.clientWidth]') as [number, number];
      assert.ok(widths[0] <= widths[1], `no sideways scroll: ${widths[0]} > ${widths[1]}`);
      assert.deepEqual(await axeViolations(phone), []);
      assert.deepEqual(phoneProblems.cspViolations, []);
    } finally {
      await context.close();
    }
  });

  test('when a protected link is previewed, then no destination is shown and Continue leads to the password form', TIMEOUT, async () => {
    const link = await create({ url: `${target.url}/members`, password: 'tea at five' });
    await page.goto(`/${link.code}+`);
    await page.getByText('This link is protected by a password', { exact: false }).waitFor();
    assert.equal(await page.getByText(target.url, { exact: false }).count(), 0);
    await Promise.all([page.waitForURL(`${base}/${link.code}`), page.getByRole('link', { name: 'Continue to the password form' }).click()]);
    await page.getByLabel('Password').waitFor();
    assert.deepEqual(problems.cspViolations, []);
  });

  test('when a preview bot opens the short URL of a link with Open Graph fields, then it reads the card\'s tags; a person lands on the destination', TIMEOUT, async () => {
    const link = await create({ url: `${target.url}/story?id=7` });
    const og = { title: 'Our <spring> story & more', description: 'What "we" did', image: 'https://img.example.test/card.png' };
    await change(link.id, { og });

    const { context, page: bot, problems: botProblems } = await newContext(browser, base, { width: 1280, height: 800 }, undefined, SLACKBOT);
    try {
      const response = await bot.goto(link.short_url);
      assert.equal(response?.status(), 200);
      assert.equal(bot.url(), link.short_url, 'the bot stays on the short URL');
      const meta = (key: string) => bot.locator(`meta[property="${key}"], meta[name="${key}"]`).getAttribute('content');
      assert.equal(await meta('og:title'), og.title);
      assert.equal(await meta('og:description'), og.description);
      assert.equal(await meta('og:image'), og.image);
      assert.equal(await meta('og:url'), link.short_url);
      assert.equal(await meta('og:type'), 'website');
      assert.equal(await meta('twitter:card'), 'summary_large_image');
      assert.equal(await bot.title(), og.title);
      assert.equal(await bot.locator('script').count(), 0);
      assert.deepEqual(await axeViolations(bot), []);
      assert.deepEqual(botProblems.cspViolations, []);
    } finally {
      await context.close();
    }

    await page.goto(link.short_url);
    assert.equal(page.url(), `${target.url}/story?id=7`);
    await page.getByRole('heading', { name: 'You arrived' }).waitFor();
  });
});
