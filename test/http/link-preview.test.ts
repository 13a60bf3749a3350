/**
 * The link preview, GET /{code}+, over HTTP on both stores: what it shows for a plain, routed,
 * protected, archived and expired link, on BASE_URL's host and on a custom domain; HEAD; the 404 of an
 * unknown code and its rate limit; and that a preview counts no click. Every answer is checked against
 * the OpenAPI document (test/support/conformance.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, describeEachDialect, problem, signUpAndIn, type Caller, type TestApp } from '../support/app.js';

/** Two unknown-code tokens per client IP, refilled too slowly for a test to see. */
const RATE_NOT_FOUND = '2:0.0001';
const HTML_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

function assertPage(res: LightMyRequestResponse, status = 200): void {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
  assert.equal(res.headers['cache-control'], 'private, no-store');
  assert.match(String(res.headers['content-security-policy']), /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; .*frame-ancestors 'none'/);
  assert.equal(res.headers.location, undefined, 'a preview never redirects');
}

describeEachDialect('link previews', ({ app, t, admin }) => {
  let ann: Caller;
  const create = async (payload: Record<string, unknown>) => {
    const res = await app().inject({ method: 'POST', url: '/api/v1/links', headers: ann.auth, payload });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { id: string; code: string; short_url: string };
  };
  const preview = (code: string, options: { method?: 'GET' | 'HEAD'; headers?: Record<string, string>; remoteAddress?: string } = {}) =>
    app().inject({ method: options.method ?? 'GET', url: `/${code}+`, headers: options.headers ?? {}, remoteAddress: options.remoteAddress });
  const clicksOf = async (id: string) => {
    await t().ctx.clicks.flush();
    return (await app().inject({ url: `/api/v1/links/${id}`, headers: ann.auth })).json().clicks as number;
  };

  before(async () => {
    ann = await signUpAndIn(app());
  });

  test('when a plain link is previewed, then the page shows its title and URL with a Continue link to the short URL, and no click is counted', async () => {
    const link = await create({ url: 'https://shop.example.com/spring?utm_source=mail', title: 'Spring <sale> & "more"' });
    const res = await preview(link.code);
    assertPage(res);
    assert.ok(res.body.includes('<dd>Spring &lt;sale&gt; &amp; &quot;more&quot;</dd>'), 'the title, escaped');
    assert.ok(res.body.includes('https://<strong>shop.example.com</strong>/spring?utm_source=mail'));
    assert.ok(res.body.includes(`<a class="continue" href="/${link.code}">Continue to shop.example.com</a>`));
    assert.ok(res.body.includes(`<span class="url">${link.short_url}</span>`));
    await preview(link.code);
    assert.equal(await clicksOf(link.id), 0, 'previews count no click');
    const visit = await app().inject({ url: `/${link.code}` });
    assert.equal(visit.statusCode, 302, 'the short URL itself still redirects');
    assert.equal(await clicksOf(link.id), 1, 'the visit is counted (the count above could have moved)');
  });

  test('when a preview is asked with HEAD, then its headers come without a body', async () => {
    const link = await create({ url: 'https://example.com/head' });
    const res = await preview(link.code, { method: 'HEAD' });
    assertPage(res);
    assert.equal(res.body, '');
  });

  test('when a link has rules and a split, then the page says it sends visitors to different places and lists every destination', async () => {
    const link = await create({
      url: 'https://main.example.com/',
      rules: [{ conditions: [{ type: 'device', value: 'ios' }], url: 'https://apps.example.com/ios' }],
      destinations: [{ url: 'https://a.example.com/', weight: 3 }, { url: 'https://b.example.com/', weight: 1 }],
    });
    const res = await preview(link.code);
    assertPage(res);
    assert.match(res.body, /sends visitors to different places, by device and an A\/B split/);
    for (const host of ['apps.example.com', 'a.example.com', 'b.example.com', 'main.example.com']) assert.ok(res.body.includes(`<strong>${host}</strong>`), host);
    assert.match(res.body, /75% of the other visitors/);
    assert.match(res.body, /25% of the other visitors/);
  });

  test('when a link is protected, then the page says so and shows neither its destination nor its title', async () => {
    const link = await create({ url: 'https://secret.example.com/plans', title: 'Secret plans', password: 'open sesame 42' });
    const res = await preview(link.code);
    assertPage(res);
    assert.match(res.body, /protected by a password/);
    assert.doesNotMatch(res.body, /secret\.example\.com|Secret plans/);
    assert.ok(res.body.includes(`<a class="continue" href="/${link.code}">Continue to the password form</a>`));
  });

  test('when a link is archived, then it is previewed like any other', async () => {
    const link = await create({ url: 'https://example.com/archived' });
    assert.equal((await app().inject({ method: 'PATCH', url: `/api/v1/links/${link.id}`, headers: ann.auth, payload: { archived: true } })).statusCode, 200);
    const res = await preview(link.code);
    assertPage(res);
    assert.ok(res.body.includes('<strong>example.com</strong>/archived'));
  });

  test('when a link has expired, then a browser gets the gone page (410) and a program the problem; with an expired_url, the page says where it now goes', async () => {
    const expiresAt = new Date(t().clock.now + 60_000).toISOString();
    const gone = await create({ url: 'https://example.com/over', expires_at: expiresAt });
    const moved = await create({ url: 'https://example.com/over2', expires_at: expiresAt, expired_url: 'https://later.example.com/next' });
    t().clock.now += 120_000;
    const page = await preview(gone.code, { headers: { accept: HTML_ACCEPT } });
    assertPage(page, 410);
    assert.match(page.body, /This link has expired/);
    const json = await preview(gone.code, { headers: { accept: 'application/json' } });
    assert.equal(json.statusCode, 410);
    assert.equal(problem(json).type, 'urn:kurz:problem:gone');
    const res = await preview(moved.code);
    assertPage(res);
    assert.match(res.body, /This link has expired; it now sends its visitors elsewhere/);
    assert.ok(res.body.includes('https://<strong>later.example.com</strong>/next'));
    assert.doesNotMatch(res.body, /over2/, 'not the URL it no longer goes to');
  });

  test('when a used-up link is previewed, then it is gone too', async () => {
    const link = await create({ url: 'https://example.com/once', max_clicks: 1 });
    assert.equal((await app().inject({ url: `/${link.code}` })).statusCode, 302);
    const res = await preview(link.code, { headers: { accept: HTML_ACCEPT } });
    assertPage(res, 410);
    assert.match(res.body, /reached its click limit/);
  });

  test('when the code is unknown, or not a code at all, then 404 problem; past two of them the client gets 429s', async () => {
    const ip = '203.0.113.70';
    const unknown = await preview('no-such-code', { remoteAddress: ip });
    assert.equal(unknown.statusCode, 404);
    assert.equal(problem(unknown).type, 'urn:kurz:problem:not-found');
    assert.equal((await preview('a', { remoteAddress: ip })).statusCode, 404, 'too short to be a code');
    const limited = await preview('still-unknown', { remoteAddress: ip });
    assert.equal(limited.statusCode, 429, limited.body);
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    assert.equal((await app().inject({ url: '/unknown-code', remoteAddress: ip })).statusCode, 429, 'the same bucket as the redirect\'s 404s');
    const link = await create({ url: 'https://example.com/known' });
    assert.equal((await preview(link.code, { remoteAddress: ip })).statusCode, 200, 'a known code takes no token');
  });

  test('when a + is not at the end of the path, then it is no preview: the redirect route\'s 404', async () => {
    const link = await create({ url: 'https://example.com/plus' });
    for (const path of [`/${link.code}++`, `/${link.code.slice(0, 2)}+${link.code.slice(2)}`]) {
      const res = await app().inject({ url: path, remoteAddress: '203.0.113.80' });
      assert.equal(res.statusCode, 404, path);
    }
  });

  test('when a link on a custom domain is previewed at that host, then it is shown with that short URL; at another host it is unknown', async () => {
    const domain = await app().inject({ method: 'POST', url: '/api/v1/domains', headers: admin().auth, payload: { hostname: 'preview.example' } });
    assert.equal(domain.statusCode, 201, domain.body);
    const link = await create({ url: 'https://example.com/on-domain', domain: 'preview.example', code: 'on-domain' });
    const res = await app().inject({ url: '/on-domain+', headers: { host: 'preview.example' } });
    assertPage(res);
    assert.ok(res.body.includes('<span class="url">http://preview.example/on-domain</span>'), 'its short URL: the domain with BASE_URL\'s scheme');
    assert.ok(res.body.includes('<strong>example.com</strong>/on-domain'));
    const elsewhere = '203.0.113.90'; // its own unknown-code bucket
    assert.equal((await preview('on-domain', { remoteAddress: elsewhere })).statusCode, 404, 'not on BASE_URL\'s host');
    assert.equal((await app().inject({ url: '/on-domain+', headers: { host: 'nowhere.example' }, remoteAddress: elsewhere })).statusCode, 404, 'nor at a host no domain names');
    assert.equal(await clicksOf(link.id), 0);
  });

  test('when another method is used on a preview, then 405 with the methods the path answers', async () => {
    const res = await app().inject({ method: 'DELETE', url: '/abcdef+' });
    assert.equal(res.statusCode, 405, res.body);
    assert.deepEqual(String(res.headers.allow).split(', ').filter((m) => m === 'GET' || m === 'HEAD'), ['GET', 'HEAD']);
  });
}, { env: { RATE_NOT_FOUND } });

/** On a real socket, where fast-redirect.ts sees every request first: a + is in no code, so /abc+ goes on to the route. */
describe('link previews over a socket', () => {
  let t: TestApp;
  let base = '';
  let ann: Caller;
  before(async () => {
    t = await createTestApp('sqlite', { env: { BASE_URL: 'http://127.0.0.1' } });
    ann = await signUpAndIn(t.app);
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(() => t?.close());

  test('when a cached link is previewed, then the fast path leaves it to the preview route: the page, not the redirect', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/links', headers: ann.auth, payload: { url: 'https://example.com/socket' } });
    const { code } = created.json() as { code: string };
    const visit = await fetch(`${base}/${code}`, { redirect: 'manual' });
    assert.equal(visit.status, 302, 'the visit caches the link');
    const res = await fetch(`${base}/${code}+`, { redirect: 'manual' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('location'), null);
    assert.match(await res.text(), /<strong>example\.com<\/strong>\/socket/);
  });
});
